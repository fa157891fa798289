"""Which Keras the analysed code runs with: detection from installed distributions, the setting
that overrides it, the file's own imports, and where the assumption is shown."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from shapelens.analysis import AnalysisOptions, analysis_options, analyze, keras_setup
from shapelens.analysis.keras.version import keras_roots
from shapelens.lsp.options import ServerOptions, options_from_settings
from shapelens.render import model_summary

ROOT = Path(__file__).resolve().parent.parent


def installed(**versions: str):
    """A ``find_version`` for an environment with these distributions (``tf_keras`` is ``tf-keras``)."""
    names = {name.replace("_", "-"): version for name, version in versions.items()}
    return lambda distribution: names.get(distribution)


@pytest.mark.parametrize("environment, environ, through_keras, through_tf", [
    ({"keras": "3.15.1", "tensorflow": "2.21.0"}, {}, {3}, {3}),
    ({"keras": "3.15.1", "tensorflow_cpu": "2.21.0", "tf_keras": "2.21.0"}, {"TF_USE_LEGACY_KERAS": "1"}, {3}, {2}),
    ({"keras": "3.15.1", "tensorflow": "2.16.1", "tf_keras": "2.16.0"}, {"TF_USE_LEGACY_KERAS": "True"}, {3}, {2}),
    ({"keras": "3.15.1", "tensorflow": "2.21.0"}, {"TF_USE_LEGACY_KERAS": "1"}, {3}, {2, 3}),  # no tf-keras to route to
    ({"keras": "3.15.1", "tensorflow": "2.21.0"}, {"TF_USE_LEGACY_KERAS": "0"}, {3}, {3}),
    ({"keras": "2.15.0", "tensorflow": "2.15.1"}, {}, {2}, {2}),
    ({"keras": "2.12.0", "tensorflow_macos": "2.12.0"}, {}, {2}, {2}),
    ({"tensorflow": "2.13.0rc1"}, {}, {2, 3}, {2}),
    ({"keras": "3.8.0"}, {}, {3}, {2, 3}),  # tf.keras cannot run without TensorFlow
    ({"tensorflow": "2.18.0"}, {}, {2, 3}, {2, 3}),
    ({}, {}, {2, 3}, {2, 3}),
])
def test_detection_reads_the_installed_versions(environment, environ, through_keras, through_tf) -> None:
    setup = keras_setup("auto", find_version=installed(**environment), environ=environ)
    assert setup.keras.majors == through_keras
    assert setup.tensorflow.majors == through_tf


def test_the_setting_overrides_what_is_installed() -> None:
    for setting, major in (("2", 2), ("3", 3)):
        setup = keras_setup(setting, find_version=installed(keras="2.15.0", tensorflow="2.15.0"), environ={})
        assert setup.keras.majors == setup.tensorflow.majors == {major}
        assert f"shapelens.kerasVersion is {setting}" in setup.keras.describe()


def test_the_reasons_name_what_was_found() -> None:
    setup = keras_setup("auto", find_version=installed(keras="3.15.1", tensorflow_cpu="2.21.0"), environ={})
    assert setup.keras.describe() == "Keras 3 semantics (keras 3.15.1 installed)"
    assert setup.tensorflow.describe() == "Keras 3 semantics (tensorflow-cpu 2.21.0 with keras 3.15.1)"
    nothing = keras_setup("auto", find_version=installed(), environ={})
    assert nothing.keras.describe().startswith("Keras 2 or 3, not known (keras is not installed)")


def test_auto_reads_this_interpreters_metadata() -> None:
    from importlib.metadata import version

    assert analysis_options("auto").keras_version.keras.describe() == f"Keras 3 semantics (keras {version('keras')} installed)"


@pytest.mark.parametrize("source, roots", [
    ("import keras\n", {"keras"}),
    ("from keras import layers\n", {"keras"}),
    ("import tf_keras as keras\n", {"tf_keras"}),
    ("from tensorflow import keras\n", {"tensorflow"}),
    ("from tensorflow.keras.layers import Dense\n", {"tensorflow"}),
    ("import tensorflow as tf\nm = tf.keras.Sequential()\n", {"tensorflow"}),
    ("import tensorflow as tf\nx = tf.zeros((2, 3))\n", set()),
    ("import tensorflow as tf\nimport keras\nm = keras.Sequential()\n", {"keras"}),
    ("import torch\n", set()),
    ("import tensorflow as tf\nx = tf.zeros((2, 3))  # not tf.keras\n", set()),
    ("try:\n    import tf_keras as keras\nexcept ImportError:\n    from tensorflow import keras\n", {"tf_keras", "tensorflow"}),
    ("def build():\n    from keras import layers\n    return layers.Dense(3)\n", {"keras"}),
])
def test_a_file_runs_with_the_keras_of_the_roots_it_imports(source: str, roots: set) -> None:
    assert keras_roots(ast.parse(source)) == roots
    assert keras_roots(ast.parse(source), source.splitlines()) == roots  # the text search for `tf.keras`


AVERAGE_POOLING = """\
{imports}
model = keras.Sequential([
    keras.layers.Conv1D(8, 3, input_shape=(32, 1)),
    keras.layers.AveragePooling1D(),
    keras.layers.Flatten(),
    keras.layers.Dense(1),
])
"""


def diagnostics(source: str, options: AnalysisOptions) -> list[tuple[str, str]]:
    return [(d.severity, d.code) for d in analyze(source, options).diagnostics]


def test_one_file_under_each_assumption() -> None:
    source = AVERAGE_POOLING.format(imports="from tensorflow import keras")
    mixed = AnalysisOptions(keras_setup("auto", find_version=installed(keras="3.15.1", tensorflow="2.21.0",
                                                                        tf_keras="2.21.0"),
                                        environ={"TF_USE_LEGACY_KERAS": "1"}))
    assert diagnostics(source, mixed) == []  # tf.keras is tf_keras here
    assert diagnostics(source, AnalysisOptions(keras_setup("3"))) == [("error", "invalid-argument")]
    assert diagnostics(source, AnalysisOptions(keras_setup("2"))) == []
    unknown = analyze(source, AnalysisOptions(keras_setup("auto", find_version=installed(), environ={})))
    (warning,) = unknown.diagnostics
    assert warning.severity == "warning"
    assert warning.message.startswith("Keras 3 rejects this, Keras 2 accepts it (which Keras runs this code is not known)")
    # the shapes are Keras 2's: the layer Keras 3 rejects is no error, so the model goes on
    assert unknown.models[0].layers[-1].output_shape == (None, 1)
    assert analyze(source).diagnostics == analyze(source, AnalysisOptions(keras_setup("3"))).diagnostics


def test_tf_keras_is_keras2_whatever_the_setting() -> None:
    source = AVERAGE_POOLING.format(imports="import tf_keras as keras")
    for setting in ("2", "3"):
        report = analyze(source, AnalysisOptions(keras_setup(setting)))
        assert report.diagnostics == ()
        assert report.models[0].assumptions == "Keras 2 semantics (tf_keras is Keras 2)"


def test_the_model_hover_says_which_keras_was_assumed() -> None:
    source = AVERAGE_POOLING.format(imports="import keras")
    options = AnalysisOptions(keras_setup("auto", find_version=installed(keras="3.15.1"), environ={}))
    (model,) = analyze(source, options).models
    assert model.assumptions == "Keras 3 semantics (keras 3.15.1 installed)"
    assert model_summary(model).splitlines()[-1] == "Keras 3 semantics (keras 3.15.1 installed)"


def test_a_quick_fix_is_verified_under_the_same_assumption() -> None:
    from shapelens.fixes import fixes_for

    source = AVERAGE_POOLING.format(imports="from tensorflow import keras").replace(
        "AveragePooling1D()", "MaxPooling1D(64)")
    for setting in ("2", "3"):
        report = analyze(source, AnalysisOptions(keras_setup(setting)))
        (error,) = report.diagnostics
        assert report.options.keras_version.keras.majors == {int(setting)}
        assert fixes_for(source, report, error), setting


@pytest.mark.parametrize("settings, expected", [
    ({}, "auto"),
    ({"kerasVersion": "2"}, "2"),
    ({"shapelens": {"kerasVersion": 3}}, "3"),
    ({"kerasVersion": "2.15"}, "auto"),
    ({"kerasVersion": True}, "auto"),
])
def test_the_server_reads_the_setting(settings: dict, expected: str) -> None:
    options = options_from_settings(settings)
    assert options.keras_version == expected
    assert f"kerasVersion={expected}" in options.describe()


def test_the_server_options_give_the_analysis_its_assumption() -> None:
    assert ServerOptions(keras_version="2").analysis().keras_version.keras.majors == {2}
    assert options_from_settings({"kerasVersion": "bogus"}, ServerOptions(keras_version="3")).keras_version == "3"


def test_the_cli_flag(tmp_path: Path) -> None:
    script = tmp_path / "legacy.py"
    script.write_text(AVERAGE_POOLING.format(imports="from tensorflow import keras"), encoding="utf-8")

    def check(*flags: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "shapelens", "check", *flags, str(script)], capture_output=True,
                              text=True, cwd=ROOT, timeout=120)

    keras3 = check("--keras-version", "3")
    assert keras3.returncode == 1 and "error[invalid-argument]" in keras3.stdout
    keras2 = check("--keras-version", "2")
    assert keras2.returncode == 0, keras2.stdout
    assert "Keras 2 semantics (shapelens.kerasVersion is 2)" in keras2.stdout
    assert check("--keras-version", "4").returncode == 2


OPEN_SIZE = '''
from tensorflow import keras
from tensorflow.keras import layers


def build(img_size):
    inputs = keras.Input(shape=(img_size, img_size, 3))
    x = layers.Conv2D(16, 3)(inputs)
    x = layers.Reshape(({side}, {side}, 16))(x)
    return keras.Model(inputs, layers.Flatten()(x))
'''


def test_an_unknown_version_keeps_the_size_conditions_both_versions_state() -> None:
    unknown = AnalysisOptions(keras_setup("auto", find_version=installed(), environ={}))
    fitting = OPEN_SIZE.format(side=7)
    for options in (unknown, AnalysisOptions(keras_setup("3")), AnalysisOptions(keras_setup("2"))):
        (model,) = analyze(fitting, options).models
        assert [condition.python for condition in model.requires] == ["img_size >= 3", "16*img_size*img_size-64*img_size+64 == 784"]
    # no input size fits: an error whatever the version, as each version alone says
    never = OPEN_SIZE.replace("16))(x)", "15))(x)").format(side=10)
    for options in (unknown, AnalysisOptions(keras_setup("3"))):
        assert diagnostics(never, options) == [("error", "reshape-size")]
