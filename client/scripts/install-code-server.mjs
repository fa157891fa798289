// Installs code-server (VS Code in the browser) from npm into a cache folder outside git, for
// the end-to-end test. VS Code's own test runners download VS Code from the internet; these
// machines reach only package registries, and code-server comes from npm.
//
//   node client/scripts/install-code-server.mjs <cache-dir>
//
// Three things stand between `npm install code-server` and a working install here:
// * @vscode/ripgrep's postinstall downloads ripgrep from GitHub; when that fails npm removes the
//   whole package and code-server cannot start. Its download cache is pre-seeded with Debian's
//   `rg`, packed under the archive name it looks for.
// * npm 11 blocks dependencies' install scripts unless allowed. Exactly the packages that
//   code-server's own lockfiles mark as having install scripts are allowed, in two steps.
// * node-pty's postinstall runs `npx node-gyp`, which must not prompt (npm_config_yes=true).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync, chmodSync } from "node:fs";
import { arch } from "node:os";
import path from "node:path";

const CODE_SERVER_VERSION = "4.100.3"; // the newest that runs on Node 20 (later ones want 22/24)

function fail(message) {
    console.error(`error: ${message}`);
    process.exit(1);
}

function run(command, args, options = {}) {
    const result = spawnSync(command, args, { stdio: "inherit", ...options });
    if (result.error) fail(`${command} could not run: ${result.error.message}`);
    if (result.status !== 0) fail(`${command} ${args.join(" ")} exited with ${result.status}`);
}

function output(command, args, options = {}) {
    return execFileSync(command, args, { encoding: "utf8", ...options });
}

function findOnPath(name) {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(dir, name);
        if (dir && existsSync(candidate)) return candidate;
    }
    return undefined;
}

/** `npm pack` a package into `dir` (once) and return the tarball's path. */
function packOnce(spec, tarballName, dir) {
    const tarball = path.join(dir, tarballName);
    if (!existsSync(tarball)) {
        mkdirSync(dir, { recursive: true });
        run("npm", ["pack", spec, "--pack-destination", dir, "--silent"], { stdio: ["ignore", "ignore", "inherit"] });
    }
    if (!existsSync(tarball)) fail(`npm pack ${spec} did not produce ${tarball}`);
    return tarball;
}

function readFromTarball(tarball, member) {
    return output("tar", ["-xzOf", tarball, member]);
}

/** Packages (by name) that a lockfile marks as running install scripts. */
function packagesWithInstallScripts(shrinkwrapText) {
    const lock = JSON.parse(shrinkwrapText);
    return Object.entries(lock.packages ?? {})
        .filter(([location, entry]) => location !== "" && entry.hasInstallScript)
        .map(([location]) => location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length));
}

function ripgrepTarget() {
    switch (arch()) {
        case "x64":
            return "x86_64-unknown-linux-musl";
        case "arm64":
            return "aarch64-unknown-linux-musl";
        default:
            return fail(`no ripgrep target known for architecture ${arch()}`);
    }
}

