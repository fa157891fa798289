"""Helpers for driving a real ``shapelens serve`` subprocess over JSON-RPC with pytest-lsp.

The client records every ``publishDiagnostics`` it receives (pytest-lsp keeps only the last
one per URI), so tests can wait for a given document version and check what came before it.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any, Optional, Sequence

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SERVER_COMMAND = [sys.executable, "-m", "shapelens", "serve", "--stdio"]
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lsp"
WAIT_SECONDS = 20.0


def _record_diagnostics(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.published.append(params)  # type: ignore[attr-defined]


def recording_client() -> LanguageClient:
    client = LanguageClient(converter_factory=default_converter)
    register_lsp_features(
        client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: _record_diagnostics}
    )
    client.published = []  # type: ignore[attr-defined]
    return client


CONFIG = ClientServerConfig(server_command=SERVER_COMMAND, client_factory=recording_client)


def vscode_capabilities(position_encodings: Optional[Sequence[str]] = None) -> types.ClientCapabilities:
    capabilities = client_capabilities("visual-studio-code")
    if position_encodings is not None:
        capabilities.general = types.GeneralClientCapabilities(position_encodings=list(position_encodings))
    return capabilities


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def uri_for(name: str) -> str:
    return (FIXTURES / name).as_uri()


def open_document(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
    )


def change_document(
    client: LanguageClient, uri: str, version: int, edits: Sequence[tuple[types.Range, str]]
) -> None:
    """Incremental changes, as VS Code sends them."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=r, text=t) for r, t in edits],
        )
    )


def replace_all(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def diagnostics_for(
    client: LanguageClient, uri: str, version: Optional[int], after: int = 0, timeout: float = WAIT_SECONDS
) -> list[types.Diagnostic]:
    """The diagnostics published for ``uri`` and exactly ``version`` (None: a publication
    without a version, as when a document is closed), among the publications from ``after`` on."""
    published: list = client.published  # type: ignore[attr-defined]
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        for params in reversed(published[after:]):
            if params.uri == uri and params.version == version:
                return list(params.diagnostics)
        if asyncio.get_running_loop().time() > deadline:
            seen = [(p.uri.rsplit("/", 1)[-1], p.version) for p in published]
            raise AssertionError(f"no diagnostics for {uri} version {version}; published: {seen}")
        await asyncio.sleep(0.02)


def versions_published(client: LanguageClient, uri: str) -> list[Optional[int]]:
    return [p.version for p in client.published if p.uri == uri]  # type: ignore[attr-defined]


def position_of(text: str, needle: str, offset: int = 0, encoding: str = "utf-16") -> types.Position:
    """The LSP position of ``needle`` (plus ``offset`` characters) in the client's units."""
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    prefix = text[text.rfind("\n", 0, index) + 1 : index]
    if encoding == "utf-8":
        return types.Position(line=line, character=len(prefix.encode("utf-8")))
    return types.Position(line=line, character=len(prefix.encode("utf-16-le")) // 2)


def apply_text_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    """What an editor does with a quick fix's edits (UTF-16 positions, applied back to front)."""
    lines = text.splitlines(keepends=True) + [""]

    def offset(position: types.Position) -> int:
        before = sum(len(line) for line in lines[: position.line])
        line_text = lines[position.line]
        units = 0
        for index, char in enumerate(line_text):
            if units >= position.character:
                return before + index
            units += 2 if ord(char) > 0xFFFF else 1
        return before + len(line_text)

    located = sorted(((offset(e.range.start), offset(e.range.end), e.new_text) for e in edits), reverse=True)
    for start, end, new_text in located:
        text = text[:start] + new_text + text[end:]
    return text


def edits_of(action: types.CodeAction) -> list[types.TextEdit]:
    edit = action.edit
    assert edit is not None, f"code action {action.title!r} has no edit"
    if edit.document_changes:
        return [e for change in edit.document_changes for e in change.edits]  # type: ignore[union-attr]
    return [e for edits in (edit.changes or {}).values() for e in edits]


def errors(diagnostics: Sequence[types.Diagnostic]) -> list[types.Diagnostic]:
    return [d for d in diagnostics if d.severity == types.DiagnosticSeverity.Error]


def hover_text(hover: Any) -> str:
    assert hover is not None, "no hover"
    return hover.contents.value


async def configure(client: LanguageClient, **settings: Any) -> None:
    """Change the ``shapelens`` settings, announce it, and wait until the server logs that it
    applied them (it pulls them with ``workspace/configuration``)."""
    section = client.get_configuration(section="shapelens") or {}
    client.set_configuration({**section, **settings}, section="shapelens")
    expected = [f"{key}={value}" for key, value in _flat(settings)]
    start = len(client.log_messages)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while not any(
        m.message.startswith("settings:") and all(e in m.message for e in expected)
        for m in client.log_messages[start:]
    ):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"the server did not apply {settings}")
        await asyncio.sleep(0.02)


def _flat(settings: dict, prefix: str = ""):
    for key, value in settings.items():
        if isinstance(value, dict) and key != "severity":
            yield from _flat(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value
