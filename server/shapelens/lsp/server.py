"""The Shape Lens language server: thin pygls handlers over one cached report per document.

Analysis is a pure function of a snapshot (uri, version, text). It runs in a worker thread
after a debounce, and its result is published only if that version is still the one the
editor shows. Hovers, inlay hints and code actions are lookups in the stored analysis.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, BinaryIO, Iterator, Optional

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.io_ import StdoutWriter, run_async
from pygls.lsp.server import LanguageServer
from pygls.workspace.position_codec import PositionCodec

from shapelens import __version__
from shapelens.analysis import AnalysisOptions, analyze
from shapelens.analysis.report import Diagnostic, Fix
from shapelens.lsp import features
from shapelens.lsp.documents import Analysis, DocumentState, DocumentStore, apply_change
from shapelens.lsp.options import ServerOptions, options_from_settings
from shapelens.lsp.transport import FrameReader

log = logging.getLogger("shapelens.lsp")
# Quick fixes need libcst; it is imported in the background this long after startup, once
# the first analyses are out of the way.
FIX_WARM_UP_SECONDS = 2.0


class CollectorPause:
    """Python's cycle collector, held off while a snapshot is analysed and published.

    An analysis allocates tens of thousands of objects that all live until it ends, and the
    automatic collector would walk them several times meanwhile (a tenth of the analysis'
    time) while finding nothing to free: the engine breaks its own reference cycles, so its
    garbage is freed as soon as the report is out. Process-wide, hence counted: several
    documents' analyses can be in flight at once (one running, the others queued for the thread).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders = 0
        self.was_enabled = True

    @contextmanager
    def held(self) -> Iterator[None]:
        with self.lock:
            if self.holders == 0:
                self.was_enabled = gc.isenabled()
                gc.disable()
            self.holders += 1
        try:
            yield
        finally:
            with self.lock:
                self.holders -= 1
                if self.holders == 0 and self.was_enabled:
                    gc.enable()


COLLECTOR = CollectorPause()


def analyse_snapshot(uri: str, version: Optional[int], source: str, options: Optional[AnalysisOptions] = None) -> Analysis:
    return Analysis.of(uri, version, source, analyze(source, options))


def verified_fixes(state: DocumentState, analysis: Analysis, diag: Diagnostic) -> tuple[Fix, ...]:
    """Runs in the fix thread; the parse trees are shared by all diagnostics of one snapshot."""
    try:
        from shapelens.fixes import FixContext, fixes_for  # libcst loads only for fixes
    except ImportError as missing:
        log.warning("quick fixes are off: %s", missing)
        return ()
    context = state.fix_context
    if context is None or context.report is not analysis.report:
        context = state.fix_context = FixContext(analysis.source, analysis.report)
    return fixes_for(analysis.source, analysis.report, diag, context=context)


def load_fix_machinery() -> None:
    """Import libcst ahead of the first code action (about 0.3 s), so that one is quick too."""
    try:
        import shapelens.fixes  # noqa: F401
    except ImportError as missing:
        log.warning("quick fixes are off: %s", missing)


class ShapeLensServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("shapelens", __version__)
        self.options = ServerOptions()
        self.documents = DocumentStore()
        # One analysis at a time: a newer snapshot waits instead of competing for the GIL.
        self.analysis_pool = ThreadPoolExecutor(1, thread_name_prefix="shapelens-analysis")
        self.fix_pool = ThreadPoolExecutor(1, thread_name_prefix="shapelens-fixes")

    def start_io(self, stdin: Optional[BinaryIO] = None, stdout: Optional[BinaryIO] = None) -> None:
        """pygls' stdio loop, with a reader that hands over whole messages (see transport.py)."""
        self._stop_event = threading.Event()  # what pygls' shutdown() sets
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        reader = FrameReader((stdin or sys.stdin.buffer).fileno())
        try:
            asyncio.run(run_async(self._stop_event, reader, self.protocol, log, self.report_server_error))
        except BrokenPipeError:
            log.error("the connection to the client is lost; stopping")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    @property
    def codec(self) -> PositionCodec:
        return self.workspace.position_codec

    def client_supports(self, field: str) -> bool:
        return bool(get_capability(self.client_capabilities, field, False))

    # --- analysis -------------------------------------------------------------------------

    def schedule_analysis(self, uri: str, delay_ms: Optional[int] = None) -> None:
        state = self.documents.get(uri)
        if state is None or not self.options.enable:
            return
        state.cancel_pending()
        delay = self.options.debounce_ms if delay_ms is None else delay_ms
        state.pending = asyncio.ensure_future(self._analyse_after(state, delay / 1000))

    async def _analyse_after(self, state: DocumentState, delay: float) -> None:
        await asyncio.sleep(delay)
        if self.documents.get(state.uri) is not state:
            return
        with COLLECTOR.held():
            await self._analyse_and_publish(state)

    async def _analyse_and_publish(self, state: DocumentState) -> None:
        version, source = state.version, state.text
        loop = asyncio.get_running_loop()
        try:
            analysis = await loop.run_in_executor(self.analysis_pool, analyse_snapshot, state.uri, version, source,
                                                  self.options.analysis())
        except Exception as error:  # the engine promises not to raise; if it does, the server stays up
            log.exception("analysis of %s failed", state.uri)
            self.window_log_message(
                types.LogMessageParams(
                    type=types.MessageType.Error, message=f"analysis of {state.uri} failed: {error!r}"
                )
            )
            return
        if self.documents.get(state.uri) is not state or state.version != version:
            return  # stale: a newer edit (or a close) arrived while this ran
        state.store(analysis)
        if analysis.report.parsed:  # while the text does not parse, the last result stays
            self.publish(state)
            if self.client_supports("workspace.inlay_hint.refresh_support"):
                self.workspace_inlay_hint_refresh(None)

    def publish(self, state: DocumentState) -> None:
        analysis = state.last_good
        if analysis is None:
            return
        found = features.diagnostics(analysis, self.codec, self.options) if self.options.enable else []
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=state.uri, diagnostics=found, version=analysis.version)
        )

    def clear(self, uri: str) -> None:
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def served_analysis(self, uri: str) -> Optional[Analysis]:
        """What hovers and inlay hints read: the newest analysis that parsed."""
        state = self.documents.get(uri)
        return state.last_good if state is not None and self.options.enable else None

    # --- configuration --------------------------------------------------------------------

    def apply_options(self, options: ServerOptions) -> None:
        before, self.options = self.options, options
        if options == before:
            return
        self.window_log_message(
            types.LogMessageParams(type=types.MessageType.Info, message=f"settings: {options.describe()}")
        )
        for state in self.documents:
            if options.enable and (not before.enable or options.keras_version != before.keras_version):
                self.schedule_analysis(state.uri, 0)
            elif not options.enable:
                state.cancel_pending()
                self.clear(state.uri)
            else:
                self.publish(state)
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

    async def fixes(self, state: DocumentState, analysis: Analysis, index: int, diag: Diagnostic) -> tuple[Fix, ...]:
        if index not in state.fixes:
            loop = asyncio.get_running_loop()
            found = await loop.run_in_executor(self.fix_pool, verified_fixes, state, analysis, diag)
            if state.latest is analysis:
                state.fixes[index] = found
            return found
        return state.fixes[index]

    async def code_actions(self, params: types.CodeActionParams) -> Optional[list[types.CodeAction]]:
        state = self.documents.get(params.text_document.uri)
        analysis = state.current(state.version) if state is not None else None
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
    ls.options = options_from_settings(params.initialization_options, ls.options)


@SERVER.feature(types.INITIALIZED)
async def initialized(ls: ShapeLensServer, params: types.InitializedParams) -> None:
    asyncio.get_running_loop().call_later(FIX_WARM_UP_SECONDS, ls.fix_pool.submit, load_fix_machinery)
    await ls.pull_configuration()


@SERVER.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: ShapeLensServer, params: types.DidChangeConfigurationParams) -> None:
    await ls.pull_configuration(params.settings)


@SERVER.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: ShapeLensServer, params: types.DidOpenTextDocumentParams) -> None:
    document = params.text_document
    if document.language_id == "python":
        ls.documents.open(document.uri, document.text, document.version)
        ls.schedule_analysis(document.uri, 0)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: ShapeLensServer, params: types.DidChangeTextDocumentParams) -> None:
    state = ls.documents.get(params.text_document.uri)
    if state is not None:
        for change in params.content_changes:
            state.text = apply_change(state.text, change, ls.codec)
        state.version = params.text_document.version
        ls.schedule_analysis(state.uri)


@SERVER.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: ShapeLensServer, params: types.DidSaveTextDocumentParams) -> None:
    state = ls.documents.get(params.text_document.uri)
    if state is not None and state.current(state.version) is None:
        ls.schedule_analysis(state.uri, 0)  # saving skips the debounce


@SERVER.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: ShapeLensServer, params: types.DidCloseTextDocumentParams) -> None:
    if ls.documents.get(params.text_document.uri) is not None:
        ls.documents.close(params.text_document.uri)
        ls.clear(params.text_document.uri)


@SERVER.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: ShapeLensServer, params: types.HoverParams) -> Optional[types.Hover]:
    analysis = ls.served_analysis(params.text_document.uri)
    return features.hover(analysis, params.position, ls.codec) if analysis else None


@SERVER.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
def inlay_hint(ls: ShapeLensServer, params: types.InlayHintParams) -> Optional[list[types.InlayHint]]:
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
    return await ls.code_actions(params)


def serve(tcp: Optional[str] = None) -> None:
    """Run the server on stdio, or on ``HOST:PORT`` when ``tcp`` is given."""
    logging.basicConfig(level=logging.WARNING, format="shapelens: %(levelname)s %(message)s")
    if tcp is None:
        SERVER.start_io()
        return
    host, _, port = tcp.rpartition(":")
    SERVER.start_tcp(host or "127.0.0.1", int(port))
