"""Total and trainable parameter counts of torchvision transfer learning, against real torch.

For every valid fixture that builds a ``torchvision.models`` model or freezes parameters, torch runs the script
(weights stubbed: ``oracle_torch/builders.py``) and then counts the parameters of the model the
engine reports, all of them and those with ``requires_grad``: the engine's ``Total params`` and
``Trainable params`` must be those numbers.
"""

from __future__ import annotations

import re

import pytest

from oracle_torch.corpus import Fixture, valid_fixtures
from oracle_torch.torch_truth import run_in_torch
from shapelens.analysis import analyze

pytestmark = pytest.mark.oracle

TORCHVISION_FIXTURES = [f for f in valid_fixtures()
                        if re.search(r"^(import|from) torchvision\b", f.source, re.M)
                        or re.search(r"requires_grad ?= ?False", f.source)]


def test_some_fixtures_freeze_a_backbone() -> None:
    assert len([f for f in TORCHVISION_FIXTURES if "requires_grad = False" in f.source]) >= 2


@pytest.mark.parametrize("fixture", TORCHVISION_FIXTURES, ids=lambda f: f.name)
def test_total_and_trainable_counts_are_torch(fixture: Fixture) -> None:
    report = analyze(fixture.source, path=str(fixture.path))
    models = [model for model in report.models if model.name.isidentifier()]  # (not `model.features`)
    assert models
    counts: dict[str, tuple[int, int]] = {}

    def count(namespace: dict) -> None:
        for model in models:
            parameters = list(namespace[model.name].parameters())
            counts[model.name] = (sum(p.numel() for p in parameters), sum(p.numel() for p in parameters if p.requires_grad))

    outcome = run_in_torch(fixture, then=count)
    assert outcome.failure is None
    assert {model.name: (model.total_params, model.trainable_params) for model in models} == counts
