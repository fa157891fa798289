"""Expressions whose value the analysis mostly does not need, but whose calls it must still follow."""

from __future__ import annotations

from shapelens.analysis import analyze

LOGGED_CALL = '''
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 5)

    def forward(self, x):
        return self.fc(x)


net = Net()
loss = compute_loss()
print(f"loss {loss:.3f}, output {net(torch.randn(2, 7)).shape}")
'''


def test_a_call_in_an_f_string_after_an_unknown_value_is_still_checked() -> None:
    # torch: "mat1 and mat2 shapes cannot be multiplied (2x7 and 10x5)"
    report = analyze(LOGGED_CALL)
    (error,) = [d for d in report.diagnostics if d.severity == "error"]
    assert error.span.start_line == LOGGED_CALL.splitlines().index('print(f"loss {loss:.3f}, output {net(torch.randn(2, 7)).shape}")')
    assert "7 features" in error.message


NAMED_IN_A_LOOP = '''
import torch
import torch.nn as nn


class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        for i in range(2):
            setattr(self, f"fc{i!s}_{i:02d}", nn.Linear(8, 8))

    def forward(self, x):
        x = getattr(self, f"fc{0!s}_{0:02d}")(x)
        return getattr(self, f"fc{1}_{1:02d}")(x)


out = Stack()(torch.randn(4, 8))
'''


def test_an_f_string_of_known_values_is_the_string_with_its_conversions_and_formats() -> None:
    (model,) = analyze(NAMED_IN_A_LOOP).models
    assert [layer.output_shape for layer in model.layers] == [(4, 8), (4, 8)]


def test_list_methods_change_the_list_as_python_does() -> None:
    source = '''
import keras
from keras import layers
widths = [8, 16, 32, 64]
last = widths.pop()
widths.remove(8)
reversed_widths = widths.copy()
reversed_widths.reverse()
spare = [1, 2]
spare.clear()
model = keras.Sequential([keras.Input((8,)), layers.Dense(last), layers.Dense(len(widths)),
                          layers.Dense(reversed_widths[0]), layers.Dense(len(spare) + 3),
                          layers.Dense(widths.index(32) + 1)])
'''
    (model,) = analyze(source).models
    # what Python gives: 64, [16, 32], [32, 16], [], and a method the analysis does not follow
    assert [layer.output_shape for layer in model.layers] == [(None, 64), (None, 2), (None, 32), (None, 3), None]
    assert "the result of `.index(...)`" in model.layers[-1].unknown_reason
