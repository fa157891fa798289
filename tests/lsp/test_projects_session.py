"""A two-file project over real JSON-RPC: the training script imports its model from models.py.
Editing models.py re-checks the open train.py; the error the model makes on train.py's input is
shown in models.py and at the call in train.py; a hover on the model in train.py is its summary."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest_lsp
from lsp_session import CONFIG, diagnostics_for, errors, hover_text, open_document, position_of, replace_all, vscode_capabilities
from lsprotocol import types
from pytest_lsp import LanguageClient

PROJECT = Path(__file__).resolve().parent.parent / "fixtures" / "projects" / "torch_cifar_cnn"
FITS = "nn.Linear(64 * 8 * 8, 256)"
DOES_NOT_FIT = "nn.Linear(64 * 7 * 7, 256)"


@pytest_lsp.fixture(config=CONFIG)
async def project(lsp_client: LanguageClient, tmp_path: Path):
    """A client whose workspace folder is a copy of a two-file torch project."""
    for name in ("models.py", "train.py"):
        shutil.copy(PROJECT / name, tmp_path / name)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'cifar'\n", encoding="utf-8")
    lsp_client.folder = tmp_path  # type: ignore[attr-defined]
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=vscode_capabilities(),
        workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="cifar")]))
    yield
    await lsp_client.shutdown_session()


def published_since(client: LanguageClient, start: int, uri: str) -> list[types.PublishDiagnosticsParams]:
    return [p for p in client.published[start:] if p.uri == uri]  # type: ignore[attr-defined]


async def next_publication(client: LanguageClient, start: int, uri: str, where=lambda diagnostics: True) -> list[types.Diagnostic]:
    """The diagnostics of the first publication for ``uri`` after ``start`` that satisfies ``where``."""
    for _ in range(1000):
        for params in published_since(client, start, uri):
            if where(list(params.diagnostics)):
                return list(params.diagnostics)
        await asyncio.sleep(0.02)
    raise AssertionError(f"no such publication for {uri}")


async def test_editing_the_model_file_rechecks_the_script_that_imports_it(project: LanguageClient) -> None:
    client = project
    folder: Path = client.folder  # type: ignore[attr-defined]
    train, models = folder / "train.py", folder / "models.py"
    train_text, models_text = train.read_text(), models.read_text()
    open_document(client, train.as_uri(), train_text)
    assert errors(await diagnostics_for(client, train.as_uri(), version=1)) == []

    open_document(client, models.as_uri(), models_text)
    await diagnostics_for(client, models.as_uri(), version=1)
    start = len(client.published)  # type: ignore[attr-defined]
    replace_all(client, models.as_uri(), 2, models_text.replace(FITS, DOES_NOT_FIT))

    # train.py is checked again: its call of the model now fails inside models.py
    (at_call,) = errors(await next_publication(client, start, train.as_uri()))
    assert at_call.code == "linear-in-features"
    assert at_call.range.start == position_of(train_text, "model(images)")
    assert "models.py:18" in at_call.message
    # models.py shows the error on the layer, pointing back at the call in train.py
    def from_train(diagnostics: list[types.Diagnostic]) -> bool:
        return any(d.range.start == position_of(models_text, "nn.Linear(64") and
                   any(r.location.uri == train.as_uri() for r in d.related_information or ()) for d in errors(diagnostics))

    assert from_train(await next_publication(client, start, models.as_uri(), from_train))

    start = len(client.published)  # type: ignore[attr-defined]
    replace_all(client, models.as_uri(), 3, models_text)
    assert errors(await next_publication(client, start, train.as_uri())) == []


async def test_a_hover_on_the_imported_model_shows_its_summary(project: LanguageClient) -> None:
    client = project
    folder: Path = client.folder  # type: ignore[attr-defined]
    train = folder / "train.py"
    text = train.read_text()
    open_document(client, train.as_uri(), text)
    await diagnostics_for(client, train.as_uri(), version=1)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=train.as_uri()), position=position_of(text, "SimpleCNN(num", 3)))
    card = hover_text(hover)
    assert "Conv2d" in card and "Linear" in card and "(16, 10)" in card
