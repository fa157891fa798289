"""Columns with emoji and CJK text before a layer: UTF-16 code units by default, UTF-8 bytes
when the client offers UTF-8 first."""

from __future__ import annotations

from lsp_session import change_document, diagnostics_for, errors, fixture_text, open_document, position_of, uri_for
from lsprotocol import types
from pytest_lsp import LanguageClient

NAME = "emoji_columns.py"
POOL = "layers.MaxPooling2D(pool_size=4)"


def pool_range(text: str, encoding: str) -> types.Range:
    return types.Range(
        start=position_of(text, POOL, encoding=encoding),
        end=position_of(text, POOL, len(POOL), encoding=encoding),
    )


async def test_the_fixture_really_has_astral_characters_before_the_layer():
    line = next(line for line in fixture_text(NAME).splitlines() if POOL in line)
    before = line[: line.index(POOL)]
    assert sum(ord(c) > 0xFFFF for c in before) == 2
    assert len(before.encode("utf-16-le")) // 2 == len(before) + 2


async def test_utf16_columns_for_diagnostics_hover_and_hints(client: LanguageClient):
    text, uri = fixture_text(NAME), uri_for(NAME)
    open_document(client, uri, text)

    diagnostics = await diagnostics_for(client, uri, version=1)
    (error,) = errors(diagnostics)
    assert error.range == pool_range(text, "utf-16")

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position_of(text, POOL, len("layers.Max"), encoding="utf-16"),
        )
    )
    assert "**MaxPooling2D**" in hover.contents.value
    assert hover.range == pool_range(text, "utf-16")

    line = error.range.start.line
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line + 1, character=0)),
        )
    )
    # The Dense's shape, at the end of the line (the failing pooling layer has none).
    assert [h.label for h in hints] == ["→ (None, 3, 3, 4)"]
    assert hints[0].position.character == len(text.splitlines()[line].encode("utf-16-le")) // 2


async def test_utf8_columns_when_the_client_prefers_them(utf8_client: LanguageClient):
    text, uri = fixture_text(NAME), uri_for(NAME)
    open_document(utf8_client, uri, text)

    (error,) = errors(await diagnostics_for(utf8_client, uri, version=1))
    assert error.range == pool_range(text, "utf-8")

    hover = await utf8_client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position_of(text, POOL, len("layers.Max"), encoding="utf-8"),
        )
    )
    assert "**MaxPooling2D**" in hover.contents.value


async def test_an_incremental_edit_after_an_emoji_lands_where_the_client_meant(client: LanguageClient):
    text, uri = fixture_text(NAME), uri_for(NAME)
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)

    four = position_of(text, "pool_size=4", len("pool_size="))
    after_four = types.Position(line=four.line, character=four.character + 1)
    change_document(client, uri, 2, [(types.Range(start=four, end=after_four), "3")])

    assert errors(await diagnostics_for(client, uri, version=2)) == []


async def test_a_unicode_line_separator_in_a_comment_does_not_shift_lines(client: LanguageClient):
    text = (
        "import keras\n"
        "from keras import layers\n"
        "# shapes\u2028(not a new line for LSP)\n"
        "model = keras.Sequential([keras.Input(shape=(3, 3, 8)), layers.MaxPooling2D(pool_size=4)])\n"
    )
    uri = "untitled:separator.py"
    open_document(client, uri, text)
    (error,) = errors(await diagnostics_for(client, uri, version=1))
    assert error.range.start == position_of(text, "layers.MaxPooling2D")

    four = position_of(text, "pool_size=4", len("pool_size="))
    change_document(client, uri, 2, [(types.Range(start=four, end=types.Position(line=four.line, character=four.character + 1)), "3")])
    assert errors(await diagnostics_for(client, uri, version=2)) == []
