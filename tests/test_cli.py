"""`shapelens check`: compiler-style text, the JSON contract, and exit statuses 0 / 1 / 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shapelens", "check", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)


def test_a_valid_model_exits_0_with_its_shape_table() -> None:
    result = check("examples/mnist_cnn.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "model 'model' (keras), input (None, 28, 28, 1)" in result.stdout
    assert re.search(r"MaxPooling2D\s+\(None, 13, 13, 32\)\s+0", result.stdout)
    assert "Total params: 34,826" in result.stdout


def test_an_error_exits_1_and_reads_like_a_compiler_message() -> None:
    result = check("examples/two_branch_merge.py")
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert re.match(r"examples/two_branch_merge\.py:7:10: error\[merge-mismatch\] Concatenate", first), first
    assert "A `Concatenate` layer requires inputs with matching shapes" in first
    assert re.search(r"Concatenate\s+error \(see above\)", result.stdout)


def test_a_folder_is_searched_for_python_files() -> None:
    result = check("examples")
    assert result.returncode == 1
    checked = {Path(p).name for p in re.findall(r"^(\S+\.py):\d+: model", result.stdout, re.M)}
    assert checked == {p.name for p in EXAMPLES.glob("*.py")}


def test_bad_usage_exits_2() -> None:
    assert check().returncode == 2
    missing = check("no/such/file.py")
    assert missing.returncode == 2
    assert "no such file or directory" in missing.stderr


def test_json_follows_the_contract() -> None:
    result = check("--format", "json", "examples/torch_cnn.py", "examples/mnist_cnn.py")
    assert result.returncode == 1
    files = json.loads(result.stdout)
    assert [Path(f["path"]).name for f in files] == ["torch_cnn.py", "mnist_cnn.py"]
    for report in files:
        assert set(report) == {"path", "models", "diagnostics"}
        for model in report["models"]:
            assert set(model) == {"name", "framework", "range", "layers", "input_shape", "total_params",
                                  "trainable_params", "symbols", "requires"}
            for layer in model["layers"]:
                assert set(layer) == {"class", "range", "input_shape", "output_shape", "params", "trainable_params",
                                      "unknown_reason"}
        for diagnostic in report["diagnostics"]:
            assert set(diagnostic) == {"range", "severity", "code", "message", "fixes"}
    torch_report, keras_report = files
    assert keras_report["diagnostics"] == []
    conv = keras_report["models"][0]["layers"][0]
    line = (EXAMPLES / "mnist_cnn.py").read_text().splitlines()[10]
    call = 'layers.Conv2D(32, kernel_size=(3, 3), activation="relu")'
    start = line.index(call)
    assert conv == {"class": "Conv2D",
                    "range": {"start": {"line": 10, "character": start}, "end": {"line": 10, "character": start + len(call)}},
                    "input_shape": [None, 28, 28, 1], "output_shape": [None, 26, 26, 32], "params": 320,
                    "trainable_params": 320, "unknown_reason": None}
    linear = next(d for d in torch_report["diagnostics"] if d["code"] == "linear-in-features")
    assert linear["severity"] == "error"
    assert linear["range"]["start"] == {"line": 17, "character": 18}
    assert torch_report["models"][0]["framework"] == "torch"
    assert torch_report["models"][0]["layers"][0]["output_shape"] == [8, 16, 32, 32]


def test_json_gives_model_totals_and_why_a_shape_is_unknown(tmp_path: Path) -> None:
    script = tmp_path / "frozen_base.py"
    script.write_text(
        "import sys\n"
        "from tensorflow import keras\n"
        "from tensorflow.keras import layers\n"
        "inputs = keras.Input(shape=(32, 32, 3))\n"
        "x = layers.Conv2D(8, 3)(inputs)\n"
        "x = layers.BatchNormalization()(x)\n"
        "x = layers.Flatten()(x)\n"
        "model = keras.Model(inputs, layers.Dense(10)(x))\n"
        "loose = keras.Sequential([layers.Dense(4), layers.Dense(int(sys.argv[1]))])\n", encoding="utf-8")
    (report,) = json.loads(check("--format", "json", str(script)).stdout)
    known, loose = report["models"]
    # Conv2D 3*3*3*8+8 = 224, BatchNormalization 4*8 = 32 (16 of them moving statistics), Dense 7200*10+10
    assert (known["input_shape"], known["total_params"], known["trainable_params"]) == ([None, 32, 32, 3], 72266, 72250)
    assert all(layer["unknown_reason"] is None for layer in known["layers"])
    # no input: sized by a symbol; the second layer's units come from the command line
    assert loose["input_shape"] == [None, "F"] and loose["total_params"] is None
    first, second = loose["layers"]
    assert (first["params"], first["unknown_reason"]) == ("4*F+4", None)
    assert second["output_shape"] is None and "argument `units` of Dense is not a constant" in second["unknown_reason"]


def test_columns_in_json_are_utf16(tmp_path: Path) -> None:
    source = tmp_path / "emoji.py"
    source.write_text('import keras\nx = "🙂"; m = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])\n',
                      encoding="utf-8")
    result = check("--format", "json", str(source))
    layer = json.loads(result.stdout)[0]["models"][0]["layers"][0]
    prefix = 'x = "🙂"; m = keras.Sequential([keras.Input(shape=(4,)), '
    assert layer["range"]["start"]["character"] == len(prefix.encode("utf-16-le")) // 2


def test_a_file_that_does_not_parse_is_noted_not_fatal(tmp_path: Path) -> None:
    broken = tmp_path / "half_typed.py"
    broken.write_text("import keras\nmodel = keras.Sequential([\n    keras.layers.Dense(\n", encoding="utf-8")
    binary = tmp_path / "blob.py"
    binary.write_bytes(b"\x00\xff\xfe binary")
    result = check(str(broken), str(binary))
    assert result.returncode == 0
    assert "half_typed.py: note: not analysed" in result.stdout
    assert "blob.py: note: not analysed" in result.stdout


def test_notes_say_where_assumed_sizes_come_from() -> None:
    result = check("tests/fixtures/lsp/configured_cnn.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "model 'model' (keras), input (None, 64, 64, 3)" in result.stdout
    assert "  note: `--img-size` = 64: from argparse default (the script run with no command-line arguments)" in result.stdout
    assert "  note: `image_data_format()` = 'channels_last': Keras' default channels_last" in result.stdout
    assert "model 'features' (keras), input (16, 8)" in result.stdout
    assert "  note: input (16, 8): the first batch (16 rows) of the data given to `features.fit(...)` at line 27" \
           in result.stdout


def test_a_pretrained_backbone_is_one_row_with_its_trainable_split() -> None:
    # Keras 3.15.1 (tests/test_oracle_keras.py): VGG16(include_top=False) on 150x150 has 14,714,688
    # parameters and gives (None, 4, 4, 512); frozen, only the Dense head trains
    result = check("tests/fixtures/keras/valid/vgg16_conv_base_flatten_head.py")
    assert result.returncode == 0, result.stdout + result.stderr
    model = result.stdout[result.stdout.index("model 'model' (keras)"):]
    assert re.search(r"\n\s+7  VGG16\s+\(None, 4, 4, 512\)\s+14,714,688\n\s+11  Flatten\s+\(None, 8192\)\s+0\n", model), model
    assert "  Total params: 16,812,353\n  Trainable params: 2,097,665\n  Non-trainable params: 14,714,688\n" in model
    assert "  note: VGG16 backbone from keras.applications (weights='imagenet'): known by its input, output and " \
           "parameter counts; its inner layers are not listed" in model


def test_a_builder_keras_refuses_is_an_error_at_its_call_in_keras_words() -> None:
    result = check("tests/fixtures/keras/broken/imagenet_weights_with_ten_classes.py")
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("tests/fixtures/keras/broken/imagenet_weights_with_ten_classes.py:4:9: error[invalid-argument]"), first
    # Keras 3.15.1's ValueError, as tests/test_oracle_keras.py sees it raised
    assert "ValueError: If using `weights='imagenet'` with `include_top=True`, `classes` should be 1000.  " \
           "Received classes=10" in first
