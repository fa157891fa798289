import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { bundledLibsDir, serverLaunch } from "../src/launch";

describe("serverLaunch", () => {
    const extensionPath = path.join("/", "home", "me", ".vscode", "extensions", "shapelens.shapelens-0.1.0-linux-x64");
    const userEnv = { PATH: "/usr/local/bin:/usr/bin", HOME: "/home/me", PYTHONPATH: "/home/me/old-pygls", LANG: undefined };

    it("runs `python -m shapelens serve`; the language client adds --stdio", () => {
        const launch = serverLaunch("/usr/bin/python3", extensionPath, userEnv);
        assert.equal(launch.command, "/usr/bin/python3");
        assert.deepEqual(launch.args, ["-m", "shapelens", "serve"]);
    });

    it("puts only the bundled libraries on the import path", () => {
        const { env } = serverLaunch("/usr/bin/python3", extensionPath, userEnv);
        assert.equal(env.PYTHONPATH, path.join(extensionPath, "bundled", "libs"));
        assert.equal(env.PYTHONPATH, bundledLibsDir(extensionPath));
        assert.equal(env.PYTHONNOUSERSITE, "1");
        assert.equal(env.PYTHONSAFEPATH, "1");
    });

    it("keeps the rest of the user's environment and drops unset variables", () => {
        const { env } = serverLaunch("/usr/bin/python3", extensionPath, userEnv);
        assert.equal(env.PATH, userEnv.PATH);
        assert.equal(env.HOME, userEnv.HOME);
        assert.equal("LANG" in env, false);
        assert.equal(env.PYTHONUNBUFFERED, "1");
    });

    it("runs in the extension's folder, never in the workspace", () => {
        const launch = serverLaunch("/usr/bin/python3", extensionPath, userEnv);
        assert.equal(launch.cwd, extensionPath);
    });
});
