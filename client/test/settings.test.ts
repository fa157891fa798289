import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_DEBOUNCE_MS, needsRestart, readSettings, serverSettings } from "../src/settings";

function section(values: Record<string, unknown>) {
    return { get: (key: string) => values[key] };
}

describe("readSettings", () => {
    it("gives the defaults when nothing is set", () => {
        const { settings, problems } = readSettings(section({}));
        assert.deepEqual(settings, { enable: true, inlayHintsEnable: true, debounceMs: DEFAULT_DEBOUNCE_MS, severity: {}, interpreter: "", kerasVersion: "auto" });
        assert.deepEqual(problems, []);
    });

    it("reads every setting the user wrote", () => {
        const { settings, problems } = readSettings(
            section({
                enable: false,
                "inlayHints.enable": false,
                debounceMs: 400,
                severity: { "negative-dimension": "warning", "rank-mismatch": "off" },
                interpreter: "  /opt/py/bin/python3 ",
                kerasVersion: "2",
            }),
        );
        assert.deepEqual(settings, {
            enable: false,
            inlayHintsEnable: false,
            debounceMs: 400,
            severity: { "negative-dimension": "warning", "rank-mismatch": "off" },
            interpreter: "/opt/py/bin/python3",
            kerasVersion: "2",
        });
        assert.deepEqual(problems, []);
    });

    it("drops a severity that is not a level and says which one", () => {
        const { settings, problems } = readSettings(section({ severity: { "negative-dimension": "fatal", "shape-mismatch": "hint" } }));
        assert.deepEqual(settings.severity, { "shape-mismatch": "hint" });
        assert.equal(problems.length, 1);
        assert.match(problems[0], /shapelens\.severity\["negative-dimension"\].*"fatal"/);
    });

    it("rejects a severity setting that is not an object", () => {
        const { settings, problems } = readSettings(section({ severity: ["error"] }));
        assert.deepEqual(settings.severity, {});
        assert.match(problems[0], /must be an object/);
    });

    it("clamps the debounce to 0..10000 whole milliseconds", () => {
        assert.equal(readSettings(section({ debounceMs: -5 })).settings.debounceMs, 0);
        assert.equal(readSettings(section({ debounceMs: 99_999 })).settings.debounceMs, 10_000);
        assert.equal(readSettings(section({ debounceMs: 12.6 })).settings.debounceMs, 13);
        assert.equal(readSettings(section({ debounceMs: "fast" })).settings.debounceMs, DEFAULT_DEBOUNCE_MS);
    });

    it("reads the Keras version as text or as a number and falls back to auto otherwise", () => {
        assert.equal(readSettings(section({ kerasVersion: "3" })).settings.kerasVersion, "3");
        assert.equal(readSettings(section({ kerasVersion: 2 })).settings.kerasVersion, "2");
        const { settings, problems } = readSettings(section({ kerasVersion: "2.15" }));
        assert.equal(settings.kerasVersion, "auto");
        assert.match(problems[0], /shapelens\.kerasVersion must be one of auto, 2, 3, not "2\.15"/);
    });

    it("keeps the default of a boolean given as text", () => {
        const { settings, problems } = readSettings(section({ enable: "no" }));
        assert.equal(settings.enable, true);
        assert.match(problems[0], /shapelens\.enable must be true or false/);
    });
});

describe("serverSettings", () => {
    it("nests the settings the way the server reads the shapelens section", () => {
        const { settings } = readSettings(section({ "inlayHints.enable": false, debounceMs: 250, severity: { "negative-dimension": "information" }, interpreter: "/usr/bin/python3", kerasVersion: "3" }));
        assert.deepEqual(serverSettings(settings), {
            enable: true,
            inlayHints: { enable: false },
            debounceMs: 250,
            severity: { "negative-dimension": "information" },
            kerasVersion: "3",
        });
    });
});

describe("needsRestart", () => {
    const changeOf = (...sections: string[]) => ({
        affectsConfiguration: (asked: string) => sections.some((changed) => changed === asked || changed.startsWith(`${asked}.`)),
    });

    it("restarts for the interpreter and for every setting the server reads at start", () => {
        for (const setting of ["shapelens.interpreter", "shapelens.enable", "shapelens.inlayHints.enable", "shapelens.debounceMs", "shapelens.severity", "shapelens.kerasVersion"]) {
            assert.equal(needsRestart(changeOf(setting)), true, setting);
        }
    });

    it("does not restart for tracing, which the language client follows itself, or for other extensions", () => {
        assert.equal(needsRestart(changeOf("shapelens.trace.server")), false);
        assert.equal(needsRestart(changeOf("python.defaultInterpreterPath", "editor.fontSize")), false);
    });
});
