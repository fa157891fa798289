"""Subclassed Keras models and custom layers, torch containers, and the Python the interpreter
follows for them (``super()``, class attributes, f-strings, ``getattr``), beyond what the oracle
fixtures show. Where a claim is about Keras, the test asks Keras."""

from __future__ import annotations

import contextlib
import io
import warnings

import keras
import numpy as np
import pytest

from shapelens.analysis import analyze

SUBCLASSED_CLASSIFIER = '''
import numpy as np
import keras
from keras import layers


class Classifier(keras.Model):
    def __init__(self):
        super().__init__()
        self.conv = layers.Conv2D(8, 3, activation="relu")
        self.pool = layers.MaxPooling2D()
        self.flatten = layers.Flatten()
        self.head = layers.Dense(5)

    def call(self, x):
        return self.head(self.flatten(self.pool(self.conv(x))))


model = Classifier()
scores = model(np.zeros((4, 12, 12, 3)))
'''


def run_in_keras(source: str) -> dict:
    namespace: dict = {"__name__": "__main__"}
    keras.backend.clear_session()
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        exec(compile(source, "<fixture>", "exec"), namespace)
    return namespace


def test_a_subclassed_model_is_a_model_whose_summary_counts_what_keras_counts() -> None:
    report = analyze(SUBCLASSED_CLASSIFIER)
    (model,) = report.models
    assert model.name == "model" and model.framework == "keras"
    assert [layer.class_name for layer in model.layers] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    assert model.layers[-1].output_shape == (4, 5)
    assert model.input_shape == (4, 12, 12, 3)
    keras_model = run_in_keras(SUBCLASSED_CLASSIFIER)["model"]
    assert model.total_params == keras_model.count_params()
    # the hover on the model's name is its summary
    line = SUBCLASSED_CLASSIFIER.splitlines().index("model = Classifier()")
    assert report.model_at(line, 1) is model


SEEDED = '''
import keras
from keras import layers


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.rnn = layers.LSTM(8)
        self.head = layers.Dense(3)

    def call(self, x):
        return self.head(self.rnn(x))


net = Net()
'''


def test_with_no_input_the_model_runs_on_the_rank_its_first_layer_implies() -> None:
    report = analyze(SEEDED)
    (model,) = report.models
    assert model.name == "net"
    assert [str(d) if d is not None else None for d in model.input_shape] == [None, "L", "F"]  # symbols: #11
    assert [(layer.class_name, layer.output_shape) for layer in model.layers] == [("LSTM", (None, 8)), ("Dense", (None, 3))]
    assert report.error_count == 0
    # Keras gives those shapes for any sequence input, with the batch it is given
    model_class = run_in_keras(SEEDED.replace("net = Net()", ""))["Net"]
    for shape in ((2, 5, 3), (1, 9, 7)):
        assert tuple(model_class()(np.zeros(shape)).shape) == (shape[0], 3)


def test_with_no_input_an_error_every_input_meets_is_still_found() -> None:
    source = SEEDED.replace("self.head = layers.Dense(3)", "self.head = layers.Conv1D(3, 2)")
    report = analyze(source)
    errors = [d for d in report.diagnostics if d.severity == "error"]
    assert [(d.code, d.span.start_line + 1) for d in errors] == [("rank-mismatch", 10)]  # the Conv1D, 1-based
    model_class = run_in_keras(source.replace("net = Net()", ""))["Net"]
    for shape in ((2, 5, 3), (1, 9, 7)):
        with pytest.raises(ValueError, match="expected min_ndim=3, found ndim=2"):
            model_class()(np.zeros(shape))


BUILT_FLAG = '''
import numpy as np
import keras
from keras import layers


class Probe(layers.Layer):
    def build(self, input_shape):
        self.during_build = 1 if self.built else 0
        self.proj = layers.Dense(4)

    def call(self, x):
        if self.built and self.during_build == 0:
            return self.proj(x)
        return x


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.probe = Probe()

    def call(self, x):
        return self.probe(x)


model = Net()
out = model(np.zeros((2, 6)))
'''


def test_self_built_is_false_inside_build_and_true_once_it_returned() -> None:
    namespace = run_in_keras(BUILT_FLAG)
    assert tuple(namespace["out"].shape) == (2, 4)
    (model,) = analyze(BUILT_FLAG).models
    assert [(layer.class_name, layer.output_shape) for layer in model.layers] == [("Dense", (2, 4))]


def test_a_model_class_the_file_never_instantiates_is_listed_with_its_defaults() -> None:
    source = SEEDED.replace("net = Net()", "")
    (model,) = analyze(source).models
    assert model.name == "net"  # Keras' default name of a `Net`
    assert [layer.class_name for layer in model.layers] == ["LSTM", "Dense"]


