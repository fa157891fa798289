// Bundles the extension into dist/extension.js with esbuild (the `vscode` module is provided by
// the editor), type-checks it first, and copies the one file vscode-languageclient runs beside it.
//   node client/scripts/build.mjs [--production]
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const production = process.argv.includes("--production");
const dist = path.join(root, "dist");

// A package without the bundled server would install and then fail on every start.
if (production && !existsSync(path.join(root, "bundled", "libs", "shapelens-bundle.json"))) {
    console.error("error: bundled/libs is empty; fill it first with `make vsix` or `python3 client/scripts/bundle_python.py`");
    process.exit(1);
}

execFileSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(root, "client", "tsconfig.json")], { stdio: "inherit" });

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
await esbuild.build({
    entryPoints: [path.join(root, "client", "src", "extension.ts")],
    outfile: path.join(dist, "extension.js"),
    bundle: true,
    external: ["vscode"],
    format: "cjs",
    platform: "node",
    target: "node18",
    minify: production,
    sourcemap: production ? false : "linked",
    logLevel: "info",
});

// vscode-languageclient kills a stuck server with this script, looked up next to its own code.
const terminateScript = path.join(root, "node_modules", "vscode-languageclient", "lib", "node", "terminateProcess.sh");
copyFileSync(terminateScript, path.join(dist, "terminateProcess.sh"));
chmodSync(path.join(dist, "terminateProcess.sh"), 0o755);
