"""Document sync over real JSON-RPC: diagnostics on open, after incremental edits, for the
current version only, and cleared on close."""

from __future__ import annotations

import asyncio

from lsp_session import (
    change_document,
    configure,
    diagnostics_for,
    errors,
    fixture_text,
    open_document,
    position_of,
    uri_for,
    versions_published,
)
from lsprotocol import types
from pytest_lsp import LanguageClient


async def test_open_publishes_the_engines_diagnostic_with_code_range_and_source(client: LanguageClient):
    text = fixture_text("pooling_too_deep.py")
    uri = uri_for("pooling_too_deep.py")
    open_document(client, uri, text)

    diagnostics = await diagnostics_for(client, uri, version=1)

    assert len(diagnostics) == 1
    diagnostic = diagnostics[0]
    assert diagnostic.code == "negative-dimension"
    assert diagnostic.source == "shapelens"
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert "kernel_size 3 does not fit input height 1" in diagnostic.message
    start = position_of(text, 'layers.Conv2D(128, 3, activation="relu")')
    end = position_of(text, 'layers.Conv2D(128, 3, activation="relu")', len('layers.Conv2D(128, 3, activation="relu")'))
    assert diagnostic.range == types.Range(start=start, end=end)


async def test_related_information_points_at_the_layer_that_produced_the_input(client: LanguageClient):
    text = fixture_text("pooling_too_deep.py")
    uri = uri_for("pooling_too_deep.py")
    open_document(client, uri, text)

    (diagnostic,) = await diagnostics_for(client, uri, version=1)

    (related,) = diagnostic.related_information
    assert related.location.uri == uri
    last_pool_line = text.splitlines().index("    layers.MaxPooling2D(2),", 10)
    assert related.location.range.start == types.Position(line=last_pool_line, character=4)
    assert "(None, 1, 1, 64)" in related.message


async def test_merge_diagnostic_relates_every_input_branch(client: LanguageClient):
    text = (
        "import keras\n"
        "from keras import layers\n"
        "inputs = keras.Input(shape=(16, 16, 3))\n"
        "a = layers.Conv2D(8, 3)(inputs)\n"
        "b = layers.Conv2D(8, 5)(inputs)\n"
        "merged = layers.Add()([a, b])\n"
        "model = keras.Model(inputs, merged)\n"
    )
    uri = "untitled:merge.py"
    open_document(client, uri, text)

    (diagnostic,) = await diagnostics_for(client, uri, version=1)

    assert diagnostic.code == "merge-mismatch"
    lines = sorted(r.location.range.start.line for r in diagnostic.related_information)
    assert lines == [3, 4]


async def test_an_incremental_edit_breaks_the_model_and_the_next_repairs_it(client: LanguageClient):
    text = fixture_text("valid_cnn.py")
    uri = uri_for("valid_cnn.py")
    open_document(client, uri, text)
    assert await diagnostics_for(client, uri, version=1) == []

    # MaxPooling2D(2) -> MaxPooling2D(200): the window no longer fits the 62x62 map.
    after_two = position_of(text, "MaxPooling2D(2", len("MaxPooling2D(2"))
    change_document(client, uri, 2, [(types.Range(start=after_two, end=after_two), "00")])
    broken = await diagnostics_for(client, uri, version=2)
    assert [d.code for d in errors(broken)] == ["negative-dimension"]
    assert broken[0].range.start.line == after_two.line

    end_of_insert = types.Position(line=after_two.line, character=after_two.character + 2)
    change_document(client, uri, 3, [(types.Range(start=after_two, end=end_of_insert), "")])
    assert await diagnostics_for(client, uri, version=3) == []


async def test_two_rapid_edits_publish_only_the_last_versions_diagnostics(client: LanguageClient):
    text = fixture_text("valid_cnn.py")
    uri = uri_for("valid_cnn.py")
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)

    # Version 2 breaks the model and is slow to analyse (3,000 extra layers); version 3,
    # sent right behind it, repairs it. Version 2's result must never reach the client.
    end = types.Position(line=len(text.splitlines()), character=0)
    slow_and_broken = "x = layers.MaxPooling2D(500)(x)\n" + "y = layers.Dense(4)(x)\n" * 3000
    change_document(client, uri, 2, [(types.Range(start=end, end=end), slow_and_broken)])
    grown_end = types.Position(line=end.line + 3001, character=0)
    change_document(client, uri, 3, [(types.Range(start=end, end=grown_end), "")])

    assert await diagnostics_for(client, uri, version=3) == []
    await asyncio.sleep(0.5)  # room for a late, stale publication to show up
    assert versions_published(client, uri) == [1, 3]


async def test_typing_faster_than_the_debounce_analyses_once(client: LanguageClient):
    text = fixture_text("valid_cnn.py")
    uri = uri_for("valid_cnn.py")
    await configure(client, debounceMs=1000)  # generous, so a loaded machine cannot split the burst
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)

    at = position_of(text, "Dense(10", len("Dense("))
    for version, char in enumerate("1234", start=2):
        change_document(client, uri, version, [(types.Range(start=at, end=at), char)])
        at = types.Position(line=at.line, character=at.character + 1)

    await diagnostics_for(client, uri, version=5)
    assert versions_published(client, uri) == [1, 5]


async def test_closing_a_document_clears_its_diagnostics(client: LanguageClient):
    uri = uri_for("pool_too_large.py")
    open_document(client, uri, fixture_text("pool_too_large.py"))
    assert len(await diagnostics_for(client, uri, version=1)) == 1

    before_close = len(client.published)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )

    assert await diagnostics_for(client, uri, version=None, after=before_close) == []


async def analysed_up_to_now(client: LanguageClient) -> None:
    """Wait until the server has finished every analysis it has started or scheduled: one more
    document opened now is analysed after them (one analysis thread, first come first served)."""
    probe = f"untitled:probe{len(client.published)}.py"
    open_document(client, probe, "import keras\n")
    await diagnostics_for(client, probe, version=1)


async def test_a_syntax_error_publishes_nothing_and_keeps_serving_the_last_good_hover(client: LanguageClient):
    text = fixture_text("valid_cnn.py")
    uri = uri_for("valid_cnn.py")
    await configure(client, debounceMs=0)
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)

    end = types.Position(line=len(text.splitlines()), character=0)
    change_document(client, uri, 2, [(types.Range(start=end, end=end), "def broken(:\n")])
    await analysed_up_to_now(client)

    assert versions_published(client, uri) == [1]
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=position_of(text, "Conv2D(32")
        )
    )
    assert hover is not None and "(None, 62, 62, 32)" in hover.contents.value


async def test_only_python_documents_are_analysed(client: LanguageClient):
    uri = "untitled:notes.md"
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="markdown", version=1, text=fixture_text("pool_too_large.py")
            )
        )
    )
    await analysed_up_to_now(client)
    assert versions_published(client, uri) == []
