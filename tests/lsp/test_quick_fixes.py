"""Quick fixes over real JSON-RPC: each kind is offered on its diagnostic, and applying its edit
(as an editor would, then syncing the change) leaves a file with no error."""

from __future__ import annotations

from typing import Sequence

import pytest
from lsp_session import (
    apply_text_edits,
    diagnostics_for,
    edits_of,
    errors,
    fixture_text,
    open_document,
    replace_all,
    uri_for,
)
from lsprotocol import types
from pytest_lsp import LanguageClient


async def code_actions(
    client: LanguageClient, uri: str, diagnostic: types.Diagnostic, only: Sequence[str] | None = None
) -> list[types.CodeAction]:
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic], only=list(only) if only else None),
        )
    )
    return list(actions or [])


async def fixes_for_fixture(client: LanguageClient, name: str, code: str):
    text, uri = fixture_text(name), uri_for(name)
    open_document(client, uri, text)
    diagnostics = await diagnostics_for(client, uri, version=1)
    diagnostic = next(d for d in diagnostics if d.code == code)
    return text, uri, diagnostic, await code_actions(client, uri, diagnostic)


async def apply_and_recheck(client: LanguageClient, uri: str, text: str, action: types.CodeAction) -> tuple[str, list]:
    fixed = apply_text_edits(text, edits_of(action))
    replace_all(client, uri, 2, fixed)
    return fixed, await diagnostics_for(client, uri, version=2)


@pytest.mark.parametrize(
    ("fixture", "code", "title", "changed_line"),
    [
        ("pooling_too_deep.py", "negative-dimension", 'Use padding="same"',
         '    layers.Conv2D(128, 3, activation="relu", padding="same"),  # the map is 1x1 here'),
        ("pooling_too_deep.py", "negative-dimension", "Reduce kernel_size to 1",
         '    layers.Conv2D(128, 1, activation="relu"),  # the map is 1x1 here'),
        ("pool_too_large.py", "negative-dimension", "Reduce pool_size to (3, 3)",
         "        layers.MaxPooling2D(pool_size=(3, 3)),"),
        ("crop_too_much.py", "negative-dimension", "Reduce cropping to ((3, 3), (0, 0))",
         "    layers.Cropping2D(cropping=((3, 3), (0, 0))),"),
        ("dummy_input_rank.py", "input-mismatch", "Change the input's shape to (10, 32, 32, 3)",
         "batch = np.zeros((10, 32, 32, 3))"),
        ("strided_stem.py", "negative-dimension", "Reduce strides of Conv2D (line 7) to 3",
         '    layers.Conv2D(16, 3, strides=3, padding="same"),'),
    ],
)
async def test_fix_edits_one_argument_and_leaves_no_error(
    client: LanguageClient, fixture: str, code: str, title: str, changed_line: str
):
    text, uri, diagnostic, actions = await fixes_for_fixture(client, fixture, code)
    action = next((a for a in actions if a.title == title), None)
    assert action is not None, f"{title!r} not among {[a.title for a in actions]}"
    assert action.kind == types.CodeActionKind.QuickFix
    assert action.diagnostics == [diagnostic] or list(action.diagnostics) == [diagnostic]

    fixed, diagnostics = await apply_and_recheck(client, uri, text, action)

    assert errors(diagnostics) == []
    changed = [line for old, line in zip(text.splitlines(), fixed.splitlines()) if old != line]
    assert changed == [changed_line]


async def test_exactly_one_fix_is_preferred(client: LanguageClient):
    _, _, _, actions = await fixes_for_fixture(client, "pooling_too_deep.py", "negative-dimension")

    # the fix that leaves no new warning: padding="same" would keep a 3x3 window sliding over the 1x1 map
    assert [a.title for a in actions if a.is_preferred] == ["Reduce kernel_size to 1"]


async def test_rank_mismatch_after_flatten_offers_moving_and_removing_the_flatten(client: LanguageClient):
    text, uri, _, actions = await fixes_for_fixture(client, "conv_after_flatten.py", "rank-mismatch")
    assert [a.title for a in actions] == ["Move Flatten down to just before Dense", "Remove Flatten"]

    moved, diagnostics = await apply_and_recheck(client, uri, text, actions[0])

    assert errors(diagnostics) == []
    assert moved.splitlines()[6:9] == [
        '    layers.Conv2D(16, 3, activation="relu"),',
        '    layers.Conv2D(32, 3, activation="relu"),',
        "    layers.Flatten(),",
    ]


async def test_removing_the_flatten_leaves_no_error(client: LanguageClient):
    text, uri, _, actions = await fixes_for_fixture(client, "conv_after_flatten.py", "rank-mismatch")
    removal = next(a for a in actions if a.title == "Remove Flatten")

    fixed, diagnostics = await apply_and_recheck(client, uri, text, removal)

    assert errors(diagnostics) == []
    assert "layers.Flatten()" not in fixed


async def test_dense_on_a_feature_map_gets_a_flatten_and_its_import(client: LanguageClient):
    text, uri, _, actions = await fixes_for_fixture(client, "dense_on_feature_map.py", "dense-on-rank>2")
    assert [a.title for a in actions] == ["Insert Flatten before Dense"]

    fixed, diagnostics = await apply_and_recheck(client, uri, text, actions[0])

    assert diagnostics == []  # the warning is gone too
    assert "from keras.layers import Conv2D, Dense, Input, MaxPooling2D, Flatten" in fixed
    assert fixed.splitlines()[-2:] == ["model.add(Flatten())", 'model.add(Dense(10, activation="softmax"))']


async def test_no_fix_is_offered_when_none_survives_verification(client: LanguageClient):
    # A Dense before a MaxPooling2D: putting a Flatten in front of the Dense would break the
    # pooling layer after it, so no Flatten fix is offered for the warning.
    text, uri = fixture_text("emoji_columns.py"), uri_for("emoji_columns.py")
    open_document(client, uri, text)
    diagnostics = await diagnostics_for(client, uri, version=1)
    warning = next(d for d in diagnostics if d.code == "dense-on-rank>2")

    assert await code_actions(client, uri, warning) == []


async def test_add_shape_comments_source_action_writes_the_inlay_hints(client: LanguageClient):
    text, uri = fixture_text("valid_cnn.py"), uri_for("valid_cnn.py")
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.Source]),
        )
    )

    (action,) = actions
    assert action.title == "Add shape comments"
    commented = apply_text_edits(text, edits_of(action))
    assert 'x = layers.Conv2D(32, 3, activation="relu")(inputs)  # → (None, 62, 62, 32)' in commented
    assert "x = layers.Flatten()(x)  # → (None, 61504)" in commented
    assert commented.count("# →") == 5


async def test_fix_edits_carry_the_document_version(client: LanguageClient):
    _, uri, _, actions = await fixes_for_fixture(client, "pool_too_large.py", "negative-dimension")

    (change,) = actions[0].edit.document_changes
    assert change.text_document.uri == uri
    assert change.text_document.version == 1
