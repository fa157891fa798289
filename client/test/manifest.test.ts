// package.json is the extension's manifest: it must offer every setting the client reads, with
// the same defaults, and declare the trust and activation the README promises.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { NOTEBOOK_TYPES } from "../src/documentSelector";
import { DEFAULT_DEBOUNCE_MS, KERAS_VERSIONS, MAX_DEBOUNCE_MS, readSettings, SEVERITY_LEVELS } from "../src/settings";

const manifest = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "..", "package.json"), "utf8"));
const properties: Record<string, { default?: unknown; enum?: string[]; maximum?: number; additionalProperties?: { enum?: string[] } }> =
    manifest.contributes.configuration.properties;

describe("package.json", () => {
    it("contributes exactly the settings the client and server use", () => {
        assert.deepEqual(Object.keys(properties).sort(), [
            "shapelens.debounceMs",
            "shapelens.enable",
            "shapelens.extraPaths",
            "shapelens.inlayHints.enable",
            "shapelens.interpreter",
            "shapelens.kerasVersion",
            "shapelens.severity",
            "shapelens.trace.server",
        ]);
    });

    it("declares the defaults the client falls back to", () => {
        const defaults = Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key.replace(/^shapelens\./, ""), schema.default]));
        const { settings } = readSettings({ get: () => undefined });
        const fromManifest = readSettings({ get: (key) => defaults[key] }).settings;
        assert.deepEqual(fromManifest, settings);
        assert.equal(properties["shapelens.debounceMs"].default, DEFAULT_DEBOUNCE_MS);
        assert.equal(properties["shapelens.debounceMs"].maximum, MAX_DEBOUNCE_MS);
        assert.deepEqual(properties["shapelens.severity"].additionalProperties?.enum, [...SEVERITY_LEVELS]);
        assert.deepEqual(properties["shapelens.trace.server"].enum, ["off", "messages", "verbose"]);
        assert.deepEqual(properties["shapelens.kerasVersion"].enum, [...KERAS_VERSIONS]);
    });

    it("starts on Python files and on Jupyter notebooks and the Interactive Window, and runs the bundled client", () => {
        assert.deepEqual(manifest.activationEvents, ["onLanguage:python", "onNotebook:jupyter-notebook", "onNotebook:interactive"]);
        // Every notebook type the client selects cells of starts the extension.
        assert.deepEqual(NOTEBOOK_TYPES.map((type) => `onNotebook:${type}`), manifest.activationEvents.slice(1));
        assert.equal(manifest.main, "./dist/extension.js");
    });

    it("offers the restart and show-logs commands", () => {
        assert.deepEqual(manifest.contributes.commands.map((command: { command: string }) => command.command).sort(), ["shapelens.restart", "shapelens.showLogs"]);
    });

    it("supports untrusted workspaces only with the interpreter setting restricted", () => {
        assert.equal(manifest.capabilities.untrustedWorkspaces.supported, "limited");
        assert.deepEqual(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations, ["shapelens.interpreter"]);
    });
});
