"""Driving a notebook through LSP 3.17 notebook sync as VS Code's language client does.

A ``SyncedNotebook`` keeps the client's side of one notebook: its cells (uri, kind, language,
text, version) in order, and sends each edit as a ``notebookDocument/didChange`` (cell text
changes as ``textContent``, insertions / deletions / moves as ``structure`` with the cells'
``didOpen`` / ``didClose``, kind changes as ``data``). Cell uris look like VS Code's.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

from lsp_session import WAIT_SECONDS, apply_text_edits, position_of, vscode_capabilities
from lsprotocol import types
from pytest_lsp import LanguageClient

NOTEBOOK_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"
CODE = types.NotebookCellKind.Code
MARKUP = types.NotebookCellKind.Markup
_handles = itertools.count(1)


def notebook_capabilities() -> types.ClientCapabilities:
    """VS Code's capabilities with notebook sync, as vscode-languageclient 9 declares it."""
    capabilities = vscode_capabilities()
    capabilities.notebook_document = types.NotebookDocumentClientCapabilities(
        synchronization=types.NotebookDocumentSyncClientCapabilities(
            dynamic_registration=True, execution_summary_support=True
        )
    )
    return capabilities


@dataclass
class Cell:
    kind: types.NotebookCellKind
    text: str
    language: str = "python"
    uri: str = ""
    version: int = 1
    metadata: Optional[dict] = None

    def item(self) -> types.TextDocumentItem:
        return types.TextDocumentItem(uri=self.uri, language_id=self.language, version=self.version, text=self.text)

    def notebook_cell(self) -> types.NotebookCell:
        return types.NotebookCell(kind=self.kind, document=self.uri, metadata=self.metadata)


def code(text: str) -> Cell:
    return Cell(CODE, text)


def markdown(text: str) -> Cell:
    return Cell(MARKUP, text, "markdown")


def fixture_cells(name: str, python_only: bool = True) -> list[Cell]:
    """A fixture notebook's cells; by default only its Python cells, which is what VS Code syncs
    to a server that selects Python cells."""
    notebook = json.loads((NOTEBOOK_FIXTURES / name).read_text(encoding="utf-8"))
    cells = []
    for cell in notebook["cells"]:
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        if cell["cell_type"] == "code":
            cells.append(code(source))
        elif not python_only:
            cells.append(markdown(source))
    return cells


