"""The engine's analysis time over the time of a bare ``ast.parse`` of the same text.

Both are timed in the same run, interleaved, and reported as medians, because the machines
here are shared and noisy. Each timing starts from a collected heap: otherwise the garbage an
analysis leaves is collected during the next ``ast.parse`` and flatters the ratio (by a third
on the 5,000-line file). No threshold is asserted: the figures are for people to read.
"""

from __future__ import annotations

import ast
import gc
import statistics
import time
from pathlib import Path
from typing import Callable

from shapelens.analysis import analyze

HEADER = '''"""Generated benchmark model file: data loading, Keras and torch models, training code."""
import os

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers
import torch
import torch.nn as nn
import torch.nn.functional as F

IMG = 32
EPOCHS = 10
'''

UNIT = '''

def load_images_{i}(path, size=IMG):
    images, labels = [], []
    for name in sorted(os.listdir(path)):
        image = plt.imread(os.path.join(path, name))
        images.append(np.resize(image, (size, size, 3)) / 255.0)
        labels.append(int(name.split("_")[0]))
    return np.stack(images), np.array(labels)


def conv_block_{i}(x, filters, strides=1):
    shortcut = x
    x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    if strides != 1:
        shortcut = layers.Conv2D(filters, 1, strides=strides)(shortcut)
    x = layers.Add()([x, shortcut])
    return layers.ReLU()(x)


def build_model_{i}(input_shape=(IMG, IMG, 3), classes=10):
    inputs = tf.keras.Input(shape=input_shape)
    x = layers.Conv2D(32, 3, padding="same")(inputs)
    for filters in [32, 64, 128]:
        x = conv_block_{i}(x, filters, strides=1 if filters == 32 else 2)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(classes, activation="softmax")(x)
    return tf.keras.Model(inputs, outputs)


class Net{i}(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc = nn.Linear(32 * (IMG // 4) * (IMG // 4), classes)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        return self.fc(x)


def train_{i}(model, loader, epochs=EPOCHS, lr=1e-3):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for epoch in range(epochs):
        total = 0.0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            total += loss.item()
        history.append(total / len(loader))
        print(f"epoch {{epoch}}: loss {{history[-1]:.4f}}")
    return history


model_{i} = build_model_{i}()
model_{i}.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
net_{i} = Net{i}()
logits_{i} = net_{i}(torch.randn(4, 3, IMG, IMG))
if __name__ == "__main__" and os.environ.get("TRAIN_{i}"):
    x_train, y_train = load_images_{i}("data/train")
    model_{i}.fit(x_train, y_train, epochs=EPOCHS, batch_size=32, validation_split=0.1)
    plt.plot(train_{i}(net_{i}, []))
    plt.savefig("history_{i}.png")
'''


def model_file(target_lines: int) -> str:
    """A script of about ``target_lines`` lines: units of data loading, models and training code."""
    parts = [HEADER]
    i = 0
    while sum(p.count("\n") for p in parts) + UNIT.count("\n") // 2 < target_lines:
        parts.append(UNIT.format(i=i))
        i += 1
    return "".join(parts)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(function: Callable[[], object]) -> float:
    gc.collect()  # not timed: nobody's garbage is collected on the other's clock
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def engine_figures(text: str, repeat: int) -> tuple[float, float, float]:
    parse_times, analysis_times = [], []
    analyze(text)  # warm caches and imports once
    for _ in range(repeat):
        parse_times.append(timed(lambda: ast.parse(text)))
        analysis_times.append(timed(lambda: analyze(text)))
    parse_ms, analysis_ms = median_ms(parse_times), median_ms(analysis_times)
    return parse_ms, analysis_ms, analysis_ms / parse_ms


def generated_files(folder: Path) -> list[Path]:
    """The generated 150-line and 5,000-line model scripts, written to ``folder``."""
    paths = []
    for lines in (150, 5000):
        path = folder / f"bench_{lines}_line.py"
        path.write_text(model_file(lines), encoding="utf-8")
        paths.append(path)
    return paths


def ratio_rows(paths: list[Path], repeat: int) -> list[tuple[str, int, int, float, float, float]]:
    """Per file: name, lines, models, ast.parse ms, analysis ms, ratio."""
    rows = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        report = analyze(text)
        parse_ms, analysis_ms, ratio = engine_figures(text, repeat)
        rows.append((path.name, len(text.splitlines()), len(report.models), parse_ms, analysis_ms, ratio))
    return rows


def table(rows: list[tuple[str, int, int, float, float, float]], name_width: int) -> list[str]:
    lines = [f"{'file':<{name_width}}{'lines':>7}{'models':>8}{'ast.parse ms':>14}{'analysis ms':>13}{'ratio':>8}"]
    lines += [
        f"{name:<{name_width}}{count:>7}{models:>8}{parse_ms:>14.2f}{analysis_ms:>13.2f}{ratio:>8.2f}"
        for name, count, models, parse_ms, analysis_ms, ratio in rows
    ]
    return lines
