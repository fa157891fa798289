import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { findOnPath, Interpreter, isExecutableFile } from "../src/interpreter";
import { serverLaunch } from "../src/launch";
import { assessProbe, BundleManifest, ProbeOutcome, readBundleManifest, runProbe } from "../src/probe";

const fromPath: Interpreter = { command: "/usr/bin/python3", source: "path" };
const fromSetting: Interpreter = { command: "/opt/old/bin/python", source: "setting" };
const manifest: BundleManifest = { target: "linux-x64", pythonVersions: ["3.10", "3.11", "3.12", "3.13", "3.14"], distributions: { libcst: "1.9.0" } };

function answered(report: object): ProbeOutcome {
    return { exitCode: 0, stdout: `${JSON.stringify(report)}\n`, stderr: "", timedOut: false };
}

describe("assessProbe", () => {
    it("accepts a supported CPython that imports the server", () => {
        const verdict = assessProbe(answered({ version: [3, 11, 7], implementation: "cpython", server: "/ext/bundled/libs/shapelens/__init__.py" }), fromPath, manifest);
        assert.deepEqual(verdict, { ok: true, version: "3.11.7", serverPath: "/ext/bundled/libs/shapelens/__init__.py" });
    });

    it("names a configured interpreter that does not exist", () => {
        const verdict = assessProbe({ spawnError: { code: "ENOENT", message: "spawn ENOENT" }, exitCode: null, stdout: "", stderr: "", timedOut: false }, fromSetting, manifest);
        assert.equal(verdict.ok, false);
        assert.equal(!verdict.ok && verdict.problem, "not-found");
        assert.match(!verdict.ok ? verdict.message : "", /"\/opt\/old\/bin\/python" \(from the shapelens\.interpreter setting\) does not exist/);
    });

    it("says which version is too old", () => {
        const verdict = assessProbe(answered({ version: [3, 8, 10], implementation: "cpython" }), fromSetting, manifest);
        assert.equal(!verdict.ok && verdict.problem, "too-old");
        assert.match(!verdict.ok ? verdict.message : "", /needs Python 3\.10 or newer; .* is Python 3\.8\.10/);
    });

    it("treats Python 2, whose probe cannot import anything, as too old", () => {
        const verdict = assessProbe(answered({ version: [2, 7, 18] }), fromPath, manifest);
        assert.equal(!verdict.ok && verdict.problem, "too-old");
    });

    it("says when the package has no compiled parser for this Python", () => {
        const newer = assessProbe(answered({ version: [3, 15, 0], implementation: "cpython", importError: "ModuleNotFoundError: No module named 'libcst.native'" }), fromPath, manifest);
        assert.equal(!newer.ok && newer.problem, "no-bundled-build");
        assert.match(!newer.ok ? newer.message : "", /CPython 3\.10, 3\.11, 3\.12, 3\.13, 3\.14 on linux-x64; .* is CPython 3\.15\.0/);
        const pypy = assessProbe(answered({ version: [3, 10, 14], implementation: "pypy" }), fromPath, manifest);
        assert.equal(!pypy.ok && pypy.problem, "no-bundled-build");
    });

    it("reports an import failure with the Python error", () => {
        const verdict = assessProbe(answered({ version: [3, 12, 1], implementation: "cpython", importError: "ImportError: cannot import name 'LanguageServer'" }), fromPath, manifest);
        assert.equal(!verdict.ok && verdict.problem, "import-failed");
        assert.match(!verdict.ok ? verdict.message : "", /Python 3\.12\.1: ImportError: cannot import name 'LanguageServer'/);
    });

    it("reports a program that is not Python with its exit code and error output", () => {
        const verdict = assessProbe({ exitCode: 127, stdout: "", stderr: "python3: command not found\n", timedOut: false }, fromPath, manifest);
        assert.equal(!verdict.ok && verdict.problem, "not-python");
        assert.match(!verdict.ok ? verdict.message : "", /exit code 127\): python3: command not found/);
    });
});

