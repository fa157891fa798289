"""The Shape Lens language server: thin pygls handlers over one cached report per document.

Analysis is a pure function of a snapshot (uri, version, text). It runs in a worker thread
after a debounce, and its result is published only if that version is still the one the
editor shows. Hovers, inlay hints and code actions are lookups in the stored analysis.
Notebooks (synced as notebooks) are one program of their cells each: ``notebooks.py``.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer
from pygls.workspace.position_codec import PositionCodec

from shapelens import __version__
from shapelens.analysis import AnalysisOptions, analyze
from shapelens.analysis.collector import COLLECTOR
from shapelens.analysis.report import Diagnostic, Fix
from shapelens.analysis.sources.reparse import Reparser
from shapelens.analysis.sources.project import Project
from shapelens.lsp import features
from shapelens.lsp.analysis_state import Analysis, AnalysisState
from shapelens.lsp.notebooks import NOTEBOOK_SYNC, NotebookSync
from shapelens.lsp.options import ServerOptions, options_from_settings
from shapelens.lsp.projects import ProjectIndex, fs_path, workspace_folders
from shapelens.lsp.quick_fixes import load_fix_machinery, verified_fixes
from shapelens.lsp.workspace import TEXT_SYNC, ShapeLensProtocol

log = logging.getLogger("shapelens.lsp")
# Quick fixes need libcst; it is imported in the background this long after startup, once
# the first analyses are out of the way.
FIX_WARM_UP_SECONDS = 2.0




def analyse_snapshot(uri: str, version: Optional[int], source: str, project: Optional[Project],
                     options: Optional[AnalysisOptions] = None, reparser: Optional[Reparser] = None) -> Analysis:
    """One document's analysis: with its project, its imports of the project's modules resolve."""
    path = fs_path(uri)
    if project is None or path is None:
        project = path = None
    report = analyze(source, options, path=str(path) if path is not None else None, project=project, reparser=reparser)
    return Analysis.of(uri, version, source, report)


class ShapeLensServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "shapelens",
            __version__,
            text_document_sync_kind=TEXT_SYNC,
            notebook_document_sync=NOTEBOOK_SYNC,
            protocol_cls=ShapeLensProtocol,
        )
        self.options = ServerOptions()
        # The open Python documents' analyses, by uri (their text is in ``self.workspace``).
        self.analysis_states: dict[str, AnalysisState] = {}
        # The project of each document, and the diagnostics one document's analysis finds in another file.
        self.projects = ProjectIndex(self.open_text)
        # The open notebooks' analyses (their cells are in ``self.workspace`` too).
        self.notebooks = NotebookSync(self, COLLECTOR)
        # One analysis at a time: a newer snapshot waits instead of competing for the GIL.
        self.analysis_pool = ThreadPoolExecutor(1, thread_name_prefix="shapelens-analysis")
        self.fix_pool = ThreadPoolExecutor(1, thread_name_prefix="shapelens-fixes")

    @property
    def codec(self) -> PositionCodec:
        return self.workspace.position_codec

    def client_supports(self, field: str) -> bool:
        return bool(get_capability(self.client_capabilities, field, False))

    def open_text(self, path: str) -> Optional[str]:
        """An open document's text by its file (other files of a project are read from disk)."""
        for uri in list(self.analysis_states):
            if str(fs_path(uri)) == path:
                return self.workspace.get_text_document(uri).source
        return None

    def version_shown(self, uri: str) -> Optional[int]:
        """The version of the document the editor shows (pygls' workspace applied its changes)."""
        return self.workspace.get_text_document(uri).version

    # --- documents ------------------------------------------------------------------------

    def open_python_document(self, uri: str) -> None:
        self.projects.opened(uri)
        reopened = self.analysis_states.pop(uri, None)
        if reopened is not None:
            reopened.cancel_pending()
        self.analysis_states[uri] = AnalysisState(uri)
        self.schedule_analysis(uri, 0)

    def close_document(self, uri: str) -> None:
        state = self.analysis_states.pop(uri, None)
        if state is not None:
            state.cancel_pending()
            self.clear(uri)
            self.republish(self.projects.forget(uri))
        self.recheck_importers(uri)  # they now read its file from disk

    def edited(self, uri: str) -> None:
        self.schedule_analysis(uri)
        self.recheck_importers(uri)

    def recheck_importers(self, uri: str) -> None:
        """The open documents whose analysis read this file are checked again (debounced)."""
        asyncio.ensure_future(self._recheck_importers(uri))

    async def _recheck_importers(self, uri: str) -> None:
        loop = asyncio.get_running_loop()
        # the projects' caches belong to the analysis thread
        importers = await loop.run_in_executor(self.analysis_pool, self.projects.changed, uri)
        for other in list(self.analysis_states):
            if other != uri and str(fs_path(other)) in importers:
                self.schedule_analysis(other)
        self.notebooks.recheck_importers(importers)

    def analyse_unless_current(self, uri: str) -> None:
        """On save: analyse now (skipping the debounce) unless the saved version is analysed."""
        state = self.analysis_states.get(uri)
        if state is not None and state.current(self.version_shown(uri)) is None:
            self.schedule_analysis(uri, 0)

    # --- analysis -------------------------------------------------------------------------

    def schedule_analysis(self, uri: str, delay_ms: Optional[int] = None) -> None:
        state = self.analysis_states.get(uri)
        if state is None or not self.options.enable:
            return
        state.cancel_pending()
        delay = self.options.debounce_ms if delay_ms is None else delay_ms
        state.pending = asyncio.ensure_future(self._analyse_after(state, delay / 1000))

    def is_open(self, state: AnalysisState) -> bool:
        """Whether the document is still open (and not closed and reopened since)."""
        return self.analysis_states.get(state.uri) is state

    async def _analyse_after(self, state: AnalysisState, delay: float) -> None:
        await asyncio.sleep(delay)
        if self.is_open(state):
            with COLLECTOR.held():
                await self._analyse_and_publish(state)

    async def _analyse_and_publish(self, state: AnalysisState) -> None:
        document = self.workspace.get_text_document(state.uri)
        version, source = document.version, document.source
        loop = asyncio.get_running_loop()
        try:
            project = self.projects.project_of(state.uri)
            analysis = await loop.run_in_executor(self.analysis_pool, analyse_snapshot, state.uri, version, source, project,
                                                  self.options.analysis(), state.reparser)
        except Exception as error:  # the engine promises not to raise; if it does, the server stays up
            log.exception("analysis of %s failed", state.uri)
            self.window_log_message(
                types.LogMessageParams(
                    type=types.MessageType.Error, message=f"analysis of {state.uri} failed: {error!r}"
                )
            )
            return
        if not self.is_open(state) or self.version_shown(state.uri) != version:
            return  # stale: a newer edit (or a close) arrived while this ran
        state.store(analysis)
        if analysis.report.parsed:  # while the text does not parse, the last result stays
            self.publish(state)
            if self.client_supports("workspace.inlay_hint.refresh_support"):
                self.workspace_inlay_hint_refresh(None)

    def publish(self, state: AnalysisState) -> None:
        analysis = state.last_good
        if analysis is None:
            return
        uri_of = self.uri_in_project(state.uri)
        found = features.diagnostics(analysis, self.codec, self.options, uri_of) if self.options.enable else []
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=state.uri, diagnostics=found + self.projects.found_for(state.uri), version=analysis.version))
        elsewhere = features.diagnostics_elsewhere(analysis, self.codec, self.options, uri_of) if self.options.enable else {}
        self.republish(self.projects.found_in_others(state.uri, elsewhere))

    def republish(self, uris: set[str]) -> None:
        """Files whose diagnostics from other documents' analyses changed."""
        for uri in uris:
            state = self.analysis_states.get(uri)
            analysis = state.last_good if state is not None else None
            # a closed file shows only what the open documents found in it
            own = features.diagnostics(analysis, self.codec, self.options, self.uri_in_project(uri)) if analysis else []
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri, diagnostics=own + self.projects.found_for(uri), version=analysis.version if analysis else None))

    def uri_in_project(self, uri: str) -> Callable[[str], str]:
        project = self.projects.project_of(uri)
        return (lambda path: self.projects.uri_of(project, path)) if project is not None else (lambda path: path)

    def clear(self, uri: str) -> None:
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def served_analysis(self, uri: str) -> Optional[Analysis]:
        """What hovers and inlay hints read: the newest analysis that parsed."""
        state = self.analysis_states.get(uri)
        return state.last_good if state is not None and self.options.enable else None

    # --- configuration --------------------------------------------------------------------

    def apply_options(self, options: ServerOptions) -> None:
        before, self.options = self.options, options
        if options == before:
            return
        self.projects.configure(self.projects.folders, options.extra_paths)
        self.window_log_message(
            types.LogMessageParams(type=types.MessageType.Info, message=f"settings: {options.describe()}")
        )
        reanalyse = options.keras_version != before.keras_version or options.extra_paths != before.extra_paths
        for state in list(self.analysis_states.values()):
            if options.enable and (not before.enable or reanalyse):
                self.schedule_analysis(state.uri, 0)
            elif not options.enable:
                state.cancel_pending()
                self.clear(state.uri)
            else:
                self.publish(state)
        self.notebooks.apply_options(before, options)
        if before.inlay_hints != options.inlay_hints and self.client_supports(
            "workspace.inlay_hint.refresh_support"
        ):
            self.workspace_inlay_hint_refresh(None)

    async def pull_configuration(self, pushed: Any = None) -> None:
        """Ask the client for the ``shapelens`` section (or use what it pushed)."""
        settings = pushed
        if self.client_supports("workspace.configuration"):
            try:
                answer = await self.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section="shapelens")])
                )
                settings = answer[0] if answer else settings
            except Exception as error:  # a client that cannot answer keeps the current options
                log.warning("workspace/configuration failed: %s", error)
        self.apply_options(options_from_settings(settings, self.options))

    # --- code actions ---------------------------------------------------------------------

    async def fixes(self, state: AnalysisState, analysis: Analysis, index: int, diag: Diagnostic) -> tuple[Fix, ...]:
        if index not in state.fixes:
            loop = asyncio.get_running_loop()
            found = await loop.run_in_executor(self.fix_pool, verified_fixes, state, analysis, diag)
            if state.latest is analysis:
                state.fixes[index] = found
            return found
        return state.fixes[index]

    async def code_actions(self, params: types.CodeActionParams) -> Optional[list[types.CodeAction]]:
        uri = params.text_document.uri
        state = self.analysis_states.get(uri)
        analysis = state.current(self.version_shown(uri)) if state is not None else None
        if state is None or analysis is None or not analysis.report.parsed or not self.options.enable:
            return None  # fixes are only offered for the text the editor shows
        versioned = self.client_supports("workspace.workspace_edit.document_changes")
        actions: list[types.CodeAction] = []
        if features.wants_kind(params.context.only, types.CodeActionKind.QuickFix):
            fixed = [
                (diag, client_diag, await self.fixes(state, analysis, index, diag))
                for index, diag, client_diag in features.diagnostics_in_request(analysis, params, self.codec)
            ]
            actions += features.quick_fix_actions(analysis, fixed, self.codec, self.options, versioned)
        if params.context.only and features.wants_kind(params.context.only, features.SHAPE_COMMENTS_KIND):
            comments = features.shape_comments_action(analysis, self.codec, versioned)
            actions += [comments] if comments is not None else []
        return actions


