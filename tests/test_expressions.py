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
