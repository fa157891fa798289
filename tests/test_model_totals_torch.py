"""A model's total parameters against real torch 2.13.0: each module a helper, a loop or a
comprehension makes at one constructor call counts once (``sum(p.numel() for p in
model.parameters())``), a module applied twice counts once."""

from __future__ import annotations

import contextlib
import io
import runpy
import sys
from pathlib import Path

import pytest
import torch

from shapelens.analysis import analyze

pytestmark = pytest.mark.oracle

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "torch" / "valid"
# models whose layers come from helpers and loops (several layers at one constructor call)
NAMES = ["resnet_make_layer_blocks", "densenet_add_module", "modulelist_append_loop", "ordereddict_built_in_loop",
         "vgg_make_layers_star", "moduledict_heads"]


@pytest.mark.parametrize("name", NAMES)
def test_total_params_are_torch(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = FIXTURES / f"{name}.py"
    monkeypatch.setattr(sys, "argv", [str(path)])
    with contextlib.redirect_stdout(io.StringIO()):
        namespace = runpy.run_path(str(path), run_name="__main__")
    truth = {variable: sum(p.numel() for p in value.parameters())
             for variable, value in namespace.items() if isinstance(value, torch.nn.Module)}
    engine = {model.name: model.total_params for model in analyze(path.read_text(encoding="utf-8")).models}
    compared = sorted(set(truth) & set(engine))
    assert compared, (truth, engine)
    assert {n: engine[n] for n in compared} == {n: truth[n] for n in compared}
