"""``keras.applications`` builders in the engine: every import path makes the backbone, one row at
its builder call; sizes the program leaves open stay open or symbolic; what the engine cannot see
(inner layers, a partial freeze) is unknown with the reason. The shapes and counts themselves are
held to Keras by tests/test_oracle_keras.py (fixtures ``*backbone*``, ``transfer_*``, ...) and
tests/test_backbones_keras.py."""

from __future__ import annotations

import textwrap

import pytest

from shapelens.analysis import AnalysisOptions, analyze, keras_setup
from shapelens.analysis.report import Model, Report
from shapelens.analysis.symbolic import Sym

KERAS3 = AnalysisOptions(keras_setup("3"))
KERAS2 = AnalysisOptions(keras_setup("2"))

# Keras 3.15.1: MobileNetV2(include_top=False) at 96x96: (None, 3, 3, 1280), 2,257,984 params
# (34,112 of them BatchNormalization's moving statistics)
MOBILENETV2 = ((None, 3, 3, 1280), 2257984, 34112)


def run(source: str, options: AnalysisOptions = KERAS3) -> Report:
    return analyze(textwrap.dedent(source), options)


def model(report: Report, name: str) -> Model:
    (found,) = [m for m in report.models if m.name == name]
    return found


@pytest.mark.parametrize("imports, call", [
    ("import keras", "keras.applications.MobileNetV2"),
    ("import tensorflow as tf", "tf.keras.applications.MobileNetV2"),
    ("import keras", "keras.applications.mobilenet_v2.MobileNetV2"),
    ("from tensorflow.keras.applications import MobileNetV2", "MobileNetV2"),
    ("from keras.applications.mobilenet_v2 import MobileNetV2", "MobileNetV2"),
    ("from tensorflow import keras", "keras.applications.MobileNetV2"),
    ("from keras import applications", "applications.MobileNetV2"),
    ("import tensorflow as tf", "tf.keras.applications.mobilenet_v2.MobileNetV2"),
])
def test_every_import_path_makes_the_backbone(imports: str, call: str) -> None:
    report = run(f"{imports}\nbase = {call}(input_shape=(96, 96, 3), include_top=False)\n")
    (layer,) = model(report, "base").layers
    assert (layer.class_name, layer.output_shape, layer.params, layer.non_trainable) == ("MobileNetV2", *MOBILENETV2)
    assert report.diagnostics == ()


def test_sequential_add_and_list_collapse_it_to_one_row() -> None:
    report = run("""
        import keras
        from keras import layers
        base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False)
        listed = keras.Sequential([base, layers.GlobalAveragePooling2D(), layers.Dense(10)])
        added = keras.Sequential()
        added.add(base)
        added.add(layers.Flatten())
    """)
    assert [(l.class_name, l.output_shape) for l in model(report, "listed").layers] == [
        ("MobileNetV2", (None, 3, 3, 1280)), ("GlobalAveragePooling2D", (None, 1280)), ("Dense", (None, 10))]
    assert [(l.class_name, l.output_shape) for l in model(report, "added").layers] == [
        ("MobileNetV2", (None, 3, 3, 1280)), ("Flatten", (None, 11520))]


def test_its_attributes_are_its_graph_ends() -> None:
    report = run("""
        import keras
        from keras import layers
        base = keras.applications.ResNet50(include_top=False, input_shape=(128, 128, 3))
        assert base.input_shape == (None, 128, 128, 3)
        x = layers.Dense(8)(base.outputs[0])
        head = keras.Model(base.inputs, x)
        flat = layers.Reshape((base.output_shape[1] * base.output_shape[2], 2048))(base.output)
        seq = keras.Model(base.input, flat)
    """)
    assert model(report, "head").layers[-1].output_shape == (None, 4, 4, 8)
    assert model(report, "seq").layers[-1].output_shape == (None, 16, 2048)


def test_sizes_left_open_stay_open_and_parameters_stay_symbolic() -> None:
    report = run("""
        import keras
        from keras import layers

        open_base = keras.applications.VGG16(include_top=False, input_shape=(None, None, 3))

        def build(size):
            base = keras.applications.ResNet50V2(include_top=False, input_shape=(size, size, 3), weights=None)
            return keras.Model(base.input, layers.GlobalAveragePooling2D()(base.output))
    """)
    # VGG16's five poolings floor: on open sizes H and W (named after its input) the output is H//32
    opened = model(report, "open_base").layers[0].output_shape
    assert opened[0] is None and [str(d) for d in opened[1:3]] == ["H//32", "W//32"] and opened[3] == 512
    (symbolic,) = [m for m in report.models if m.name == "base in build(size)"]
    output = symbolic.layers[0].output_shape
    assert all(isinstance(d, Sym) for d in output[1:3]) and output[3] == 2048
    assert [str(c.text) for c in symbolic.requires] != []  # the smallest input ResNet50V2 takes, on the symbols


def test_a_partial_freeze_or_an_unfollowed_listing_leaves_the_split_unknown() -> None:
    report = run("""
        import keras
        base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False)
        for layer in base.layers[:100]:
            layer.trainable = False
    """)
    (layer,) = model(report, "base").layers
    assert layer.params == MOBILENETV2[1] and layer.non_trainable is None
    assert any("`.trainable` is set on some of its inner layers (`base.layers[...]`, line 4)" in note for note in layer.notes)
    frozen = run("""
        import keras
        base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False)
        for layer in base.layers:
            layer.trainable = False
    """)
    assert model(frozen, "base").layers[0].non_trainable == MOBILENETV2[1]


def test_inner_layers_are_unknown_with_the_reason() -> None:
    report = run("""
        import keras
        from keras import layers
        base = keras.applications.MobileNetV2(input_shape=(128, 128, 3), include_top=False)
        skip = base.get_layer("block_13_expand_relu").output
        up = layers.UpSampling2D()(base.output)
        merged = layers.Concatenate()([up, skip])
        unet = keras.Model(base.input, merged)
        base.summary()
    """)
    merged = model(report, "unet").layers[-1]
    assert merged.output_shape is None
    assert "the inner layers of the MobileNetV2 backbone (`base.get_layer('block_13_expand_relu')`) are not listed" \
        in merged.unknown_reason
    assert [d for d in report.diagnostics if d.severity == "error"] == []


def test_regnet_exists_only_in_keras2() -> None:
    source = "import keras\nbase = keras.applications.RegNetX002(include_top=False)\n"
    (error,) = run(source).diagnostics
    assert error.severity == "error" and "Keras 3 has no `keras.applications.RegNetX002`" in error.message
    keras2 = run(source, KERAS2)
    assert keras2.diagnostics == ()
    (layer,) = model(keras2, "base").layers
    assert layer.output_shape is None and "RegNetX002 (a Keras 2 builder) is not modelled" in layer.unknown_reason


def test_keras2_reruns_a_backbone_on_other_sizes_where_keras3_refuses() -> None:
    source = """
        import keras
        base = keras.applications.ResNet50(include_top=False, input_shape=(224, 224, 3))
        inputs = keras.Input(shape=(160, 160, 3))
        features = base(inputs)
        head = keras.Model(inputs, features)
    """
    (error,) = run(source).diagnostics
    assert error.code == "input-mismatch" and "expected shape=(None, 224, 224, 3), found shape=(None, 160, 160, 3)" \
        in error.message
    keras2 = run(source, KERAS2)
    assert keras2.diagnostics == ()
    assert [l.output_shape for l in model(keras2, "head").layers] == [(None, 5, 5, 2048)]