@dataclass
class SyncedNotebook:
    client: LanguageClient
    path: str  # a file path, for the uris
    notebook_type: str = "jupyter-notebook"
    cells: list[Cell] = field(default_factory=list)
    version: int = 0

    @property
    def uri(self) -> str:
        return f"file://{self.path}"

    def new_uri(self) -> str:
        # VS Code's cell uris: the notebook's path and a fragment naming the cell's handle
        return f"vscode-notebook-cell:{self.path}#W{next(_handles)}sZmlsZQ%3D%3D"

    def uri_of(self, index: int) -> str:
        return self.cells[index].uri

    def text_of(self, index: int) -> str:
        return self.cells[index].text

    def open(self, cells: Sequence[Cell], metadata: Optional[dict] = None) -> "SyncedNotebook":
        self.cells = list(cells)
        for cell in self.cells:
            cell.uri = cell.uri or self.new_uri()
        self.version = 1
        self.client.notebook_document_did_open(
            types.DidOpenNotebookDocumentParams(
                notebook_document=types.NotebookDocument(
                    uri=self.uri,
                    notebook_type=self.notebook_type,
                    version=self.version,
                    cells=[cell.notebook_cell() for cell in self.cells],
                    metadata=metadata,
                ),
                cell_text_documents=[cell.item() for cell in self.cells],
            )
        )
        return self

    def _change(self, change: types.NotebookDocumentChangeEvent) -> None:
        self.version += 1
        self.client.notebook_document_did_change(
            types.DidChangeNotebookDocumentParams(
                notebook_document=types.VersionedNotebookDocumentIdentifier(version=self.version, uri=self.uri),
                change=change,
            )
        )

    # --- text -----------------------------------------------------------------------------

    def edit(self, index: int, edits: Sequence[types.TextEdit]) -> int:
        """Apply edits to a cell's text, as one change event; returns the cell's new version."""
        cell = self.cells[index]
        cell.text = apply_text_edits(cell.text, edits)
        cell.version += 1
        self._change(
            types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(uri=cell.uri, version=cell.version),
                            changes=[types.TextDocumentContentChangePartial(range=e.range, text=e.new_text) for e in edits],
                        )
                    ]
                )
            )
        )
        return cell.version

    def replace(self, index: int, old: str, new: str) -> int:
        """Replace the first ``old`` in a cell with ``new``."""
        text = self.cells[index].text
        start = position_of(text, old)
        end = position_of(text, old, len(old))
        return self.edit(index, [types.TextEdit(range=types.Range(start=start, end=end), new_text=new)])

    def append(self, index: int, text: str) -> int:
        """Type ``text`` at the end of a cell."""
        current = self.cells[index].text
        lines = current.split("\n")
        end = types.Position(line=len(lines) - 1, character=len(lines[-1].encode("utf-16-le")) // 2)
        return self.edit(index, [types.TextEdit(range=types.Range(start=end, end=end), new_text=text)])

    # --- structure ------------------------------------------------------------------------

    def _structure(self, start: int, delete_count: int, inserted: Sequence[Cell], opened: Sequence[Cell],
                   closed: Sequence[Cell]) -> None:
        self.cells[start:start + delete_count] = list(inserted)
        self._change(
            types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    structure=types.NotebookDocumentCellChangeStructure(
                        array=types.NotebookCellArrayChange(
                            start=start, delete_count=delete_count, cells=[c.notebook_cell() for c in inserted] or None
                        ),
                        did_open=[c.item() for c in opened] or None,
                        did_close=[types.TextDocumentIdentifier(uri=c.uri) for c in closed] or None,
                    )
                )
            )
        )

    def insert(self, index: int, *cells: Cell) -> list[str]:
        for cell in cells:
            cell.uri = cell.uri or self.new_uri()
        self._structure(index, 0, cells, cells, ())
        return [cell.uri for cell in cells]

    def delete(self, index: int, count: int = 1) -> list[str]:
        removed = self.cells[index:index + count]
        self._structure(index, count, (), (), removed)
        return [cell.uri for cell in removed]

    def move(self, index: int, to: int) -> None:
        """Move one cell, as vscode-languageclient reports it: the changed stretch of the array is
        replaced, and since no cell document opens or closes, no didOpen / didClose."""
        order = list(self.cells)
        cell = order.pop(index)
        order.insert(to, cell)
        start, end = min(index, to), max(index, to) + 1
        self._structure(start, end - start, order[start:end], (), ())

    def set_kind(self, index: int, kind: types.NotebookCellKind) -> None:
        """A cell's kind changed in place (LSP's ``data`` change; VS Code replaces the cell instead)."""
        cell = self.cells[index]
        cell.kind = kind
        self._change(types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(data=[cell.notebook_cell()])))

    def save(self) -> None:
        self.client.notebook_document_did_save(
            types.DidSaveNotebookDocumentParams(notebook_document=types.NotebookDocumentIdentifier(uri=self.uri))
        )

    def close(self) -> None:
        self.client.notebook_document_did_close(
            types.DidCloseNotebookDocumentParams(
                notebook_document=types.NotebookDocumentIdentifier(uri=self.uri),
                cell_text_documents=[types.TextDocumentIdentifier(uri=c.uri) for c in self.cells],
            )
        )

    # --- requests -------------------------------------------------------------------------

    async def hover(self, index: int, position: types.Position) -> Optional[types.Hover]:
        return await asyncio.wait_for(
            self.client.text_document_hover_async(
                types.HoverParams(text_document=types.TextDocumentIdentifier(uri=self.uri_of(index)), position=position)
            ),
            timeout=WAIT_SECONDS,
        )

    async def inlay_hints(self, index: int) -> list[types.InlayHint]:
        line_count = self.text_of(index).count("\n") + 1
        hints = await self.client.text_document_inlay_hint_async(
            types.InlayHintParams(
                text_document=types.TextDocumentIdentifier(uri=self.uri_of(index)),
                range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=line_count, character=0)),
            )
        )
        return list(hints or [])

    async def code_actions(self, index: int, diagnostic: types.Diagnostic,
                           only: Optional[Sequence[str]] = None) -> list[types.CodeAction]:
        actions = await self.client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=self.uri_of(index)),
                range=diagnostic.range,
                context=types.CodeActionContext(diagnostics=[diagnostic], only=list(only) if only else None),
            )
        )
        return list(actions or [])


async def published_after(client: LanguageClient, uri: str, after: int, timeout: float = WAIT_SECONDS) -> types.PublishDiagnosticsParams:
    """The first publication for ``uri`` among those from ``after`` on."""
    published: list = client.published  # type: ignore[attr-defined]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for params in published[after:]:
            if params.uri == uri:
                return params
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"nothing published for {uri} after #{after}")
        await asyncio.sleep(0.02)


async def diagnostics_after(client: LanguageClient, uri: str, after: int) -> list[types.Diagnostic]:
    """The diagnostics of the first publication for ``uri`` from ``after`` on."""
    return list((await published_after(client, uri, after)).diagnostics)


async def wait_for_codes(client: LanguageClient, uri: str, codes: list[str], after: int = 0,
                         timeout: float = WAIT_SECONDS) -> list[types.Diagnostic]:
    """Wait until the newest publication for ``uri`` (from ``after`` on) has exactly these codes."""
    published: list = client.published  # type: ignore[attr-defined]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        mine = [p for p in published[after:] if p.uri == uri]
        if mine and sorted(str(d.code) for d in mine[-1].diagnostics) == sorted(codes):
            return list(mine[-1].diagnostics)
        if asyncio.get_running_loop().time() > deadline:
            seen = [[d.code for d in p.diagnostics] for p in mine]
            raise AssertionError(f"{uri}: expected {codes}, published since #{after}: {seen}")
        await asyncio.sleep(0.02)


def mark(client: LanguageClient) -> int:
    """Where the publications received so far end."""
    return len(client.published)  # type: ignore[attr-defined]


def codes_by_cell(client: LanguageClient, notebook: SyncedNotebook) -> dict[int, list[str]]:
    """The newest diagnostics' codes of each cell that has any."""
    newest: dict[str, list[types.Diagnostic]] = {}
    for params in client.published:  # type: ignore[attr-defined]
        newest[params.uri] = list(params.diagnostics)
    return {
        index: sorted(str(d.code) for d in newest[cell.uri])
        for index, cell in enumerate(notebook.cells)
        if newest.get(cell.uri)
    }
