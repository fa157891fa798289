import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CrashWindow } from "../src/crashes";

describe("CrashWindow", () => {
    it("allows four restarts within three minutes and refuses the fifth", () => {
        let now = 0;
        const window = new CrashWindow(4, 180_000, () => now);
        const answers = [1, 2, 3, 4, 5].map(() => {
            now += 10_000;
            return window.recordCrash();
        });
        assert.deepEqual(answers, [true, true, true, true, false]);
        assert.equal(window.recentCrashes, 5);
    });

    it("forgets crashes older than the window", () => {
        let now = 0;
        const window = new CrashWindow(1, 1_000, () => now);
        assert.equal(window.recordCrash(), true);
        now = 500;
        assert.equal(window.recordCrash(), false);
        now = 2_000;
        assert.equal(window.recordCrash(), true);
        assert.equal(window.recentCrashes, 1);
    });
});
