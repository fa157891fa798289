"""`shapelens check --format json` on models whose input the file does not fix: the symbolic
strings, the ``symbols`` and the ``requires`` of the JSON contract, pinned."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from engine_json import dim_at

ROOT = Path(__file__).resolve().parent.parent
SYMBOLIC = "tests/fixtures/symbolic"


def check_json(path: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "shapelens", "check", "--format", "json", path],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    (report,) = json.loads(result.stdout)
    assert report["diagnostics"] == []
    return report


def layer_rows(model: dict) -> list[tuple]:
    return [(layer["range"]["start"]["line"] + 1, layer["class"], layer["output_shape"], layer["params"]) for layer in model["layers"]]


def test_a_keras_builder_with_required_parameters() -> None:
    (model,) = check_json(f"{SYMBOLIC}/keras/build_model_cnn.py")["models"]
    assert model["name"] == "functional in build_model(input_shape, num_classes)"
    open_input = "(the shape of the keras.Input at line 7 is left open)"
    assert model["symbols"] == {
        "C": f"input channels {open_input}",
        "H": f"input height {open_input}",
        "W": f"input width {open_input}",
        "num_classes": "parameter `num_classes` of build_model()",
    }
    assert model["requires"] == ["H >= 10", "W >= 10"]
    flat = "64*(((H-4)//2-3)//2)*(((W-4)//2-3)//2)+64*(((H-4)//2-3)//2)+64*(((W-4)//2-3)//2)+64"
    assert model["layers"][0]["input_shape"] == [None, "H", "W", "C"]
    assert layer_rows(model) == [
        (8, "Conv2D", [None, "H-2", "W-2", 32], "288*C+32"),
        (9, "MaxPooling2D", [None, "(H-4)//2+1", "(W-4)//2+1", 32], 0),
        (10, "Conv2D", [None, "(H-4)//2-1", "(W-4)//2-1", 64], 18496),
        (11, "MaxPooling2D", [None, "((H-4)//2-3)//2+1", "((W-4)//2-3)//2+1", 64], 0),
        (12, "Flatten", [None, flat], 0),
        (13, "Dropout", [None, flat], 0),
        (14, "Dense", [None, "num_classes"],
         "64*num_classes*(((H-4)//2-3)//2)*(((W-4)//2-3)//2)+64*num_classes*(((H-4)//2-3)//2)"
         "+64*num_classes*(((W-4)//2-3)//2)+65*num_classes"),
    ]
    # the keras.io MNIST convnet: 28x28x1 images, 10 classes, 1600 features into the Dense
    mnist = {"H": 28, "W": 28, "C": 1, "num_classes": 10}
    assert dim_at(flat, mnist) == 1600 and dim_at(model["layers"][-1]["params"], mnist) == 16010


def test_a_torch_module_nobody_builds_with_the_equation_its_linear_puts_on_the_sizes() -> None:
    (model,) = check_json(f"{SYMBOLIC}/torch/lenet_cifar_never_built.py")["models"]
    assert model["name"] == "Net"
    assert model["symbols"] == {
        "H": "input height (no input is given to `Net`)",
        "N": "batch size (no input is given to `Net`)",
        "W": "input width (no input is given to `Net`)",
    }
    features = "16*(((H-6)//2-5)//2)*(((W-6)//2-5)//2)+16*(((H-6)//2-5)//2)+16*(((W-6)//2-5)//2)+16"
    assert model["requires"] == ["H >= 16", "W >= 16", f"{features} == 400"]
    assert model["layers"][0]["input_shape"] == ["N", 3, "H", "W"]
    assert model["layers"][4]["input_shape"] == ["N", features]
    assert layer_rows(model) == [
        (11, "Conv2d", ["N", 6, "H-4", "W-4"], 456),
        (12, "MaxPool2d", ["N", 6, "(H-6)//2+1", "(W-6)//2+1"], 0),
        (13, "Conv2d", ["N", 16, "(H-6)//2-3", "(W-6)//2-3"], 2416),
        (12, "MaxPool2d", ["N", 16, "((H-6)//2-5)//2+1", "((W-6)//2-5)//2+1"], 0),
        (14, "Linear", ["N", 120], 48120),
        (15, "Linear", ["N", 84], 10164),
        (16, "Linear", ["N", 10], 850),
    ]
    assert eval(model["requires"][2], {}, {"H": 32, "W": 32}) and not eval(model["requires"][2], {}, {"H": 36, "W": 32})  # noqa: S307


def test_a_keras_input_with_none_sizes_and_its_smallest_input() -> None:
    (model,) = check_json(f"{SYMBOLIC}/keras/fcn_any_size.py")["models"]
    assert model["symbols"] == {"H": "input height (keras.Input at line 6)", "W": "input width (keras.Input at line 6)"}
    assert model["requires"] == ["H >= 76", "W >= 76"]
    assert model["layers"][0]["input_shape"] == [None, "H", "W", 3]
    assert model["layers"][-2]["output_shape"] == [None, "((((H-6)//2-5)//2-5)//2-5)//2+1", "((((W-6)//2-5)//2-5)//2-5)//2+1", 1]
