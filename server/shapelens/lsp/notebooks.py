"""Notebooks in the editor: LSP 3.17 notebook document sync, one analysis per notebook.

pygls' workspace keeps each synced notebook (its cells in order, applied from every
``notebookDocument/didChange``: insertions, deletions, moves, kind changes) and each cell's text
document (an ``LspTextDocument`` under its ``vscode-notebook-cell:`` uri). A cell of a synced
notebook is never a document of its own here: the notebook's cells are read in order as one
program, after the same debounce as a text document, and the result is published only if no
change arrived meanwhile. Diagnostics go to the cells they lie in; hovers, inlay hints and code
actions in a cell are answered through the snapshot's cell map (``notebook_view``).

While the cell being typed in does not parse, the last published result stays, as it does for
a text document whose text does not parse; once the user edits another cell, the cell that does
not parse is left out of the program (Jupyter runs each cell on its own) and the rest is published.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional
from urllib.parse import unquote

from lsprotocol import types
from pygls.workspace import TextDocument

from shapelens.analysis.sources import NotebookCell
from shapelens.lsp import features, notebook_view
from shapelens.lsp.analysis_state import AnalysisState
from shapelens.lsp.notebook_view import CellSnapshot, NotebookView
from shapelens.lsp.options import ServerOptions
from shapelens.lsp.projects import fs_path

if TYPE_CHECKING:
    from shapelens.analysis.collector import CollectorPause
    from shapelens.lsp.server import ShapeLensServer

log = logging.getLogger("shapelens.lsp")

NOTEBOOK_TYPES = ("jupyter-notebook", "interactive")
# What the server syncs: the Python cells of Jupyter notebooks and of the Interactive Window.
NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithNotebook(notebook=notebook_type, cells=[types.NotebookCellLanguage(language="python")])
        for notebook_type in NOTEBOOK_TYPES
    ],
    save=True,
)
CELL_KINDS = {types.NotebookCellKind.Code: "code", types.NotebookCellKind.Markup: "markdown"}


@dataclass
class NotebookState:
    """One open notebook's analyses, and the debounced analysis waiting to run."""

    uri: str
    revision: int = 0  # counts the notebook's changes (pygls applied each before the server hears of it)
    program: AnalysisState = field(init=False)  # the program's analyses (for the fixes' cache)
    latest: Optional[NotebookView] = None  # the newest snapshot analysed
    shown: Optional[NotebookView] = None  # the snapshot whose diagnostics are published
    edited: Optional[str] = None  # the cell whose text changed last
    diagnosed: set[str] = field(default_factory=set)  # the cells whose published diagnostics are not empty

    def __post_init__(self) -> None:
        self.program = AnalysisState(self.uri)

    def store(self, view: NotebookView) -> bool:
        """Keep the view; True when it replaces the published one: it parsed, unless the cell
        edited last stopped parsing (it is being typed in)."""
        self.latest = view
        self.program.store(view.analysis)
        typing = (
            self.shown is not None
            and self.edited in view.broken_cells
            and self.edited not in self.shown.broken_cells
        )
        publishable = view.analysis.report.parsed and not typing
        if publishable:
            self.shown = view
        return publishable

    def current(self) -> Optional[NotebookView]:
        """The analysis of exactly the notebook the editor shows, if there is one."""
        return self.latest if self.latest is not None and self.latest.revision == self.revision else None


def cell_document(server: "ShapeLensServer", uri: str) -> Optional[TextDocument]:
    """The cell's text document as pygls keeps it (its keys are unquoted uris), or None: unlike
    ``get_text_document``, never a document read from disk."""
    return server.workspace.text_documents.get(unquote(uri))


