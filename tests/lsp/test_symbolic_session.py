"""Sizes the file leaves open, over real JSON-RPC: hovers and inlay hints in named sizes, and the
model hover with what the sizes stand for and the smallest input the model accepts."""

from __future__ import annotations

from lsp_session import diagnostics_for, errors, fixture_text, hover_text, open_document, position_of, uri_for
from lsprotocol import types
from pytest_lsp import LanguageClient

NAME = "symbolic_builder.py"


async def opened(client: LanguageClient) -> tuple[str, str]:
    text, uri = fixture_text(NAME), uri_for(NAME)
    open_document(client, uri, text)
    assert errors(await diagnostics_for(client, uri, version=1)) == []  # valid for every admissible size
    return text, uri


async def hover(client: LanguageClient, uri: str, position: types.Position) -> str:
    return hover_text(await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)))


async def test_a_layer_hover_shows_sizes_named_after_the_parameter(client: LanguageClient) -> None:
    text, uri = await opened(client)
    card = await hover(client, uri, position_of(text, "Conv2D(32", 2))
    assert "(None, img_size, img_size, 3)" in card
    assert "(None, img_size−2, img_size−2, 32)" in card


async def test_inlay_hints_show_symbolic_shapes(client: LanguageClient) -> None:
    text, uri = await opened(client)
    first = position_of(text, "x = layers.Conv2D(32").line
    conv = position_of(text, "x = F.relu(self.conv1(x))").line  # a torch layer's hint is where forward calls it
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=len(text.splitlines()), character=0))))
    labels = {hint.position.line: hint.label for hint in hints}
    assert labels[first] == "→ (None, img_size−2, img_size−2, 32)"
    assert labels[first + 4] == "→ (None, num_classes)"
    assert labels[conv] == "→ (N, 8, H−2, W−2)"


async def test_the_model_hover_says_what_the_sizes_are_and_the_smallest_input(client: LanguageClient) -> None:
    text, uri = await opened(client)
    card = await hover(client, uri, position_of(text, "class Net", 6))
    assert "H: input height" in card and "N: batch size" in card
    assert "needs H ≥ 3, W ≥ 3" in card
    assert "square inputs (H = W) fit at 28×28" in card
    builder = await hover(client, uri, position_of(text, "keras.Model(inputs", 2))
    assert "img_size: parameter `img_size` of build_model()" in builder
    assert "needs img_size ≥ 12" in builder
