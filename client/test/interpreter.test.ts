import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, it } from "node:test";
import { chooseInterpreter, findOnPath, InterpreterLookup, isExecutableFile, resolveSetting } from "../src/interpreter";

/** A lookup on a pretend Linux machine whose executables are exactly `executables`. */
function lookup(overrides: Partial<InterpreterLookup> & { executables?: string[] } = {}): InterpreterLookup {
    const executables = new Set(overrides.executables ?? ["/usr/bin/python3", "/usr/bin/python"]);
    return {
        setting: "",
        workspaceFolder: "/work/project",
        home: "/home/me",
        env: { PATH: "/home/me/.local/bin:/usr/bin", VENVS: "/opt/venvs" },
        platform: "linux",
        isExecutable: (file) => executables.has(file),
        ...overrides,
    };
}

describe("chooseInterpreter", () => {
    it("takes the shapelens.interpreter setting first, even over the Python extension", async () => {
        let asked = false;
        const chosen = await chooseInterpreter(
            lookup({
                setting: "/opt/py312/bin/python",
                pythonExtension: async () => {
                    asked = true;
                    return "/work/project/.venv/bin/python";
                },
            }),
        );
        assert.deepEqual(chosen, { command: "/opt/py312/bin/python", source: "setting" });
        assert.equal(asked, false);
    });

    it("keeps a configured path that does not exist, so the user is told about that path", async () => {
        const chosen = await chooseInterpreter(lookup({ setting: "/nowhere/python", executables: ["/usr/bin/python3"] }));
        assert.deepEqual(chosen, { command: "/nowhere/python", source: "setting" });
    });

    it("takes the Python extension's active environment when no setting is given", async () => {
        const chosen = await chooseInterpreter(lookup({ pythonExtension: async () => "/work/project/.venv/bin/python" }));
        assert.deepEqual(chosen, { command: "/work/project/.venv/bin/python", source: "python-extension" });
    });

    it("falls back to PATH when the Python extension fails, and logs why", async () => {
        const logged: string[] = [];
        const chosen = await chooseInterpreter(
            lookup({
                pythonExtension: async () => {
                    throw new Error("extension host busy");
                },
                log: (line) => logged.push(line),
            }),
        );
        assert.deepEqual(chosen, { command: "/usr/bin/python3", source: "path" });
        assert.match(logged.join("\n"), /extension host busy/);
    });

    it("falls back to PATH when the Python extension has no interpreter selected", async () => {
        const chosen = await chooseInterpreter(lookup({ pythonExtension: async () => undefined }));
        assert.deepEqual(chosen, { command: "/usr/bin/python3", source: "path" });
    });

    it("prefers python3 to python on PATH, in PATH order", async () => {
        const chosen = await chooseInterpreter(lookup({ executables: ["/usr/bin/python", "/usr/bin/python3", "/home/me/.local/bin/python3"] }));
        assert.deepEqual(chosen, { command: "/home/me/.local/bin/python3", source: "path" });
        const onlyPython = await chooseInterpreter(lookup({ executables: ["/usr/bin/python"] }));
        assert.deepEqual(onlyPython, { command: "/usr/bin/python", source: "path" });
    });

    it("finds nothing when there is no setting, no Python extension and no Python on PATH", async () => {
        assert.equal(await chooseInterpreter(lookup({ executables: [] })), undefined);
    });

    it("looks for python.exe along Windows' Path", async () => {
        const chosen = await chooseInterpreter(
            lookup({
                platform: "win32",
                env: { Path: "C:\\Windows;C:\\Python312" },
                executables: ["C:\\Python312\\python.exe"],
            }),
        );
        assert.deepEqual(chosen, { command: "C:\\Python312\\python.exe", source: "path" });
    });
});

describe("resolveSetting", () => {
    const base = lookup({ executables: ["/usr/bin/python3.12"] });

    it("expands ~, ${userHome}, ${workspaceFolder} and ${env:NAME}", () => {
        assert.equal(resolveSetting("~/.pyenv/shims/python", base), "/home/me/.pyenv/shims/python");
        assert.equal(resolveSetting("${userHome}/py/bin/python", base), "/home/me/py/bin/python");
        assert.equal(resolveSetting("${workspaceFolder}/.venv/bin/python", base), "/work/project/.venv/bin/python");
        assert.equal(resolveSetting("${env:VENVS}/ml/bin/python", base), "/opt/venvs/ml/bin/python");
    });

    it("reads a relative path from the workspace folder", () => {
        assert.equal(resolveSetting(".venv/bin/python", base), "/work/project/.venv/bin/python");
    });

    it("looks a bare command name up on PATH", () => {
        assert.equal(resolveSetting("python3.12", base), "/usr/bin/python3.12");
        assert.equal(resolveSetting("python3.99", base), "python3.99");
    });
});

describe("on the real file system", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "shapelens-interpreter-"));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("skips a python3 that is not executable and finds the next one", () => {
        const first = path.join(dir, "first");
        const second = path.join(dir, "second");
        mkdirSync(first);
        mkdirSync(second);
        writeFileSync(path.join(first, "python3"), "#!/bin/sh\n", { mode: 0o644 });
        writeFileSync(path.join(second, "python3"), "#!/bin/sh\n", { mode: 0o755 });

        const found = findOnPath(["python3"], { PATH: `${first}:${second}` }, "linux", isExecutableFile);
        assert.equal(found, path.join(second, "python3"));
    });

    it("does not take a folder named python3 for an interpreter", () => {
        assert.equal(isExecutableFile(dir), false);
    });
});
