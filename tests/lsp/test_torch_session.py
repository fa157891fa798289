"""A PyTorch file over real JSON-RPC: diagnostics in torch's words, hovers on constructors and on
calls inside forward(), inlay hints, and every torch quick fix applied and then run by torch."""

from __future__ import annotations

import pytest
import torch
from lsp_session import (
    apply_text_edits,
    diagnostics_for,
    edits_of,
    errors,
    fixture_text,
    hover_text,
    open_document,
    position_of,
    replace_all,
    uri_for,
)
from lsprotocol import types
from pytest_lsp import LanguageClient
from test_quick_fixes import code_actions


def runs_in_torch(source: str) -> None:
    """Execute the fixed file with real torch: it must build and run its forward pass."""
    torch.manual_seed(0)
    with torch.no_grad():
        exec(compile(source, "<fixed>", "exec"), {"__name__": "__main__"})


async def test_linear_in_features_is_flagged_in_torch_words(client: LanguageClient) -> None:
    text, uri = fixture_text("torch_linear.py"), uri_for("torch_linear.py")
    open_document(client, uri, text)
    (diagnostic,) = errors(await diagnostics_for(client, uri, version=1))
    assert diagnostic.code == "linear-in-features"
    assert diagnostic.source == "shapelens"
    assert diagnostic.range.start == position_of(text, "nn.Linear(32 * 7 * 7")
    assert "mat1 and mat2 shapes cannot be multiplied (8x2048 and 1568x10)" in diagnostic.message
    with pytest.raises(RuntimeError, match=r"8x2048 and 1568x10"):
        runs_in_torch(text)


async def test_hover_on_a_layer_call_inside_forward(client: LanguageClient) -> None:
    text, uri = fixture_text("torch_linear.py"), uri_for("torch_linear.py")
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri),
                          position=position_of(text, "self.conv2(x)", offset=6))
    )
    card = hover_text(hover)
    assert "Conv2d" in card and "(8, 16, 16, 16)" in card and "(8, 32, 16, 16)" in card
    assert "4,640" in card or "4640" in card


async def test_hover_on_the_model_shows_its_summary(client: LanguageClient) -> None:
    text, uri = fixture_text("torch_linear.py"), uri_for("torch_linear.py")
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri),
                          position=position_of(text, "logits = model(", offset=10))
    )
    card = hover_text(hover)
    assert "MaxPool2d" in card and "(8, 32, 8, 8)" in card


async def test_inlay_hints_show_torch_shapes_with_the_example_batch(client: LanguageClient) -> None:
    text, uri = fixture_text("torch_channels.py"), uri_for("torch_channels.py")
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(text_document=types.TextDocumentIdentifier(uri=uri),
                              range=types.Range(start=types.Position(line=0, character=0),
                                                end=types.Position(line=6, character=0)))
    )
    labels = [hint.label if isinstance(hint.label, str) else "".join(p.value for p in hint.label) for hint in hints]
    assert any("(2, 32, 14, 14)" in label for label in labels), labels


@pytest.mark.parametrize(
    ("fixture", "code", "title", "changed"),
    [
        ("torch_linear.py", "linear-in-features", "Set in_features to 2048", "nn.Linear(2048, num_classes)"),
        ("torch_linear.py", "linear-in-features", "Use nn.LazyLinear (infers in_features)", "nn.LazyLinear(num_classes)"),
        ("torch_channels.py", "in-channels", "Set in_channels to 32", "nn.Conv2d(32, 64, 3)"),
        ("torch_batchnorm.py", "num-features", "Set num_features to 24", "nn.BatchNorm2d(24)"),
    ],
)
async def test_torch_quick_fix_is_verified_and_torch_runs_the_result(
    client: LanguageClient, fixture: str, code: str, title: str, changed: str
) -> None:
    text, uri = fixture_text(fixture), uri_for(fixture)
    open_document(client, uri, text)
    diagnostic = next(d for d in await diagnostics_for(client, uri, version=1) if d.code == code)
    with pytest.raises(RuntimeError):
        runs_in_torch(text)
    actions = await code_actions(client, uri, diagnostic)
    action = next((a for a in actions if a.title == title), None)
    assert action is not None, [a.title for a in actions]
    assert action.kind == types.CodeActionKind.QuickFix
    fixed = apply_text_edits(text, edits_of(action))
    assert changed in fixed
    replace_all(client, uri, 2, fixed)
    assert errors(await diagnostics_for(client, uri, version=2)) == []
    runs_in_torch(fixed)