def test_a_custom_layer_owning_weights_is_one_row_with_its_own_weights() -> None:
    source = '''
import keras
from keras import layers, ops


class Scale(layers.Layer):
    def __init__(self, units):
        super().__init__()
        self.proj = layers.Dense(units)

    def build(self, input_shape):
        self.gamma = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        self.offset = self.add_weight(initializer="zeros")

    def call(self, x):
        return self.proj(x * self.gamma + self.offset)


inputs = keras.Input(shape=(10, 6))
outputs = Scale(3)(inputs)
model = keras.Model(inputs, outputs)
'''
    (model,) = analyze(source).models
    rows = [(layer.class_name, layer.output_shape, layer.params) for layer in model.layers]
    assert rows == [("Dense", (None, 10, 3), 21), ("Scale", (None, 10, 3), 7)]
    keras_model = run_in_keras(source)["model"]
    assert model.total_params == keras_model.count_params()


def test_a_custom_layer_called_on_something_unknown_keeps_the_chain_going_without_errors() -> None:
    source = '''
import keras
from keras import layers


class Block(layers.Layer):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(8)

    def call(self, x):
        return self.dense(x)


inputs = keras.Input(shape=(4,))
x = Block()(load_features(inputs))
outputs = layers.Dense(2)(x)
model = keras.Model(inputs, outputs)
'''
    report = analyze(source)
    assert report.error_count == 0


PYTHON_FORMS = '''
from collections import OrderedDict
import torch
import torch.nn as nn


class Base(nn.Module):
    width = 8

    def __init__(self, depth):
        super().__init__()
        self.depth = depth


class Net(Base):
    expansion = 2

    def __init__(self):
        super().__init__(3)
        layers = OrderedDict()
        for i in range(self.depth):
            layers[f"fc_{i:02d}"] = nn.Linear(self.width * (i + 1), self.width * (i + 2))
        self.body = nn.Sequential(layers)
        setattr(self, "head%d" % 1, nn.Linear(self.width * 4, Net.expansion))
        self.table = {name: len(name) for name in ("a", "bb")}

    def forward(self, x):
        x = self.body[:2](x)
        x = self.body.fc_02(x)
        return getattr(self, "head1")(x)


net = Net()
y = net(torch.randn(5, 8))
'''


def test_super_class_attributes_fstrings_percent_format_and_getattr_are_followed() -> None:
    (model,) = analyze(PYTHON_FORMS).models
    rows = [(layer.class_name, layer.output_shape) for layer in model.layers]
    assert rows == [("Linear", (5, 16)), ("Linear", (5, 24)), ("Linear", (5, 32)), ("Linear", (5, 2))]
    assert analyze(PYTHON_FORMS).error_count == 0
    # torch agrees
    namespace: dict = {"__name__": "__main__"}
    exec(compile(PYTHON_FORMS, "<fixture>", "exec"), namespace)
    assert tuple(namespace["y"].shape) == (5, 2)


def test_container_subclasses_iterate_index_and_run_like_torch() -> None:
    source = '''
import torch
import torch.nn as nn


class Stack(nn.ModuleList):
    def __init__(self, widths):
        super().__init__([nn.Linear(a, b) for a, b in zip(widths, widths[1:])])

    def forward(self, x):
        for i, layer in enumerate(self):
            x = layer(x)
        return x


class Heads(nn.ModuleDict):
    def __init__(self):
        super().__init__({"a": nn.Linear(16, 2)})
        self.update({"b": nn.Linear(16, 3)})


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stack = Stack([4, 8, 16])
        self.heads = Heads()
        self.extra = nn.Sequential()
        self.extra.append(nn.Linear(16, 16))

    def forward(self, x):
        x = self.extra(self.stack(x))
        return self.heads["a"](x), self.heads["b"](x), len(self.stack)


net = Net()
outputs = net(torch.randn(3, 4))
'''
    report = analyze(source)
    (model,) = report.models
    assert [layer.output_shape for layer in model.layers] == [(3, 8), (3, 16), (3, 16), (3, 2), (3, 3)]
    namespace: dict = {"__name__": "__main__"}
    exec(compile(source, "<fixture>", "exec"), namespace)
    assert [tuple(t.shape) for t in namespace["outputs"][:2]] == [(3, 2), (3, 3)]


def test_a_model_with_several_outputs_used_as_a_layer_gives_each_output() -> None:
    """The keras-io VAE: ``z_mean, z_log_var, z = self.encoder(data)`` unpacks the encoder's three
    outputs, so the decoder after it is followed, and the wrapper's total is Keras' own."""
    import runpy
    from pathlib import Path

    path = Path(__file__).resolve().parent / "fixtures" / "keras" / "valid" / "vae_sampling_subclass.py"
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        namespace = runpy.run_path(str(path))
    models = {model.name: model for model in analyze(path.read_text(encoding="utf-8")).models}
    encoder_row = models["vae"].layers[0]
    assert encoder_row.output_shape == ((None, 2), (None, 2), (None, 2))
    assert models["vae"].total_params == namespace["vae"].count_params()
