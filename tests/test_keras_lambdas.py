"""A Lambda layer's function run on the layer's input, against Keras 3 building the same layer:
the engine gives Keras' output shape, or no shape (and no error after it) where the output has a
size only the backend's run decides."""

from __future__ import annotations

import os

import pytest

from shapelens.analysis import analyze

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

HEADER = "import keras\nfrom keras import layers, ops\n"

LAMBDAS = [  # (input shape without the batch, the Lambda's function as written)
    ((12, 16), "lambda t: t[:, 0]"),
    ((12, 16), "lambda t: t[:, -1, :]"),
    ((12, 16), "lambda t: ops.mean(t, axis=1)"),
    ((12, 16), "lambda t: ops.max(t, axis=-1, keepdims=True)"),
    ((12, 16), "lambda t: ops.expand_dims(t, -1)"),
    ((12, 16), "lambda t: ops.transpose(t, (0, 2, 1))"),
    ((12, 16), "lambda t: ops.reshape(t, (-1, 12 * 16))"),
    ((12, 16), "lambda t: ops.concatenate([t, t * 2.0], axis=-1)"),
    ((12, 16), "lambda t: ops.sum(t * t, axis=1)"),
    ((8,), "lambda v: ops.stack([v, v], axis=1)"),
    ((32, 32, 3), "lambda img: img[:, 4:-4, 4:-4, :]"),
    ((32, 32, 3), "lambda img: img / 127.5 - 1.0"),
    ((10, 16), "lambda t: ops.tile(t, [1, 2, 1])"),
    ((10, 16), "lambda t: ops.tile(t, [3])"),
    ((10, 16), "lambda t: ops.repeat(t, 2, axis=1)"),
    ((10, 16), "lambda t: ops.where(t > 0, t, ops.zeros_like(t))"),
    ((10, 16), "lambda t: ops.where(t > 0, 1.0, 0.0)"),
    ((10, 16), "lambda t: ops.pad(t, [[0, 0], [1, 2], [0, 0]])"),
    ((28, 28, 1), "lambda img: ops.pad(img, ((0, 0), (2, 2), (2, 2), (0, 0)), mode='reflect')"),
    ((10, 16), "lambda t: ops.einsum('bld,bmd->blm', t, t)"),
    ((10, 16), "lambda t: ops.einsum('...ld,de->...le', t, ops.ones((16, 4)))"),
    ((10, 16), "lambda t: ops.einsum('bld->bd', t)"),
    ((10, 16), "lambda t: ops.einsum('bij', t)"),
    ((4, 6, 8), "lambda t: ops.einsum('bhqd,bhkd->bhqk', t, t)"),
    ((10, 16), "lambda t: ops.take(t, [0, 2, 4], axis=1)"),
    ((10, 16), "lambda t: ops.take(t, 3, axis=-1)"),
    ((10, 16), "lambda t: ops.split(t, 2, axis=-1)[0]"),
    ((10, 16), "lambda t: ops.split(t, [3, 7], axis=1)[1]"),
    ((10, 16), "lambda t: ops.concatenate(ops.split(t, [4], axis=-1)[::-1], axis=-1)"),
    ((4, 16), "lambda t: ops.concatenate(ops.unstack(t, axis=1), axis=-1)"),
    ((8, 6), "lambda t: ops.take(t, ops.convert_to_tensor([1, 3]), axis=-1)"),
    ((8, 6), "lambda t: t * ops.convert_to_tensor([0.5, 1.0, 1.5, 2.0, 2.5, 3.0])"),
]


def keras_output(shape: tuple, function: str) -> tuple:
    namespace: dict = {}
    exec(HEADER, namespace)  # noqa: S102 - the oracle builds the layer
    layer = keras.layers.Lambda(eval(function, namespace))  # noqa: S307
    return tuple(layer(keras.Input(shape)).shape)


def engine_rows(shape: tuple, function: str) -> dict:
    source = HEADER + f"inputs = keras.Input(shape={shape!r})\nx = layers.Lambda({function})(inputs)\n" \
                      "out = layers.Dense(3)(x)\nmodel = keras.Model(inputs, out)\n"
    report = analyze(source)
    assert [d for d in report.diagnostics if d.severity == "error"] == []
    (model,) = report.models
    return {layer.class_name: layer for layer in model.layers}


@pytest.mark.parametrize("shape, function", LAMBDAS)
def test_the_lambda_has_the_shape_keras_builds(shape: tuple, function: str) -> None:
    expected = keras_output(shape, function)
    rows = engine_rows(shape, function)
    assert rows["Lambda"].output_shape == expected and rows["Lambda"].params == 0
    assert rows["Dense"].output_shape == (*expected[:-1], 3)


def test_a_size_only_the_run_decides_is_left_open_without_an_error_after_it() -> None:
    # `ops.shape(t)[0]` is the batch: the torch backend's run fills the -1 in, TensorFlow's graph
    # cannot (and the Dense after it then fails there); the engine gives no shape and no error
    function = "lambda t: ops.reshape(t, (ops.shape(t)[0], -1))"
    assert keras_output((12, 16), function) == (None, 192)
    rows = engine_rows((12, 16), function)
    assert rows["Lambda"].output_shape is None and "backend" in rows["Lambda"].unknown_reason
    assert rows["Dense"].output_shape is None


def test_a_function_the_analysis_cannot_follow_says_why() -> None:
    rows = engine_rows((12, 16), "lambda t: ops.top_k(t, 3)[0]")
    assert rows["Lambda"].output_shape is None and rows["Lambda"].unknown_reason