class NotebookSync:
    """The server's open notebooks: their analyses, diagnostics and requests in their cells."""

    def __init__(self, server: "ShapeLensServer", collector: "CollectorPause") -> None:
        self.server = server
        self.collector = collector
        self.states: dict[str, NotebookState] = {}  # by unquoted notebook uri, as pygls keys them

    # --- which notebook -------------------------------------------------------------------

    def of_cell(self, cell_uri: str) -> Optional[NotebookState]:
        """The open notebook a cell belongs to."""
        notebook = self.server.workspace.get_notebook_document(cell_uri=cell_uri)
        return self.states.get(unquote(notebook.uri)) if notebook is not None else None

    def is_cell(self, uri: str) -> bool:
        return self.server.workspace.get_notebook_document(cell_uri=uri) is not None

    # --- sync -----------------------------------------------------------------------------

    def open(self, uri: str) -> None:
        self.server.projects.opened(uri)
        reopened = self.states.pop(unquote(uri), None)
        if reopened is not None:
            self.forget(reopened)
        state = self.states[unquote(uri)] = NotebookState(uri)
        self.schedule(state, 0)

    def change(self, params: types.DidChangeNotebookDocumentParams) -> None:
        state = self.states.get(unquote(params.notebook_document.uri))
        if state is None:
            return
        cells = params.change.cells
        for text in (cells.text_content or ()) if cells is not None else ():
            state.edited = text.document.uri
        self.changed(state)

    def changed(self, state: NotebookState) -> None:
        state.revision += 1
        self.clear_removed_cells(state)
        self.schedule(state)

    def cell_changed(self, cell_uri: str) -> None:
        """A cell's text changed by ``textDocument/didChange`` (not how VS Code sends it)."""
        state = self.of_cell(cell_uri)
        if state is not None:
            state.edited = cell_uri
            self.changed(state)

    def save(self, uri: str) -> None:
        """On save: analyse now (skipping the debounce) unless the saved notebook is analysed."""
        state = self.states.get(unquote(uri))
        if state is not None and state.current() is None:
            self.schedule(state, 0)

    def close(self, uri: str) -> None:
        state = self.states.pop(unquote(uri), None)
        if state is not None:
            self.forget(state)

    def forget(self, state: NotebookState) -> None:
        """Stop analysing the notebook and clear its cells' diagnostics."""
        state.program.cancel_pending()
        for cell_uri in state.diagnosed:
            self.clear(cell_uri)
        state.diagnosed.clear()

    # --- analysis -------------------------------------------------------------------------

    def schedule(self, state: NotebookState, delay_ms: Optional[int] = None) -> None:
        if not self.server.options.enable:
            return
        state.program.cancel_pending()
        delay = self.server.options.debounce_ms if delay_ms is None else delay_ms
        state.program.pending = asyncio.ensure_future(self._analyse_after(state, delay / 1000))

    def is_open(self, state: NotebookState) -> bool:
        return self.states.get(unquote(state.uri)) is state

    def snapshot(self, state: NotebookState) -> list[CellSnapshot]:
        """The notebook's cells as the editor shows them now."""
        notebook = self.server.workspace.get_notebook_document(notebook_uri=state.uri)
        cells = []
        for cell in notebook.cells if notebook is not None else ():
            document = cell_document(self.server, cell.document)
            source, language = (document.source, document.language_id or None) if document is not None else ("", None)
            cells.append(CellSnapshot(
                uri=cell.document,
                version=document.version if document is not None else None,
                cell=NotebookCell(kind=CELL_KINDS.get(cell.kind, "raw"), source=source, language=language),
            ))
        return cells

    async def _analyse_after(self, state: NotebookState, delay: float) -> None:
        await asyncio.sleep(delay)
        if self.is_open(state):
            with self.collector.held():
                await self._analyse_and_publish(state)

    async def _analyse_and_publish(self, state: NotebookState) -> None:
        revision, cells = state.revision, self.snapshot(state)
        loop = asyncio.get_running_loop()
        try:
            # with its project, the notebook's imports of the project's modules resolve
            project, path = self.server.projects.project_of(state.uri), fs_path(state.uri)
            view = await loop.run_in_executor(
                self.server.analysis_pool, notebook_view.analyse_notebook_snapshot, state.uri, revision, cells,
                self.server.options.analysis(), str(path) if path is not None else None, project,
                state.program.reparser,
            )
        except Exception as error:  # the engine promises not to raise; if it does, the server stays up
            log.exception("analysis of %s failed", state.uri)
            self.server.window_log_message(
                types.LogMessageParams(type=types.MessageType.Error, message=f"analysis of {state.uri} failed: {error!r}")
            )
            return
        if not self.is_open(state) or state.revision != revision:
            return  # stale: a newer change (or a close) arrived while this ran
        if state.store(view):
            self.publish(state)
            if self.server.client_supports("workspace.inlay_hint.refresh_support"):
                self.server.workspace_inlay_hint_refresh(None)

    # --- diagnostics ----------------------------------------------------------------------

    def cell_uris(self, state: NotebookState) -> set[str]:
        notebook = self.server.workspace.get_notebook_document(notebook_uri=state.uri)
        return {cell.document for cell in notebook.cells} if notebook is not None else set()

    def publish(self, state: NotebookState) -> None:
        """The shown analysis' diagnostics on their cells; cells that had some and have none now
        are cleared."""
        view = state.shown
        if view is None:
            return
        options = self.server.options
        by_cell = (notebook_view.cell_diagnostics(view, self.server.codec, options, self.server.uri_in_project(state.uri))
                   if options.enable else {})
        present = self.cell_uris(state)
        before, state.diagnosed = state.diagnosed, set()
        for uri, found in by_cell.items():
            if uri in present:
                self.send(uri, found, view.cells[view.index_of[uri]].version)
                state.diagnosed.add(uri)
        for uri in before - state.diagnosed:
            index = view.index_of.get(uri)
            self.send(uri, [], view.cells[index].version if index is not None and uri in present else None)

    def clear_removed_cells(self, state: NotebookState) -> None:
        present = self.cell_uris(state)
        for uri in state.diagnosed - present:
            state.diagnosed.discard(uri)
            self.clear(uri)

    def send(self, uri: str, found: list[types.Diagnostic], version: Optional[int]) -> None:
        self.server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=version)
        )

    def clear(self, uri: str) -> None:
        self.send(uri, [], None)

    def recheck_importers(self, importers: frozenset[str]) -> None:
        """The open notebooks whose analysis read a file that changed are checked again."""
        for state in list(self.states.values()):
            if str(fs_path(state.uri)) in importers:
                self.schedule(state)

    def apply_options(self, before: ServerOptions, options: ServerOptions) -> None:
        for state in list(self.states.values()):
            if options.enable and (not before.enable or options.keras_version != before.keras_version):
                self.schedule(state, 0)
            elif not options.enable:
                self.forget(state)
            else:
                self.publish(state)

    # --- requests in a cell ---------------------------------------------------------------

    def served(self, cell_uri: str) -> Optional[NotebookView]:
        """What hovers and inlay hints read: the published analysis."""
        state = self.of_cell(cell_uri)
        return state.shown if state is not None and self.server.options.enable else None

    def hover(self, params: types.HoverParams) -> Optional[types.Hover]:
        view = self.served(params.text_document.uri)
        return notebook_view.hover(view, params.text_document.uri, params.position, self.server.codec) if view else None

    def inlay_hints(self, params: types.InlayHintParams) -> Optional[list[types.InlayHint]]:
        view = self.served(params.text_document.uri)
        if view is None or not self.server.options.inlay_hints:
            return None
        return notebook_view.inlay_hints(view, params.text_document.uri, params.range, self.server.codec)

    async def code_actions(self, params: types.CodeActionParams) -> Optional[list[types.CodeAction]]:
        """Quick fixes (and shape comments) for the notebook the editor shows, as edits of its cells."""
        cell_uri, codec = params.text_document.uri, self.server.codec
        state = self.of_cell(cell_uri)
        view = state.current() if state is not None else None
        if state is None or view is None or not view.analysis.report.parsed or not self.server.options.enable:
            return None
        request = notebook_view.program_request(view, params, codec)
        if request is None:
            return None  # the cell is not part of the program (or was left out)
        versioned = self.server.client_supports("workspace.workspace_edit.document_changes")
        actions: list[types.CodeAction] = []
        only = params.context.only
        if features.wants_kind(only, types.CodeActionKind.QuickFix):
            fixed = [
                (diag, request.sent.get(id(client_diag)) if client_diag is not None else None,
                 await self.server.fixes(state.program, view.analysis, index, diag))
                for index, diag, client_diag in features.diagnostics_in_request(view.analysis, request.params, codec)
            ]
            actions += notebook_view.quick_fix_actions(view, fixed, codec, self.server.options, versioned)
        if only and features.wants_kind(only, features.SHAPE_COMMENTS_KIND):
            comments = notebook_view.shape_comments_action(view, cell_uri, codec, versioned)
            actions += [comments] if comments is not None else []
        return actions
