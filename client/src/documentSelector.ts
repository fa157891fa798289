// The documents the language client hands to the server: Python files, and the Python cells of
// Jupyter notebooks and of the Interactive Window. A notebook cell filter is vscode-languageclient's
// `{ notebook, language }` (LSP's NotebookCellTextDocumentFilter), which it gives VS Code as
// `{ notebookType, language }`; whether cells travel as notebook documents is up to the server's
// `notebookDocumentSync` capability.
import type { DocumentSelector } from "vscode-languageclient/node";

export const PYTHON_LANGUAGE = "python";
// VS Code's notebook types: `.ipynb` files, and the Python Interactive Window.
export const NOTEBOOK_TYPES = ["jupyter-notebook", "interactive"] as const;

export const DOCUMENT_SELECTOR: DocumentSelector = [
    { scheme: "file", language: PYTHON_LANGUAGE },
    { scheme: "untitled", language: PYTHON_LANGUAGE },
    ...NOTEBOOK_TYPES.map((notebook) => ({ notebook, language: PYTHON_LANGUAGE })),
];
