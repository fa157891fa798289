"""Settings pulled with ``workspace/configuration`` take effect when the client announces a
change with ``workspace/didChangeConfiguration``."""

from __future__ import annotations

import asyncio

from lsp_session import diagnostics_for, fixture_text, open_document, uri_for, versions_published
from lsprotocol import types
from pytest_lsp import LanguageClient

NAME = "pool_too_large.py"


def announce(client: LanguageClient) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))


async def whole_file_hints(client: LanguageClient, uri: str, text: str):
    return await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=len(text.splitlines()), character=0)),
        )
    )


async def test_a_severity_override_republishes_the_diagnostic_with_it(client: LanguageClient):
    uri = uri_for(NAME)
    open_document(client, uri, fixture_text(NAME))
    (diagnostic,) = await diagnostics_for(client, uri, version=1)
    assert diagnostic.severity == types.DiagnosticSeverity.Error

    client.set_configuration({"severity": {"negative-dimension": "information"}}, section="shapelens")
    announce(client)
    await asyncio.sleep(0.3)

    (republished,) = client.diagnostics[uri]
    assert republished.severity == types.DiagnosticSeverity.Information
    assert versions_published(client, uri) == [1, 1]


async def test_severity_off_hides_the_code(client: LanguageClient):
    uri = uri_for(NAME)
    open_document(client, uri, fixture_text(NAME))
    await diagnostics_for(client, uri, version=1)

    client.set_configuration({"severity": {"negative-dimension": "off"}}, section="shapelens")
    announce(client)
    await asyncio.sleep(0.3)

    assert list(client.diagnostics[uri]) == []


async def test_turning_inlay_hints_off_and_on(client: LanguageClient):
    text, uri = fixture_text("valid_cnn.py"), uri_for("valid_cnn.py")
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)
    assert len(await whole_file_hints(client, uri, text)) == 5

    client.set_configuration({"inlayHints": {"enable": False}}, section="shapelens")
    announce(client)
    await asyncio.sleep(0.3)
    assert not await whole_file_hints(client, uri, text)

    client.set_configuration({"inlayHints": {"enable": True}}, section="shapelens")
    announce(client)
    await asyncio.sleep(0.3)
    assert len(await whole_file_hints(client, uri, text)) == 5


async def test_disabling_the_extension_clears_diagnostics_and_reenabling_restores_them(client: LanguageClient):
    uri = uri_for(NAME)
    open_document(client, uri, fixture_text(NAME))
    await diagnostics_for(client, uri, version=1)

    client.set_configuration({"enable": False}, section="shapelens")
    announce(client)
    await asyncio.sleep(0.3)
    assert list(client.diagnostics[uri]) == []

    client.set_configuration({"enable": True}, section="shapelens")
    announce(client)
    await asyncio.sleep(0.5)
    assert [d.code for d in client.diagnostics[uri]] == ["negative-dimension"]


async def test_the_debounce_setting_delays_analysis(client: LanguageClient):
    text, uri = fixture_text(NAME), uri_for(NAME)
    client.set_configuration({"debounceMs": 1500}, section="shapelens")
    announce(client)
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)  # opening is never debounced

    end = types.Position(line=len(text.splitlines()), character=0)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=end, end=end), text="\n")],
        )
    )
    await asyncio.sleep(0.8)
    assert versions_published(client, uri) == [1]
    await diagnostics_for(client, uri, version=2, timeout=5)
