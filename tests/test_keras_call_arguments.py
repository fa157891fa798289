"""Keyword arguments of a Keras layer *call* that change what it gives: ``MultiHeadAttention(...)(q, v,
return_attention_scores=True)`` returns (output, scores). Shapes are checked against Keras 3 itself,
symbolically and, where Keras' symbolic shape is not what runs, at run time."""

from __future__ import annotations

import os

import numpy as np
import pytest

from shapelens.analysis import analyze

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

CROSS_ATTENTION = '''
import keras
from keras import layers
target = keras.Input(shape=(18, 64))
source = keras.Input(shape=(25, 64))
context, weights = layers.MultiHeadAttention(num_heads=2, key_dim=16)(target, source, return_attention_scores=True)
model = keras.Model([target, source], [context, weights])
'''


def rows(source: str) -> dict[str, object]:
    (model,) = analyze(source).models
    return {layer.class_name: layer for layer in model.layers}


def test_scores_of_a_cross_attention_leave_the_key_axis_open_where_keras_builds_the_query_length() -> None:
    (layer,) = rows(CROSS_ATTENTION).values()
    assert layer.output_shape == ((None, 18, 64), (None, 2, 18, None))
    # Keras builds the scores as (None, 2, 18, 18), but the tensors it computes have the key's length
    namespace: dict = {}
    exec(compile(CROSS_ATTENTION, "<cross>", "exec"), namespace)  # noqa: S102 - the oracle runs the snippet
    built = namespace["weights"].shape
    ran = namespace["model"].predict([np.zeros((3, 18, 64)), np.zeros((3, 25, 64))], verbose=0)[1].shape
    assert tuple(built) == (None, 2, 18, 18) and ran == (3, 2, 18, 25)


def test_scores_of_a_self_attention_are_followed_by_the_layers_after_them() -> None:
    source = CROSS_ATTENTION.replace("(target, source, return", "(target, target, return").replace(
        "model = keras.Model([target, source], [context, weights])",
        "flat = layers.Flatten()(weights)\nmodel = keras.Model(target, layers.Dense(4)(flat))")
    found = rows(source)
    assert found["MultiHeadAttention"].output_shape == ((None, 18, 64), (None, 2, 18, 18))
    assert found["Flatten"].output_shape == (None, 648) and found["Dense"].params == 648 * 4 + 4


def test_a_flag_the_analysis_cannot_read_gives_no_shape_and_no_error() -> None:
    source = "import sys\n" + CROSS_ATTENTION.replace("return_attention_scores=True", 'return_attention_scores="-v" in sys.argv')
    report = analyze(source)
    assert report.error_count == 0
    (model,) = report.models
    assert all(layer.output_shape is None for layer in model.layers if layer.class_name == "MultiHeadAttention")
    assert model.total_params is None


def test_without_the_flag_the_call_gives_the_output_alone() -> None:
    source = CROSS_ATTENTION.replace(", return_attention_scores=True)", ")").replace(
        "context, weights =", "context =").replace("[context, weights]", "context")
    assert rows(source)["MultiHeadAttention"].output_shape == (None, 18, 64)
