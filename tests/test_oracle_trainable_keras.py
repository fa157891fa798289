"""Trainable and non-trainable parameters against real Keras 3.

For every model a fixture binds to a top-level name, the engine's total and trainable counts (the
``Trainable params`` of its summary) must be Keras' own as the script leaves the model: frozen
pretrained backbones (``base.trainable = False``, a loop over ``base.layers``), BatchNormalization's
moving statistics, a Normalization layer's adapted statistics.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import keras
import numpy as np
import pytest

from oracle.corpus import FIXTURES_ROOT
from oracle.keras_truth import run_in_keras

pytestmark = pytest.mark.oracle

FIXTURES = [
    "valid/transfer_mobilenetv2_frozen.py",
    "valid/resnet50_fine_tune_base_output.py",
    "valid/efficientnetb0_in_sequential.py",
    "valid/vgg16_conv_base_flatten_head.py",
    "valid/inceptionv3_input_tensor.py",
    "valid/frozen_backbone_fit_on_arrays.py",
    "valid/mobilenet_like.py",
    "valid/resnet_blocks.py",
    "valid/tabular_normalization.py",
    "valid/frozen_embedding_bidirectional_text_classifier.py",
    "valid/gan_frozen_discriminator_combined.py",
    "valid/sequential_blocks_in_functional.py",
]

Counts = tuple[int, int]  # (total, trainable)


def _count(weights: list) -> int:
    return sum(int(np.prod(w.shape)) for w in weights)


@lru_cache(maxsize=None)
def keras_counts(name: str) -> dict[str, Counts]:
    path = (FIXTURES_ROOT / name).resolve()
    found: dict[str, Counts] = {}

    def read(namespace: dict) -> None:
        for variable, value in namespace.items():
            if isinstance(value, keras.Model) and value.built:
                found[variable] = (_count(value.weights), _count(value.trainable_weights))

    outcome = run_in_keras(path, path.read_text(encoding="utf-8"), then=read)
    assert outcome.failure is None, outcome.describe()
    return found


def engine_counts(name: str) -> dict[str, Counts]:
    """The counts of the engine's model summaries (``Total params`` / ``Trainable params``)."""
    from shapelens.analysis import analyze

    path = FIXTURES_ROOT / name
    counts = {}
    for model in analyze(path.read_text(encoding="utf-8")).models:
        assert model.total_params is not None and model.trainable_params is not None, f"{name}: {model.name}"
        counts[model.name] = (model.total_params, model.trainable_params)
    return counts


@pytest.mark.parametrize("name", FIXTURES, ids=lambda name: Path(name).stem)
def test_total_and_trainable_params_are_keras(name: str) -> None:
    truth, engine = keras_counts(name), engine_counts(name)
    compared = sorted(set(truth) & set(engine))
    assert compared, f"no model of {name} is known to both: Keras {sorted(truth)}, engine {sorted(engine)}"
    assert {n: engine[n] for n in compared} == {n: truth[n] for n in compared}


def test_a_frozen_backbone_and_moving_statistics_are_covered() -> None:
    # the cases above are not all trivially equal totals: some models train only part of their weights
    partly = [name for name in FIXTURES for total, trainable in keras_counts(name).values() if 0 < trainable < total]
    frozen = [name for name in FIXTURES for total, trainable in keras_counts(name).values() if trainable == 0 < total]
    assert len(set(partly)) >= 5 and len(set(frozen)) >= 3, (partly, frozen)
