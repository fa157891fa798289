"""torchvision models over real JSON-RPC: the hover of a builder call shows the backbone's input,
output, parameters and where its layers come from; a replaced head is its own layer, checked in
torch's words."""

from __future__ import annotations

from pathlib import Path

from lsp_session import diagnostics_for, errors, hover_text, open_document, position_of
from lsprotocol import types
from pytest_lsp import LanguageClient

TORCH_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "torch"


def fixture(relative: str) -> tuple[str, str]:
    path = TORCH_FIXTURES / relative
    return path.read_text(encoding="utf-8"), path.as_uri()


async def hover_at(client: LanguageClient, uri: str, position: types.Position) -> str:
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    return hover_text(hover)


async def test_hover_on_the_builder_call_shows_the_resnet18_backbone(client: LanguageClient) -> None:
    text, uri = fixture("valid/finetune_resnet18_tutorial.py")
    open_document(client, uri, text)
    assert errors(await diagnostics_for(client, uri, version=1)) == []
    card = await hover_at(client, uri, position_of(text, "models.resnet18(", offset=9))
    assert "resnet18" in card
    assert "(4, 3, 224, 224)" in card and "(4, 512, 1, 1)" in card  # input → output of its layers
    assert "11,176,512" in card  # resnet18 without its fc (replaced below)
    assert "resnet18 backbone" in card


async def test_hover_on_the_replaced_head_shows_the_linear(client: LanguageClient) -> None:
    text, uri = fixture("valid/finetune_resnet18_tutorial.py")
    open_document(client, uri, text)
    await diagnostics_for(client, uri, version=1)
    card = await hover_at(client, uri, position_of(text, "nn.Linear(num_ftrs, 2)", offset=4))
    assert "Linear" in card and "(4, 512)" in card and "(4, 2)" in card and "1,026" in card
    assert "backbone" not in card


async def test_a_head_built_for_the_wrong_features_fails_at_its_line(client: LanguageClient) -> None:
    text, uri = fixture("broken/resnet50_head_wrong_features.py")
    open_document(client, uri, text)
    (diagnostic,) = errors(await diagnostics_for(client, uri, version=1))
    assert diagnostic.code == "linear-in-features"
    assert diagnostic.range.start == position_of(text, "nn.Linear(512, 10)")
    assert "mat1 and mat2 shapes cannot be multiplied (8x2048 and 512x10)" in diagnostic.message
