// What the language client hands to the server: Python files and the Python cells of notebooks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NotebookCellTextDocumentFilter, TextDocumentFilter } from "vscode-languageserver-protocol";
import { DOCUMENT_SELECTOR } from "../src/documentSelector";

describe("the document selector", () => {
    it("selects Python files on disk and unsaved, and the Python cells of Jupyter notebooks and the Interactive Window", () => {
        assert.deepEqual(DOCUMENT_SELECTOR, [
            { scheme: "file", language: "python" },
            { scheme: "untitled", language: "python" },
            { notebook: "jupyter-notebook", language: "python" },
            { notebook: "interactive", language: "python" },
        ]);
    });

    it("uses notebook cell filters, which vscode-languageclient turns into VS Code's notebookType filters", () => {
        // The client's converter tests NotebookCellTextDocumentFilter first and gives VS Code
        // `{ notebookType: filter.notebook, language }`; a text filter stays a text filter.
        const [file, untitled, jupyter, interactive] = DOCUMENT_SELECTOR;
        for (const cells of [jupyter, interactive]) {
            assert.ok(NotebookCellTextDocumentFilter.is(cells), JSON.stringify(cells));
        }
        for (const text of [file, untitled]) {
            assert.ok(TextDocumentFilter.is(text), JSON.stringify(text));
            assert.ok(!NotebookCellTextDocumentFilter.is(text), JSON.stringify(text));
        }
    });

    it("leaves markdown and other languages' cells out", () => {
        for (const filter of DOCUMENT_SELECTOR) {
            assert.equal(typeof filter === "string" ? filter : filter.language, "python");
        }
    });
});
