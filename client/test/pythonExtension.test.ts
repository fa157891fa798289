import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { activeInterpreter, isPythonExtensionInstalled, onActiveInterpreterChange, PYTHON_EXTENSION_ID } from "../src/pythonExtension";
import { EventEmitter, resetStub, stubState, Uri } from "./vscodeStub";

interface FakeEnvironments {
    active: { id: string; path: string };
    resolved: { executable: { uri?: Uri } } | undefined;
    askedFor: unknown[];
    changes: EventEmitter<unknown>;
}

function installPythonExtension(environments: FakeEnvironments, active = false): { activations: number } {
    const counter = { activations: 0 };
    const api = {
        environments: {
            getActiveEnvironmentPath: (resource?: Uri) => {
                environments.askedFor.push(resource);
                return environments.active;
            },
            resolveEnvironment: async () => environments.resolved,
            onDidChangeActiveEnvironmentPath: environments.changes.event,
        },
    };
    stubState.extensions.set(PYTHON_EXTENSION_ID, {
        id: PYTHON_EXTENSION_ID,
        isActive: active,
        exports: active ? api : undefined,
        activate: async () => {
            counter.activations += 1;
            return api;
        },
    });
    return counter;
}

function environments(overrides: Partial<FakeEnvironments> = {}): FakeEnvironments {
    return {
        active: { id: "venv", path: "/work/project/.venv" },
        resolved: { executable: { uri: Uri.file("/work/project/.venv/bin/python") } },
        askedFor: [],
        changes: new EventEmitter<unknown>(),
        ...overrides,
    };
}

describe("the Python extension's interpreter", () => {
    beforeEach(resetStub);

    it("is absent when the Python extension is not installed", async () => {
        assert.equal(isPythonExtensionInstalled(), false);
        assert.equal(await activeInterpreter(undefined), undefined);
        assert.equal(await onActiveInterpreterChange(() => undefined), undefined);
    });

    it("is the resolved executable of the active environment for the workspace folder", async () => {
        const fake = environments();
        const counter = installPythonExtension(fake);
        const folder = Uri.file("/work/project");
        assert.equal(isPythonExtensionInstalled(), true);
        assert.equal(await activeInterpreter(folder as never), "/work/project/.venv/bin/python");
        assert.deepEqual(fake.askedFor, [folder]);
        assert.equal(counter.activations, 1, "an inactive extension is activated first");
    });

    it("uses an already active extension without activating it again", async () => {
        const counter = installPythonExtension(environments(), true);
        assert.equal(await activeInterpreter(undefined), "/work/project/.venv/bin/python");
        assert.equal(counter.activations, 0);
    });

    it("falls back to the environment path when the environment does not resolve", async () => {
        installPythonExtension(environments({ active: { id: "x", path: "/usr/local/bin/python3.12" }, resolved: undefined }));
        assert.equal(await activeInterpreter(undefined), "/usr/local/bin/python3.12");
    });

    it("tells the listener when the user picks another environment", async () => {
        const fake = environments();
        installPythonExtension(fake);
        let calls = 0;
        const subscription = await onActiveInterpreterChange(() => (calls += 1));
        fake.changes.fire({ id: "conda", path: "/opt/conda/bin/python" });
        subscription?.dispose();
        fake.changes.fire({ id: "venv", path: "/work/project/.venv" });
        assert.equal(calls, 1);
    });
});
