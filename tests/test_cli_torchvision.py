"""`shapelens check` on torchvision transfer learning: the backbone is one row at the builder
call, noted as such, with the head the script put in and the trainable counts of a frozen body."""

from __future__ import annotations

import json
import re

from test_cli import check

FINETUNE = "tests/fixtures/torch/valid/finetune_resnet18_tutorial.py"
FROZEN = "tests/fixtures/torch/valid/frozen_resnet50_feature_extractor.py"


def test_the_backbone_is_one_row_at_the_builder_call() -> None:
    result = check(FINETUNE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "model 'model_ft' (torch), input (4, 3, 224, 224)" in result.stdout
    assert re.search(r"^\s+11\s+resnet18\s+\(4, 512, 1, 1\)\s+11,176,512$", result.stdout, re.M), result.stdout
    assert re.search(r"^\s+14\s+Linear\s+\(4, 2\)\s+1,026$", result.stdout, re.M), result.stdout
    assert "Total params: 11,177,538" in result.stdout  # torchvision's resnet18 with a 2-class fc
    assert "note: resnet18 backbone" in result.stdout


def test_a_frozen_backbone_counts_as_non_trainable() -> None:
    result = check(FROZEN)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Total params: 24,560,711" in result.stdout
    assert "Trainable params: 1,052,679" in result.stdout  # the module's own head
    assert "Non-trainable params: 23,508,032" in result.stdout  # resnet50 without its fc


def test_json_gives_each_layer_its_trainable_count() -> None:
    result = check("--format", "json", FROZEN)
    (report,) = json.loads(result.stdout)
    (model,) = report["models"]
    rows = [(layer["class"], layer["params"], layer["trainable_params"]) for layer in model["layers"]]
    assert rows[0] == ("resnet50", 23508032, 0)
    assert rows[-1] == ("Linear", 3591, 3591)
