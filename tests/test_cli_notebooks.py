"""`shapelens check` on Jupyter notebooks: `path.ipynb:cell N:line:col` text, JSON ranges that
carry their cell, folders searched for notebooks, and a clear note for what is not a notebook."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "tests" / "fixtures" / "notebooks"
UNET = "tests/fixtures/notebooks/keras/unet_odd_size_skip.ipynb"
CIFAR_LAB = "tests/fixtures/notebooks/keras/cifar_cnn_broken_cells.ipynb"


def check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shapelens", "check", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def cell_lines(notebook: str, index: int) -> list[str]:
    return "".join(json.loads((ROOT / notebook).read_text(encoding="utf-8"))["cells"][index]["source"]).split("\n")


def test_an_error_in_a_notebook_names_its_cell_as_jupyter_numbers_it() -> None:
    result = check(UNET)
    assert result.returncode == 1, result.stderr
    # Cell 7 counts the markdown cells too; line 2 and column 6 are within the cell.
    assert cell_lines(UNET, 6)[1].index("layers.Concatenate()") == 5
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{UNET}:cell 7:2:6: error[merge-mismatch] Concatenate(axis=-1) needs equal shapes"), first
    assert f"{UNET}:cell 7:12: model 'unet' (keras), input (None, 100, 100, 1)" in result.stdout
    # The table places every layer by cell:line, the helper's layers in the helper's cell.
    assert re.search(r"^\s+cell:line\s+Layer \(type\)", result.stdout, re.M)
    assert re.search(r"^\s+3:2\s+Conv2D\s+\(None, 100, 100, 16\)\s+160\s+conv_block\(inputs, 16\)$", result.stdout, re.M)
    assert re.search(r"^\s+7:2\s+Concatenate\s+error \(see above\)", result.stdout, re.M)
    assert result.stdout.rstrip().endswith("1 file(s), 1 model(s), 1 error(s), 0 other finding(s)")


def test_cells_that_do_not_parse_are_noted_and_the_rest_checked() -> None:
    result = check(CIFAR_LAB)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == [f"{CIFAR_LAB}:cell 7:1:21: note: cell not analysed: SyntaxError: expected ':'",
                         f"{CIFAR_LAB}:cell 12:2:9: note: cell not analysed: SyntaxError: '(' was never closed"]
    assert f"{CIFAR_LAB}:cell 9:1: model 'model' (keras), input (None, 32, 32, 3)" in lines
    assert "  Total params: 1,251,242" in lines


def test_json_ranges_carry_their_cell_and_lines_within_it() -> None:
    result = check("--format", "json", UNET, CIFAR_LAB)
    unet, lab = json.loads(result.stdout)
    assert set(unet) == {"path", "models", "diagnostics", "notes"}
    (diagnostic,) = unet["diagnostics"]
    assert diagnostic["code"] == "merge-mismatch"
    assert diagnostic["range"] == {"cell": 6, "start": {"line": 1, "character": 5}, "end": {"line": 1, "character": 25}}
    assert cell_lines(UNET, 6)[1][5:25] == "layers.Concatenate()"
    (model,) = unet["models"]
    assert model["range"]["cell"] == 6
    first_conv = model["layers"][0]
    call = 'layers.Conv2D(filters, 3, padding="same", activation="relu")'
    start = cell_lines(UNET, 2)[1].index(call)
    assert first_conv == {"class": "Conv2D",
                          "range": {"cell": 2, "start": {"line": 1, "character": start},
                                    "end": {"line": 1, "character": start + len(call)}},
                          "input_shape": [None, 100, 100, 1], "output_shape": [None, 100, 100, 16], "params": 160,
                          "trainable_params": 160, "unknown_reason": None}
    assert unet["notes"] == []
    ranges = [layer["range"] for m in unet["models"] + lab["models"] for layer in m["layers"]]
    assert ranges and all(set(r) == {"cell", "start", "end"} for r in ranges)
    assert lab["notes"] == [
        {"range": {"cell": 6, "start": {"line": 0, "character": 20}, "end": {"line": 0, "character": 20}},
         "message": "cell not analysed: SyntaxError: expected ':'"},
        {"range": {"cell": 11, "start": {"line": 1, "character": 8}, "end": {"line": 1, "character": 8}},
         "message": "cell not analysed: SyntaxError: '(' was never closed"},
    ]


def test_json_columns_in_a_cell_are_utf16(tmp_path: Path) -> None:
    notebook = tmp_path / "emoji.ipynb"
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# 🙂"},
             {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": 'import keras\nx = "🙂"; m = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])'}]
    notebook.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}), encoding="utf-8")
    layer = json.loads(check("--format", "json", str(notebook)).stdout)[0]["models"][0]["layers"][0]
    prefix = 'x = "🙂"; m = keras.Sequential([keras.Input(shape=(4,)), '
    assert layer["range"]["cell"] == 1
    assert layer["range"]["start"] == {"line": 1, "character": len(prefix.encode("utf-16-le")) // 2}


def test_a_folder_is_searched_for_notebooks_but_not_their_checkpoints(tmp_path: Path) -> None:
    shutil.copytree(NOTEBOOKS, tmp_path / "notebooks")
    checkpoints = tmp_path / "notebooks" / "keras" / ".ipynb_checkpoints"
    checkpoints.mkdir()
    shutil.copy(ROOT / UNET, checkpoints / "unet_odd_size_skip-checkpoint.ipynb")
    (tmp_path / "notebooks" / "script.py").write_text("import keras\n", encoding="utf-8")
    result = check("--format", "json", str(tmp_path / "notebooks"))
    checked = sorted(Path(report["path"]).relative_to(tmp_path / "notebooks").as_posix() for report in json.loads(result.stdout))
    assert checked == sorted([p.relative_to(NOTEBOOKS).as_posix() for p in NOTEBOOKS.rglob("*.ipynb")] + ["script.py"])


def test_what_is_not_a_notebook_gets_one_line_never_a_traceback(tmp_path: Path) -> None:
    files = {
        "empty.ipynb": b"",
        "truncated.ipynb": (ROOT / UNET).read_bytes()[:300],
        "old.ipynb": json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []}).encode(),
        "no_cells.ipynb": json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}}).encode(),
        "binary.ipynb": bytes(range(256)),
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    result = check(*(str(tmp_path / name) for name in files))
    assert result.returncode == 0 and result.stderr == ""
    notes = result.stdout.splitlines()[:-1]
    assert notes == [
        f"{tmp_path / 'empty.ipynb'}: note: not analysed: the file is empty",
        f"{tmp_path / 'truncated.ipynb'}: note: not analysed: not valid JSON (line 18, column 5: Unterminated string starting at)",
        f"{tmp_path / 'old.ipynb'}: note: not analysed: nbformat 3 notebooks are not read, only nbformat 4 "
        "(`jupyter nbconvert --to notebook` converts them)",
        f"{tmp_path / 'no_cells.ipynb'}: note: not analysed: not a Jupyter notebook: no \"cells\" list",
        f"{tmp_path / 'binary.ipynb'}: note: not analysed: the file is not UTF-8 text",
    ]
    report = json.loads(check("--format", "json", str(tmp_path / "old.ipynb")).stdout)[0]
    assert report["models"] == [] and report["notes"][0]["message"].startswith("not analysed: nbformat 3 notebooks")


def test_a_5_mb_notebook_full_of_outputs_is_checked(tmp_path: Path) -> None:
    raw = json.loads((ROOT / UNET).read_text(encoding="utf-8"))
    for cell in raw["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "display_data", "metadata": {},
                                "data": {"image/png": "iVBORw0KGgo" * 120_000, "text/plain": ["<Figure>"]}}]
    big = tmp_path / "big.ipynb"
    big.write_text(json.dumps(raw), encoding="utf-8")
    assert big.stat().st_size > 5_000_000
    started = time.perf_counter()
    result = check(str(big))
    elapsed = time.perf_counter() - started
    assert result.returncode == 1 and "error[merge-mismatch]" in result.stdout
    assert elapsed < 60, elapsed


def test_a_notebook_imports_its_model_from_the_project(tmp_path: Path) -> None:
    """``from models import Net`` in a notebook beside models.py: the model's layers are models.py's
    (``models.py:8`` in the table, ``"path"`` and a plain range in JSON), the error is shown in both."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'digits'\n", encoding="utf-8")
    (tmp_path / "models.py").write_text(
        "import torch.nn as nn\n\n\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.conv = nn.Conv2d(1, 8, 3)\n        self.fc = nn.Linear(8 * 26 * 26, 10)\n\n"
        "    def forward(self, x):\n        return self.fc(self.conv(x).flatten(1))\n", encoding="utf-8")
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Digits"]},
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": ["import torch\n", "from models import Net\n"]},
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": ["model = Net()\n", "logits = model(torch.randn(16, 1, 32, 32))\n"]}]
    notebook = tmp_path / "train.ipynb"
    notebook.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells}), encoding="utf-8")

    text = subprocess.run([sys.executable, "-m", "shapelens", "check", "train.ipynb"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert text.returncode == 1, text.stderr
    assert re.search(r"^train\.ipynb:cell 3:2:10: error\[linear-in-features\] Linear at models\.py:8", text.stdout, re.M)
    assert re.search(r"^models\.py:8:19: error\[linear-in-features\] Linear\(5408, 10\) receives 7200 features", text.stdout, re.M)
    assert re.search(r"^\s+models\.py:7\s+Conv2d\s+\(16, 8, 30, 30\)\s+80$", text.stdout, re.M)

    result = subprocess.run([sys.executable, "-m", "shapelens", "check", "--format", "json", "train.ipynb"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=300)
    (report,) = json.loads(result.stdout)
    (model,) = report["models"]
    assert model["range"]["cell"] == 2 and "path" not in model
    conv = model["layers"][0]
    assert conv["path"] == "models.py" and "cell" not in conv["range"]
    assert conv["range"]["start"] == {"line": 6, "character": 20}
    in_cell, in_models = sorted(report["diagnostics"], key=lambda d: "path" in d)
    assert in_cell["range"]["cell"] == 2 and in_models["path"] == "models.py" and "cell" not in in_models["range"]
