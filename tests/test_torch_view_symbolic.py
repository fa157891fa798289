"""``x.view(x.size(0), -1)`` on a tensor whose sizes are symbols (a module with no example input
yet, as in a notebook before its data cell runs): the -1 is the product of the other sizes, as
torch infers it, never a size of -1 that the next Linear would reject."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from engine_json import dim_at, engine_json

LENET_WITHOUT_INPUT = """
import torch.nn as nn
import torch.nn.functional as F

class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(x.size(0), -1)
        return self.fc1(x)

model = LeNet()
"""


def flattened_by_torch(height: int, width: int) -> tuple[int, ...]:
    conv1, conv2 = torch.nn.Conv2d(1, 6, 5), torch.nn.Conv2d(6, 16, 5)
    x = F.max_pool2d(F.relu(conv1(torch.zeros(2, 1, height, width))), 2)
    x = F.max_pool2d(F.relu(conv2(x)), 2)
    return tuple(x.view(x.size(0), -1).shape)


def test_a_view_of_symbolic_sizes_keeps_the_batch_and_multiplies_the_rest() -> None:
    document = engine_json("lenet.py", LENET_WITHOUT_INPUT)
    assert document["diagnostics"] == []  # no input given: no false error on fc1
    [model] = document["models"]
    fc1 = next(layer for layer in model["layers"] if layer["class"] == "Linear")
    batch, features = fc1["input_shape"]
    for height, width in ((28, 28), (32, 32), (32, 48)):
        sizes = {"N": 2, "H": height, "W": width}
        assert (dim_at(batch, sizes), dim_at(features, sizes)) == flattened_by_torch(height, width)
