// vscode-languageclient 9's own notebook sync, given what the server advertises
// (tests/fixtures/lsp/notebook_document_sync.json, which the server's tests check it sends):
// the notebooks and cells it syncs are the ones the client's document selector names, and it
// sends the Python cells of Jupyter notebooks and of the Interactive Window as notebooks.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { NotebookDocumentSyncFeature } from "vscode-languageclient/lib/common/notebook";
import { ClientCapabilities, NotebookDocumentSyncOptions, ServerCapabilities } from "vscode-languageserver-protocol";
import { DOCUMENT_SELECTOR, NOTEBOOK_TYPES } from "../src/documentSelector";
import { NotebookCellKind, workspaceEvents } from "./vscodeStub";

const advertised: NotebookDocumentSyncOptions = JSON.parse(
    readFileSync(path.join(__dirname, "..", "..", "..", "tests", "fixtures", "lsp", "notebook_document_sync.json"), "utf8"),
);
const serverCapabilities: ServerCapabilities = { notebookDocumentSync: advertised };

interface Sent {
    method: string;
    params: { notebookDocument: { uri: string; notebookType?: string; cells?: { kind: number; document: string }[] }; cellTextDocuments?: { uri: string; languageId: string }[] };
}

/** The parts of a language client the feature uses: converters that keep what they get, and a log of notifications. */
function fakeClient() {
    const sent: Sent[] = [];
    const selectors: unknown[] = [];
    const client = {
        clientOptions: {},
        middleware: {},
        error: (message: string, error: unknown) => assert.fail(`${message}: ${String(error)}`),
        protocol2CodeConverter: {
            asDocumentSelector: (selector: unknown) => {
                selectors.push(selector);
                return selector;
            },
        },
        code2ProtocolConverter: {
            asUri: (uri: { toString(): string }) => uri.toString(),
            asTextDocumentItem: (document: FakeDocument) => ({ uri: document.uri.toString(), languageId: document.languageId, version: 1, text: document.text }),
            asTextDocumentIdentifier: (document: FakeDocument) => ({ uri: document.uri.toString() }),
        },
        sendNotification: async (type: { method: string }, params: Sent["params"]) => {
            sent.push({ method: type.method, params });
        },
    };
    return { client, sent, selectors };
}

class FakeUri {
    constructor(private readonly value: string) {}
    toString(): string {
        return this.value;
    }
    get fsPath(): string {
        return this.value;
    }
}

interface FakeDocument {
    uri: FakeUri;
    languageId: string;
    text: string;
}

function notebook(notebookType: string, cells: [NotebookCellKind, string, string][]) {
    const uri = new FakeUri(`file:///work/${notebookType}.ipynb`);
    const made = cells.map(([kind, languageId, text], index) => ({
        kind,
        metadata: {},
        index,
        document: { uri: new FakeUri(`vscode-notebook-cell:/work/${notebookType}.ipynb#W${index}sZmlsZQ==`), languageId, text },
    }));
    return { uri, notebookType, version: 1, metadata: {}, getCells: () => made };
}

function startedFeature() {
    const fake = fakeClient();
    const feature = new NotebookDocumentSyncFeature(fake.client as never);
    feature.preInitialize(serverCapabilities);
    feature.initialize(serverCapabilities);
    return { feature, ...fake };
}

const CELLS: [NotebookCellKind, string, string][] = [
    [NotebookCellKind.Markup, "markdown", "# LeNet"],
    [NotebookCellKind.Code, "python", "import torch"],
    [NotebookCellKind.Code, "sql", "SELECT 1"],
    [NotebookCellKind.Code, "python", "images = torch.randn(64, 1, 28, 28)"],
];

describe("notebook sync with the server's capability", () => {
    it("is declared by the client, so a server may rely on it", () => {
        const capabilities: ClientCapabilities = {};
        new NotebookDocumentSyncFeature(fakeClient().client as never).fillClientCapabilities(capabilities);
        assert.equal(capabilities.notebookDocument?.synchronization?.dynamicRegistration, true);
    });

    it("selects exactly the notebook cells the client's document selector names", () => {
        const { selectors } = startedFeature();
        const fromServer = selectors[0];
        const notebookFilters = DOCUMENT_SELECTOR.filter((filter) => typeof filter !== "string" && "notebook" in filter);
        assert.deepEqual(fromServer, notebookFilters);
        assert.deepEqual(NOTEBOOK_TYPES.map((type) => ({ notebook: type, language: "python" })), notebookFilters);
    });

    for (const notebookType of NOTEBOOK_TYPES) {
        it(`sends ${notebookType} notebooks as notebooks, with their Python cells only, and their saves`, () => {
            const { sent } = startedFeature();
            const opened = notebook(notebookType, CELLS);
            workspaceEvents.openNotebook.fire(opened);
            workspaceEvents.saveNotebook.fire(opened);
            assert.deepEqual(sent.map((message) => message.method), ["notebookDocument/didOpen", "notebookDocument/didSave"]);
            const { notebookDocument, cellTextDocuments } = sent[0].params;
            assert.equal(notebookDocument.notebookType, notebookType);
            assert.deepEqual(notebookDocument.cells?.map((cell) => cell.document), [1, 3].map((index) => opened.getCells()[index].document.uri.toString()));
            assert.deepEqual(cellTextDocuments?.map((document) => document.languageId), ["python", "python"]);
        });
    }

    it("leaves other notebook types alone", () => {
        const { sent } = startedFeature();
        workspaceEvents.openNotebook.fire(notebook("polyglot-notebook", CELLS));
        assert.deepEqual(sent, []);
    });
});
