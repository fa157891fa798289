"""Control flow the interpreter cannot decide, and loops that do no model work."""

from __future__ import annotations

import ast

from shapelens.analysis import analyze, frameworks
from shapelens.analysis.interpreter import Interpreter

SKIP_SWITCHED_AT_RUN_TIME = '''
import os
import keras
from keras import layers

def block(x, filters):
    y = layers.Conv2D(filters, 3, padding="same")(x)
    if os.environ.get("USE_SKIP") == "1":
        y = layers.Add()([x, y])
    return layers.Activation("relu")(y)

inputs = keras.Input(shape=(32, 32, 32))
outputs = layers.Dense(10)(layers.GlobalAveragePooling2D()(block(inputs, 64)))
model = keras.Model(inputs, outputs)
'''


def test_a_merge_only_on_an_undecided_path_is_a_warning_naming_the_condition() -> None:
    report = analyze(SKIP_SWITCHED_AT_RUN_TIME)
    assert report.error_count == 0
    (warning,) = [d for d in report.diagnostics if d.code == "merge-mismatch"]
    assert warning.severity == "warning"
    assert '`os.environ.get("USE_SKIP") == "1"`' in warning.message
    # the path that runs (no Add) goes on with its shapes
    shapes = {layer.class_name: layer.output_shape for layer in report.models[0].layers}
    assert shapes["Activation"] == (None, 32, 32, 64)
    assert shapes["Dense"] == (None, 10)


def test_an_error_on_every_path_stays_an_error() -> None:
    source = SKIP_SWITCHED_AT_RUN_TIME.replace(
        'return layers.Activation("relu")(y)', 'return layers.Add()([x, layers.Activation("relu")(y)])')
    report = analyze(source)
    errors = [d for d in report.diagnostics if d.severity == "error"]
    assert [d.code for d in errors] == ["merge-mismatch"]
    assert errors[0].span.start_line == 9


def test_a_conditional_expression_is_an_undecided_path_too() -> None:
    source = '''
import sys
import torch.nn as nn
head = nn.Linear(64, 10) if len(sys.argv) > 1 else nn.Linear(128, 10)
net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 128), nn.ReLU(), head)  # shapelens: input=(N, 3, 8, 8)
'''
    report = analyze(source)
    assert report.error_count == 0


def statements_interpreted(source: str) -> int:
    budget = 1_000_000
    interpreter = Interpreter(ast.parse(source), tuple(source.splitlines()), frameworks(), budget)
    interpreter.run()
    return budget - interpreter.budget


TRAINING_LOOP = '''
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
losses = []
for epoch in range(30):
    total = 0.0
    for step in range(500):
        x = torch.randn(8, 20)
        loss = model(x).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += 1.0
    losses.append(total / 500)
'''


def test_a_training_loop_is_not_unrolled_step_by_step() -> None:
    # unrolled, it would take 30 * 500 * 7 statements; the model is still checked on its input
    assert statements_interpreted(TRAINING_LOOP) < 200
    (model,) = analyze(TRAINING_LOOP).models
    assert [layer.output_shape for layer in model.layers] == [(8, 64), (8, 64), (8, 2)]


def test_a_loop_that_builds_layers_is_unrolled() -> None:
    source = '''
import keras
from keras import layers
inputs = keras.Input(shape=(64, 64, 3))
x = inputs
for filters in [16, 32, 64, 128]:
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.MaxPooling2D()(x)
model = keras.Model(inputs, x)
'''
    (model,) = analyze(source).models
    assert model.layers[-1].output_shape == (None, 4, 4, 128)


def test_a_cheap_quiet_loop_is_still_followed_exactly() -> None:
    source = '''
import keras
from keras import layers
units = 8
for _ in range(5):
    units *= 2
model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(units)])
'''
    (model,) = analyze(source).models
    assert model.layers[0].output_shape == (None, 256)