describe("runProbe, with real processes", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "shapelens-probe-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const python3 = findOnPath(["python3"], process.env, process.platform, isExecutableFile);

    it("has a python3 on PATH to run", () => {
        assert.ok(python3, "python3 is not on PATH");
    });

    it("runs the server's environment: the bundled folder's modules are the ones imported", async () => {
        // A stand-in for bundled/libs with the four modules the probe imports.
        const extension = path.join(dir, "extension");
        const libs = path.join(extension, "bundled", "libs");
        const modules: Record<string, string> = {
            "libcst/__init__.py": "def parse_module(source):\n    return source\n",
            "lsprotocol/__init__.py": "",
            "lsprotocol/types.py": "",
            "pygls/__init__.py": "",
            "pygls/lsp/__init__.py": "",
            "pygls/lsp/server.py": "",
            "shapelens/__init__.py": "",
            "shapelens/cli.py": "",
        };
        for (const [file, text] of Object.entries(modules)) {
            mkdirSync(path.dirname(path.join(libs, file)), { recursive: true });
            writeFileSync(path.join(libs, file), text);
        }
        const launch = serverLaunch(python3!, extension, process.env);
        const outcome = await runProbe(launch, 20_000);
        const verdict = assessProbe(outcome, { command: python3!, source: "path" }, undefined);
        const realVersion = execFileSync(python3!, ["-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"], { encoding: "utf8" }).trim();
        assert.deepEqual(verdict, { ok: true, version: realVersion, serverPath: path.join(libs, "shapelens", "__init__.py") });
    });

    it("reports the missing module when the server's libraries are not there", async () => {
        const launch = serverLaunch(python3!, dir, process.env); // a folder without bundled/libs
        const verdict = assessProbe(await runProbe(launch, 20_000), { command: python3!, source: "path" }, undefined);
        assert.equal(!verdict.ok && verdict.problem, "import-failed");
        assert.match(!verdict.ok ? verdict.message : "", /ModuleNotFoundError: No module named/);
    });

    it("reports an interpreter path that does not exist", async () => {
        const missing = path.join(dir, "no-such-python");
        const outcome = await runProbe(serverLaunch(missing, dir, process.env), 20_000);
        assert.equal(outcome.spawnError?.code, "ENOENT");
        assert.equal(assessProbe(outcome, { command: missing, source: "setting" }, undefined).ok, false);
    });

    it("reports a program that is not Python", async () => {
        const notPython = path.join(dir, "not-python");
        writeFileSync(notPython, "#!/bin/sh\necho 'this is not python' >&2\nexit 3\n", { mode: 0o755 });
        const verdict = assessProbe(await runProbe(serverLaunch(notPython, dir, process.env), 20_000), { command: notPython, source: "setting" }, undefined);
        assert.equal(!verdict.ok && verdict.problem, "not-python");
        assert.match(!verdict.ok ? verdict.message : "", /exit code 3\): this is not python/);
    });

    it("gives up on an interpreter that does not answer", async () => {
        const hanging = path.join(dir, "hanging-python");
        writeFileSync(hanging, "#!/bin/sh\nexec sleep 30\n", { mode: 0o755 });
        const outcome = await runProbe(serverLaunch(hanging, dir, process.env), 300);
        assert.equal(outcome.timedOut, true);
        assert.equal(assessProbe(outcome, { command: hanging, source: "setting" }, undefined).ok, false);
    });
});

describe("readBundleManifest", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "shapelens-manifest-"));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("reads what bundle_python.py wrote and tolerates its absence", () => {
        writeFileSync(path.join(dir, "shapelens-bundle.json"), JSON.stringify(manifest));
        assert.deepEqual(readBundleManifest(dir), manifest);
        assert.equal(readBundleManifest(path.join(dir, "missing")), undefined);
    });
});