SERVER = ShapeLensServer()


@SERVER.feature(types.INITIALIZE)
def initialize(ls: ShapeLensServer, params: types.InitializeParams) -> None:
    ls.protocol.use_lsp_workspace()
    ls.options = options_from_settings(params.initialization_options, ls.options)
    ls.projects.configure(workspace_folders(params), ls.options.extra_paths)


@SERVER.feature(types.INITIALIZED)
async def initialized(ls: ShapeLensServer, params: types.InitializedParams) -> None:
    asyncio.get_running_loop().call_later(FIX_WARM_UP_SECONDS, ls.fix_pool.submit, load_fix_machinery)
    await ls.pull_configuration()


@SERVER.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: ShapeLensServer, params: types.DidChangeConfigurationParams) -> None:
    await ls.pull_configuration(params.settings)


# pygls' workspace has applied each didOpen / didChange / didClose before these handlers run.


@SERVER.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: ShapeLensServer, params: types.DidOpenTextDocumentParams) -> None:
    # a cell of a synced notebook is analysed with its notebook, never on its own
    if params.text_document.language_id == "python" and not ls.notebooks.is_cell(params.text_document.uri):
        ls.open_python_document(params.text_document.uri)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: ShapeLensServer, params: types.DidChangeTextDocumentParams) -> None:
    if ls.notebooks.is_cell(params.text_document.uri):
        ls.notebooks.cell_changed(params.text_document.uri)
    else:
        ls.edited(params.text_document.uri)


