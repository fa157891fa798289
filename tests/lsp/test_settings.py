"""Settings pulled with ``workspace/configuration`` take effect when the client announces a
change with ``workspace/didChangeConfiguration``."""

from __future__ import annotations

import asyncio

from lsp_session import configure, diagnostics_for, fixture_text, open_document, uri_for
from lsprotocol import types
from pytest_lsp import LanguageClient

NAME = "pool_too_large.py"


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
    published = len(client.published)

    await configure(client, severity={"negative-dimension": "information"})

    (republished,) = await diagnostics_for(client, uri, version=1, after=published)
    assert republished.severity == types.DiagnosticSeverity.Information


async def test_severity_off_hides_the_code(client: LanguageClient):
    uri = uri_for(NAME)
    open_document(client, uri, fixture_text(NAME))
    await diagnostics_for(client, uri, version=1)
    published = len(client.published)

    await configure(client, severity={"negative-dimension": "off"})

    assert await diagnostics_for(client, uri, version=1, after=published) == []


async def test_turning_inlay_hints_off_and_on(client: LanguageClient):
    text, uri = fixture_text("valid_cnn.py"), uri_for("valid_cnn.py")
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)
    assert len(await whole_file_hints(client, uri, text)) == 5

    await configure(client, inlayHints={"enable": False})
    assert not await whole_file_hints(client, uri, text)

    await configure(client, inlayHints={"enable": True})
    assert len(await whole_file_hints(client, uri, text)) == 5


async def test_disabling_the_extension_clears_diagnostics_and_reenabling_restores_them(client: LanguageClient):
    uri = uri_for(NAME)
    open_document(client, uri, fixture_text(NAME))
    await diagnostics_for(client, uri, version=1)
    published = len(client.published)

    await configure(client, enable=False)
    assert await diagnostics_for(client, uri, version=None, after=published) == []
    published = len(client.published)

    await configure(client, enable=True)
    restored = await diagnostics_for(client, uri, version=1, after=published)
    assert [d.code for d in restored] == ["negative-dimension"]


async def test_the_debounce_setting_delays_analysis(client: LanguageClient):
    text, uri = fixture_text(NAME), uri_for(NAME)
    await configure(client, debounceMs=1500)
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)  # opening is never debounced

    end = types.Position(line=len(text.splitlines()), character=0)
    sent = asyncio.get_running_loop().time()
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=end, end=end), text="\n")],
        )
    )
    await diagnostics_for(client, uri, version=2, timeout=10)
    assert asyncio.get_running_loop().time() - sent >= 1.5
