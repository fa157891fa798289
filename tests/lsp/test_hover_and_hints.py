"""Hovers and inlay hints over real JSON-RPC, read from the analysis of ``valid_cnn.py``."""

from __future__ import annotations

from lsp_session import diagnostics_for, fixture_text, hover_text, open_document, position_of, uri_for
from lsprotocol import types
from pytest_lsp import LanguageClient

NAME = "valid_cnn.py"


async def opened(client: LanguageClient) -> tuple[str, str]:
    text, uri = fixture_text(NAME), uri_for(NAME)
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)
    return text, uri


async def hover_at(client: LanguageClient, uri: str, position: types.Position):
    return await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )


async def test_hover_on_a_layer_shows_shapes_params_and_window_arithmetic(client: LanguageClient):
    text, uri = await opened(client)

    card = hover_text(await hover_at(client, uri, position_of(text, "Conv2D(32", 3)))

    assert "**Conv2D**" in card
    assert "`(None, 64, 64, 3)` → `(None, 62, 62, 32)`" in card
    assert "Params: 896" in card
    assert "height: floor((64 - 3) / 1) + 1 = 62" in card


async def test_hover_range_is_the_layer_constructor(client: LanguageClient):
    text, uri = await opened(client)

    hover = await hover_at(client, uri, position_of(text, "MaxPooling2D(2)", 4))

    assert hover.range.start == position_of(text, "layers.MaxPooling2D(2)")
    assert hover.range.end == position_of(text, "layers.MaxPooling2D(2)", len("layers.MaxPooling2D(2)"))
    assert "floor((62 - 2) / 2) + 1 = 31" in hover.contents.value


async def test_hover_on_the_model_name_shows_the_summary_table(client: LanguageClient):
    text, uri = await opened(client)

    at_definition = hover_text(await hover_at(client, uri, position_of(text, "classifier =", 2)))
    at_use = hover_text(await hover_at(client, uri, position_of(text, "classifier.summary", 2)))

    assert at_definition == at_use
    assert "| Layer | Output shape | Params |" in at_use
    assert "| Conv2D | `(None, 62, 62, 32)` | 896 |" in at_use
    assert "| Flatten | `(None, 61504)` | 0 |" in at_use
    # 896 + 0 + 18,496 + 0 + 615,050
    assert "Total params: 634,442" in at_use


async def test_hover_on_an_input_shows_its_shape(client: LanguageClient):
    text, uri = await opened(client)

    card = hover_text(await hover_at(client, uri, position_of(text, "keras.Input(", 7)))

    assert "**Input**" in card
    assert "(None, 64, 64, 3)" in card


async def test_hover_on_an_input_inside_a_sequential(client: LanguageClient):
    text, uri = fixture_text("pooling_too_deep.py"), uri_for("pooling_too_deep.py")
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)

    card = hover_text(await hover_at(client, uri, position_of(text, "keras.Input(", 8)))

    assert "**Input**" in card and "(None, 28, 28, 1)" in card


async def test_hover_explains_a_size_the_file_reads_at_run_time(client: LanguageClient):
    text = (
        "import keras\n"
        "from keras import layers\n"
        "import os\n"
        "filters = int(os.environ['FILTERS'])\n"
        "model = keras.Sequential([keras.Input(shape=(8, 8, 3)), layers.Conv2D(filters, 3)])\n"
    )
    uri = "untitled:unknown.py"
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)

    card = hover_text(await hover_at(client, uri, position_of(text, "Conv2D(filters", 2)))

    # a size the file reads at run time is a symbol named after its variable, explained in the card
    assert "`(None, 8, 8, 3)` → `(None, 6, 6, filters)`" in card
    assert "`filters`: `filters`, not known statically" in card


async def test_hover_explains_an_unknown_size(client: LanguageClient):
    text = (
        "import keras\n"
        "from keras import layers\n"
        "import json\n"
        "kernel = tuple(json.load(open('config.json'))['kernel'])\n"
        "model = keras.Sequential([keras.Input(shape=(8, 8, 3)), layers.Conv2D(16, kernel)])\n"
    )
    uri = "untitled:unknown_kernel.py"
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)

    card = hover_text(await hover_at(client, uri, position_of(text, "Conv2D(16", 2)))

    assert "Input `(None, 8, 8, 3)`" in card
    assert "Output shape unknown: argument `kernel_size` of Conv2D is not a constant" in card
    assert "read from a file by `json.load(...)`" in card


async def test_hover_away_from_any_model_is_empty(client: LanguageClient):
    text, uri = await opened(client)

    assert await hover_at(client, uri, position_of(text, "import keras", 2)) is None


async def test_inlay_hints_cover_only_the_requested_range(client: LanguageClient):
    text, uri = await opened(client)
    first = position_of(text, "x = layers.Conv2D(32").line
    requested = types.Range(start=types.Position(line=first, character=0), end=types.Position(line=first + 1, character=0))

    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(text_document=types.TextDocumentIdentifier(uri=uri), range=requested)
    )

    assert [(h.position.line, h.label) for h in hints] == [
        (first, "→ (None, 62, 62, 32)"),
        (first + 1, "→ (None, 31, 31, 32)"),
    ]
    conv_line = text.splitlines()[first]
    assert hints[0].position.character == len(conv_line)


async def test_inlay_hints_for_the_whole_file(client: LanguageClient):
    text, uri = await opened(client)
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=len(text.splitlines()), character=0))

    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(text_document=types.TextDocumentIdentifier(uri=uri), range=whole)
    )

    assert [h.label for h in hints] == [
        "→ (None, 62, 62, 32)",
        "→ (None, 31, 31, 32)",
        "→ (None, 31, 31, 64)",
        "→ (None, 61504)",
        "→ (None, 10)",
    ]


async def test_an_inlay_hint_goes_before_a_trailing_comment(client: LanguageClient):
    text = (
        "import keras\n"
        "from keras import layers\n"
        "model = keras.Sequential([\n"
        "    keras.Input(shape=(8, 8, 3)),\n"
        "    layers.Conv2D(4, 3),  # first block\n"
        "])\n"
    )
    uri = "untitled:commented.py"
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)

    (hint,) = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line=4, character=0), end=types.Position(line=5, character=0)),
        )
    )

    assert hint.label == "→ (None, 6, 6, 4)"
    assert hint.position == types.Position(line=4, character=len("    layers.Conv2D(4, 3),"))


async def test_hover_on_a_torch_layer_call_in_forward(client: LanguageClient):
    text, uri = fixture_text("torch_module.py"), uri_for("torch_module.py")
    open_document(client, uri, text)
    assert await diagnostics_for(client, uri, version=1) == []

    card = hover_text(await hover_at(client, uri, position_of(text, "self.conv1(x)", len("self.co"))))
    assert "**Conv2d**" in card
    assert "`(8, 3, 32, 32)` → `(8, 16, 32, 32)`" in card
    assert "Params: 448" in card

    outer = hover_text(await hover_at(client, uri, position_of(text, "self.pool(F.relu", len("self.po"))))
    assert "**MaxPool2d**" in outer and "`(8, 16, 16, 16)`" in outer
