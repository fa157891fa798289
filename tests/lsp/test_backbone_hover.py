"""A ``keras.applications`` backbone in the editor: its builder call's hover says what it builds and
how many of its parameters train; the model's hover shows it as one row (``transfer_learning.py``)."""

from __future__ import annotations

from lsp_session import diagnostics_for, fixture_text, hover_text, open_document, position_of, uri_for
from lsprotocol import types
from pytest_lsp import LanguageClient

NAME = "transfer_learning.py"


async def hover_on(client: LanguageClient, needle: str, offset: int = 2) -> str:
    text, uri = fixture_text(NAME), uri_for(NAME)
    open_document(client, uri, text)
    assert await diagnostics_for(client, uri, version=1) == []
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position_of(text, needle, offset))
    )
    return hover_text(hover)


async def test_the_builder_call_shows_the_frozen_backbone(client: LanguageClient):
    card = await hover_on(client, "MobileNetV2(input_shape")

    assert card.startswith("**MobileNetV2**")
    assert "`(None, 160, 160, 3)` → `(None, 5, 5, 1280)`" in card
    # Keras 3.15.1: MobileNetV2(include_top=False) has 2,257,984 parameters; frozen, none trains
    assert "Params: 2,257,984 (trainable 0, non-trainable 2,257,984)" in card
    assert "Note: MobileNetV2 backbone from keras.applications (weights='imagenet')" in card


async def test_the_model_summary_collapses_the_backbone_to_one_row(client: LanguageClient):
    card = await hover_on(client, "model = tf.keras.Model", 0)

    rows = [line for line in card.splitlines() if line.startswith("| ")]
    assert rows[2:] == ["| Input | `(None, 160, 160, 3)` | 0 |",
                        "| MobileNetV2 | `(None, 5, 5, 1280)` | 2,257,984 |",
                        "| GlobalAveragePooling2D | `(None, 1280)` | 0 |",
                        "| Dense | `(None, 1)` | 1,281 |"]
    assert "Total params: 2,259,265  \nTrainable params: 1,281  \nNon-trainable params: 2,257,984" in card
