"""`shapelens check` on projects: models imported from the project's other files are analysed,
and what lives in another file carries that file (``file:line`` in the text, ``"path"`` in JSON)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LENET = "tests/fixtures/projects/torch_lenet_mnist_input"
SRC_LAYOUT = "tests/fixtures/projects/keras_src_layout"


def check(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shapelens", "check", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_a_project_folder_shows_the_error_in_the_model_file_and_at_the_call() -> None:
    result = check(LENET)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    # the call in train.py that hands LeNet its 28x28 input, named after the layer that fails
    assert f"{LENET}/train.py:11:14: error[linear-in-features] Linear at {LENET}/models.py:19 fails on what this " \
           f"call gives it: Linear(400, 120) receives 256 features (input (64, 256))" in result.stdout
    # and the layer itself, in models.py (once from train.py's analysis, once from models.py's own does not fail)
    at_layer = [line for line in lines if line.startswith(f"{LENET}/models.py:19:13: error[linear-in-features]")]
    assert at_layer == [f"{LENET}/models.py:19:13: error[linear-in-features] Linear(400, 120) receives 256 features "
                        f"(input (64, 256)); set in_features=256. torch fails with \"mat1 and mat2 shapes cannot be "
                        f"multiplied (64x256 and 400x120)\""]
    assert f"{LENET}/train.py:5: model 'model' (torch), input (64, 1, 28, 28)" in lines
    assert re.search(r"^\s+models\.py:13\s+Conv2d\s+\(64, 16, 8, 8\)\s+2,416$", result.stdout, re.M)
    assert re.search(r"^\s+models\.py:19\s+Linear\s+error \(see above\)", result.stdout, re.M)


def test_json_items_of_another_file_carry_its_path() -> None:
    result = check("--format", "json", f"{LENET}/train.py")
    assert result.returncode == 1
    (report,) = json.loads(result.stdout)
    assert report["path"] == f"{LENET}/train.py"
    (model,) = report["models"]
    assert "path" not in model  # `model = LeNet5(num_classes=10)` is in train.py
    assert {layer.get("path") for layer in model["layers"]} == {f"{LENET}/models.py"}
    assert model["layers"][0] == {
        "class": "Conv2d", "path": f"{LENET}/models.py",
        "range": {"start": {"line": 9, "character": 12}, "end": {"line": 9, "character": 42}},
        "input_shape": [64, 1, 28, 28], "output_shape": [64, 6, 24, 24], "params": 156, "trainable_params": 156,
        "unknown_reason": None,
    }
    at_call, at_layer = report["diagnostics"]
    assert set(at_call) == {"range", "severity", "code", "message", "fixes"}
    assert at_call["range"] == {"start": {"line": 10, "character": 13}, "end": {"line": 10, "character": 25}}  # `model(batch)`
    assert at_layer["path"] == f"{LENET}/models.py"
    assert at_layer["range"] == {"start": {"line": 18, "character": 12}, "end": {"line": 18, "character": 38}}
    assert at_call["code"] == at_layer["code"] == "linear-in-features"


def test_a_src_layout_resolves_from_its_pyproject_root() -> None:
    result = check("--format", "json", f"{SRC_LAYOUT}/scripts/train.py")
    assert result.returncode == 0, result.stdout + result.stderr
    (report,) = json.loads(result.stdout)
    (model,) = report["models"]
    assert model["path"] == "src/cifar_classifier/model.py"  # relative to the folder of pyproject.toml
    assert model["range"]["start"]["line"] == 22
    first = model["layers"][0]
    assert first["class"] == "Rescaling" and first["path"] == "src/cifar_classifier/model.py"
    conv = model["layers"][1]
    line = (ROOT / SRC_LAYOUT / "src/cifar_classifier/model.py").read_text().splitlines()[7]
    call = 'layers.Conv2D(filters, 3, padding="same", activation="relu")'
    assert conv["range"]["start"] == {"line": 7, "character": line.index(call)}
    assert [layer["output_shape"] for layer in model["layers"]][-1] == [None, 10]


def test_extra_paths_are_searched_and_only_with_the_option(tmp_path: Path) -> None:
    app = tmp_path / "app"
    lib = tmp_path / "shared"
    app.mkdir()
    lib.mkdir()
    (lib / "nets.py").write_text(
        "import torch.nn as nn\n\n\ndef mlp(n_in, n_out):\n"
        "    return nn.Sequential(nn.Linear(n_in, 32), nn.ReLU(), nn.Linear(32, n_out))\n", encoding="utf-8")
    (app / "train.py").write_text(
        "import torch\nfrom nets import mlp\n\nmodel = mlp(8, 2)\nout = model(torch.randn(4, 9))\n", encoding="utf-8")
    without = check("--format", "json", str(app / "train.py"))
    assert json.loads(without.stdout)[0]["models"] == []  # `nets` is then an unknown library
    with_path = check("--format", "json", "--extra-path", str(lib), str(app / "train.py"))
    (report,) = json.loads(with_path.stdout)
    assert with_path.returncode == 1
    assert [d["code"] for d in report["diagnostics"]] == ["input-mismatch"]
    assert report["diagnostics"][0]["range"]["start"]["line"] == 4  # the example input, in train.py
    assert report["models"][0]["path"] == "../shared/nets.py"
    assert check("--extra-path", str(tmp_path / "missing"), str(app / "train.py")).returncode == 2


def test_ranges_in_another_file_are_utf16_of_that_files_lines(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    (tmp_path / "heads.py").write_text(
        'from keras import layers\n\n\ndef head(x):\n'
        '    x = layers.Dense(8, name="😀")(x); return layers.Dense(2)(x)\n', encoding="utf-8")
    (tmp_path / "train.py").write_text(
        "import keras\nfrom heads import head\n\ninputs = keras.Input(shape=(4,))\n"
        "model = keras.Model(inputs, head(inputs))\n", encoding="utf-8")
    (report,) = json.loads(check("--format", "json", str(tmp_path / "train.py")).stdout)
    second = report["models"][0]["layers"][1]
    assert second["path"] == "heads.py"
    prefix = '    x = layers.Dense(8, name="😀")(x); return '
    assert second["range"]["start"] == {"line": 4, "character": len(prefix.encode("utf-16-le")) // 2}
    assert len(prefix.encode("utf-16-le")) // 2 == len(prefix) + 1