@SERVER.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: ShapeLensServer, params: types.DidSaveTextDocumentParams) -> None:
    ls.analyse_unless_current(params.text_document.uri)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: ShapeLensServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.close_document(params.text_document.uri)


@SERVER.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
def notebook_did_open(ls: ShapeLensServer, params: types.DidOpenNotebookDocumentParams) -> None:
    ls.notebooks.open(params.notebook_document.uri)


@SERVER.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
def notebook_did_change(ls: ShapeLensServer, params: types.DidChangeNotebookDocumentParams) -> None:
    ls.notebooks.change(params)


@SERVER.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
def notebook_did_save(ls: ShapeLensServer, params: types.DidSaveNotebookDocumentParams) -> None:
    ls.notebooks.save(params.notebook_document.uri)


@SERVER.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
def notebook_did_close(ls: ShapeLensServer, params: types.DidCloseNotebookDocumentParams) -> None:
    ls.notebooks.close(params.notebook_document.uri)


@SERVER.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: ShapeLensServer, params: types.HoverParams) -> Optional[types.Hover]:
    if ls.notebooks.is_cell(params.text_document.uri):
        return ls.notebooks.hover(params)
    analysis = ls.served_analysis(params.text_document.uri)
    return features.hover(analysis, params.position, ls.codec) if analysis else None


@SERVER.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
def inlay_hint(ls: ShapeLensServer, params: types.InlayHintParams) -> Optional[list[types.InlayHint]]:
    if ls.notebooks.is_cell(params.text_document.uri):
        return ls.notebooks.inlay_hints(params)
    analysis = ls.served_analysis(params.text_document.uri)
    if analysis is None or not ls.options.inlay_hints:
        return None
    return features.inlay_hints(analysis, params.range, ls.codec)


@SERVER.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, features.SHAPE_COMMENTS_KIND],
        resolve_provider=False,
    ),
)
async def code_action(ls: ShapeLensServer, params: types.CodeActionParams) -> Optional[list[types.CodeAction]]:
    if ls.notebooks.is_cell(params.text_document.uri):
        return await ls.notebooks.code_actions(params)
    return await ls.code_actions(params)


def serve(tcp: Optional[str] = None) -> None:
    """Run the server on stdio, or on ``HOST:PORT`` when ``tcp`` is given."""
    logging.basicConfig(level=logging.WARNING, format="shapelens: %(levelname)s %(message)s")
    if tcp is None:
        SERVER.start_io()
        return
    host, _, port = tcp.rpartition(":")
    SERVER.start_tcp(host or "127.0.0.1", int(port))
