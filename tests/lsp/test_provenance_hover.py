"""Hovers say where an assumed size comes from: an argparse default, Keras' default image data
format, the first batch of the data that built a model (``configured_cnn.py``)."""

from __future__ import annotations

from lsp_session import diagnostics_for, fixture_text, hover_text, open_document, position_of, uri_for
from lsprotocol import types
from pytest_lsp import LanguageClient

NAME = "configured_cnn.py"


async def hover_on(client: LanguageClient, needle: str, offset: int = 2) -> str:
    text, uri = fixture_text(NAME), uri_for(NAME)
    open_document(client, uri, text)
    assert await diagnostics_for(client, uri, version=1) == []
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position_of(text, needle, offset))
    )
    return hover_text(hover)


async def test_a_layer_sized_by_an_argparse_default_says_so(client: LanguageClient):
    card = await hover_on(client, "Dense(args.classes")

    assert "`(None, 15376)` → `(None, 10)`" in card
    assert "Note: `--classes` = 10: from argparse default (the script run with no command-line arguments)" in card


async def test_a_layer_under_the_data_format_branch_names_keras_default(client: LanguageClient):
    card = await hover_on(client, "Conv2D(16")

    assert "`(None, 64, 64, 3)` → `(None, 62, 62, 16)`" in card
    assert "Note: `--img-size` = 64: from argparse default" in card
    assert "Keras' default channels_last" in card


async def test_a_model_built_by_fit_names_the_batch_it_was_built_on(client: LanguageClient):
    card = await hover_on(client, "Dense(32")

    assert "`(16, 8)` → `(16, 32)`" in card
    assert "the first batch (16 rows) of the data given to `features.fit(...)` at line 27" in card
