"""A notebook that imports its model from the project's models.py, over notebook sync: the
import resolves to models.py's source (read, never run), the error the model makes on the
notebook's data is shown at the call in the notebook's cell, and editing models.py re-checks
the open notebook."""

from __future__ import annotations

from pathlib import Path

import pytest_lsp
from lsp_session import CONFIG, configure, open_document, replace_all
from lsprotocol import types
from notebook_session import SyncedNotebook, code, mark, notebook_capabilities, wait_for_codes
from pytest_lsp import LanguageClient

MODELS = """import torch.nn as nn


class Net(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 3)
        self.fc = nn.Linear(8 * 26 * 26, num_classes)

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1))
"""
IMPORTS = "import torch\nfrom models import Net\n"
DATA = "model = Net()\nimages = torch.randn(16, 1, 32, 32)\nlogits = model(images)\n"


@pytest_lsp.fixture(config=CONFIG)
async def project_notebook(lsp_client: LanguageClient, tmp_path: Path):
    """A client with notebook sync whose workspace folder holds models.py."""
    (tmp_path / "models.py").write_text(MODELS, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'digits'\n", encoding="utf-8")
    lsp_client.folder = tmp_path  # type: ignore[attr-defined]
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=notebook_capabilities(),
        workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="digits")]))
    yield
    await lsp_client.shutdown_session()


async def test_a_notebook_uses_the_project_model_and_follows_its_edits(project_notebook: LanguageClient) -> None:
    client = project_notebook
    folder: Path = client.folder  # type: ignore[attr-defined]
    await configure(client, debounceMs=0)
    notebook = SyncedNotebook(client, str(folder / "train.ipynb")).open([code(IMPORTS), code(DATA)])
    # 32x32 images make 8 * 30 * 30 features, not the 8 * 26 * 26 that models.py's Linear expects
    (diagnostic,) = await wait_for_codes(client, notebook.uri_of(1), ["linear-in-features"])
    assert diagnostic.range.start == types.Position(line=2, character=9)  # `model(images)`, in the cell
    assert "models.py" in diagnostic.message and "7200" in diagnostic.message
    assert all(item.location.uri.startswith("file://") for item in diagnostic.related_information or ())

    # models.py is opened and fixed in the editor: the notebook is checked again and clears
    models_uri = (folder / "models.py").as_uri()
    open_document(client, models_uri, MODELS)
    before = mark(client)
    replace_all(client, models_uri, 2, MODELS.replace("8 * 26 * 26", "8 * 30 * 30"))
    assert await wait_for_codes(client, notebook.uri_of(1), [], after=before) == []