function main() {
    const cacheDir = path.resolve(process.argv[2] ?? fail("usage: install-code-server.mjs <cache-dir>"));
    const installDir = path.join(cacheDir, `code-server-${CODE_SERVER_VERSION}`);
    const binary = path.join(installDir, "node_modules", "code-server", "out", "node", "entry.js");
    const doneMarker = path.join(installDir, ".installed");
    if (existsSync(doneMarker) && existsSync(binary)) {
        console.log(`code-server ${CODE_SERVER_VERSION} already installed in ${installDir}`);
        return;
    }

    const nodeMajor = Number(process.versions.node.split(".")[0]);
    if (nodeMajor !== 20) fail(`code-server ${CODE_SERVER_VERSION} needs Node 20; this is Node ${process.versions.node}`);
    if (process.platform !== "linux") fail("the end-to-end setup supports Linux only");
    const rg = findOnPath("rg") ?? fail("ripgrep (`rg`) is not on PATH: apt-get install ripgrep");
    for (const tool of ["make", "g++", "pkg-config"]) {
        if (!findOnPath(tool)) fail(`\`${tool}\` is not on PATH: apt-get install build-essential pkg-config libkrb5-dev`);
    }

    rmSync(installDir, { recursive: true, force: true });
    const downloads = path.join(cacheDir, "downloads");
    const codeServerTarball = packOnce(`code-server@${CODE_SERVER_VERSION}`, `code-server-${CODE_SERVER_VERSION}.tgz`, downloads);

    const vscodeLock = JSON.parse(readFromTarball(codeServerTarball, "package/lib/vscode/npm-shrinkwrap.json"));
    const ripgrepVersion = vscodeLock.packages["node_modules/@vscode/ripgrep"]?.version ?? fail("code-server's lockfile names no @vscode/ripgrep");
    const ripgrepTarball = packOnce(`@vscode/ripgrep@${ripgrepVersion}`, `vscode-ripgrep-${ripgrepVersion}.tgz`, downloads);
    const postinstall = readFromTarball(ripgrepTarball, "package/lib/postinstall.js");
    const releaseTag = /const VERSION = '([^']+)'/.exec(postinstall)?.[1] ?? fail("cannot find ripgrep's release tag in @vscode/ripgrep's postinstall.js");

    // @vscode/ripgrep looks in os.tmpdir()/vscode-ripgrep-cache-<version>/ before downloading.
    const tmpDir = path.join(cacheDir, "tmp");
    const ripgrepCache = path.join(tmpDir, `vscode-ripgrep-cache-${ripgrepVersion}`);
    const archiveName = `ripgrep-${releaseTag}-${ripgrepTarget()}.tar.gz`;
    mkdirSync(ripgrepCache, { recursive: true });
    const staging = path.join(tmpDir, "rg-staging");
    mkdirSync(staging, { recursive: true });
    copyFileSync(rg, path.join(staging, "rg"));
    chmodSync(path.join(staging, "rg"), 0o755);
    run("tar", ["-czf", path.join(ripgrepCache, archiveName), "-C", staging, "rg"]);

    // Step 1: code-server and its own dependencies; only argon2's build script runs here
    // (code-server loads argon2 at startup). code-server's postinstall is run in step 2.
    const topLevelScripts = packagesWithInstallScripts(readFromTarball(codeServerTarball, "package/npm-shrinkwrap.json"));
    mkdirSync(installDir, { recursive: true });
    writeFileSync(
        path.join(installDir, "package.json"),
        JSON.stringify(
            {
                name: "shapelens-e2e-code-server",
                private: true,
                dependencies: { "code-server": CODE_SERVER_VERSION }, // a registry spec: npm cache hit after `npm pack`
                allowScripts: Object.fromEntries([["code-server", false], ...topLevelScripts.map((name) => [name, true])]),
            },
            null,
            2,
        ),
    );
    console.log(`Installing code-server ${CODE_SERVER_VERSION} into ${installDir} (a few minutes, 300 MB)`);
    const baseEnv = { ...process.env, TMPDIR: tmpDir, npm_config_yes: "true", npm_config_fund: "false", npm_config_audit: "false" };
    run("npm", ["install", "--no-package-lock"], { cwd: installDir, env: baseEnv });

    // Step 2: code-server's postinstall runs `npm install` inside its lib/vscode folders. There
    // npm takes the allowed install scripts only from an .npmrc (the environment and the command
    // line are refused), so the machine's global npmrc (cafile, registry) is copied with one
    // more line and used in its place. The user's own .npmrc is left alone.
    const vscodeScripts = packagesWithInstallScripts(readFromTarball(codeServerTarball, "package/lib/vscode/npm-shrinkwrap.json"));
    const globalConfig = output("npm", ["config", "get", "globalconfig"]).trim();
    const globalConfigText = existsSync(globalConfig) ? readFileSync(globalConfig, "utf8") : "";
    const npmrc = path.join(cacheDir, "npmrc");
    writeFileSync(npmrc, `${globalConfigText.trimEnd()}\nallow-scripts=${vscodeScripts.join(",")}\n`);
    const npmVersion = output("npm", ["--version"]).trim();
    run("sh", ["./postinstall.sh"], {
        cwd: path.join(installDir, "node_modules", "code-server"),
        env: {
            ...baseEnv,
            npm_config_globalconfig: npmrc,
            // postinstall.sh reads these to pick npm and to accept running as root
            npm_config_user_agent: `npm/${npmVersion} node/v${process.versions.node} linux ${arch()}`,
            npm_config_unsafe_perm: "true",
        },
    });

    const vscodeModules = path.join(installDir, "node_modules", "code-server", "lib", "vscode", "node_modules");
    const expected = [binary, path.join(vscodeModules, "@vscode", "ripgrep", "bin", "rg"), path.join(vscodeModules, "node-pty", "build", "Release", "pty.node")];
    for (const file of expected) {
        if (!existsSync(file)) fail(`code-server installed without ${file}; see the npm output above`);
    }
    writeFileSync(doneMarker, `${CODE_SERVER_VERSION}\n`);
    console.log(`code-server ${CODE_SERVER_VERSION} installed`);
}

main();
