"""What a ``torchvision.models`` builder call does besides the architecture, held to torchvision
0.28.0: the weights enums and what pretrained weights fix, the stem that checks an input's
channels, and the engine's answers for calls made as people make them (``weights="DEFAULT"``,
``pretrained=True``, another ``num_classes`` with weights, a grayscale input).

The library side is ``oracle_backbones/torch_builder_probe.py`` (models on the meta device,
weight loading stubbed: nothing is downloaded), cached in ``.cache/backbones``.
"""

from __future__ import annotations

from typing import Any, Optional

import pytest

from oracle_backbones.prefetch import prefetch
from oracle_backbones.torch_builder_probe import probe
from shapelens.analysis import analyze
from shapelens.analysis.report import Model, Report
from shapelens.analysis.torch import torchvision_data, torchvision_models

pytestmark = pytest.mark.oracle

BUILDERS = torchvision_models.builder_names()
STEM_SIZE = {"inception_v3": 299}


def stem_size(builder: str) -> int:
    return STEM_SIZE.get(builder, 224)


@pytest.fixture(scope="module", autouse=True)
def library_calls() -> None:
    calls = [((name, "weights"), {}) for name in BUILDERS]
    calls += [((name, "stem"), {"size": stem_size(name)}) for name in BUILDERS]
    calls += [((name, "build"), {"kwargs": kwargs, "size": size}) for name, kwargs, size, _ in BUILD_CASES + REFUSED]
    calls += [((name, "build"), {"kwargs": {}, "size": size}) for name, size in VIT_SIZES]
    prefetch("oracle_backbones.torch_builder_probe", calls)


def report_of(source: str) -> Report:
    return analyze(source, path="/tmp/torchvision_case.py")


def only_model(report: Report) -> Model:
    (model,) = report.models
    return model


def error_texts(report: Report) -> list[str]:
    return [d.message for d in report.diagnostics if d.severity == "error"]


# --- the generated tables are the library's ---------------------------------------------------


@pytest.mark.parametrize("builder", BUILDERS)
def test_weights_table_is_the_library(builder: str) -> None:
    result = probe(builder, "weights")
    members = {member: (classes, tuple(size)) for member, (classes, size) in result["members"].items()}
    assert torchvision_data.WEIGHTS[builder] == (result["enum"], members, result["default"], result.get("legacy"))
    if result.get("legacy") is None:
        assert result["legacy_error"] == ["ValueError", f"No weights available for model {builder}"]


@pytest.mark.parametrize("builder", BUILDERS)
def test_stem_table_is_the_library(builder: str) -> None:
    result = probe(builder, "stem", size=stem_size(builder))
    assert torchvision_data.STEMS[builder] == (tuple(result["weight"]), result["groups"])


# --- the engine says what torch says ----------------------------------------------------------


@pytest.mark.parametrize("builder", BUILDERS)
def test_a_one_channel_input_fails_in_torch_words(builder: str) -> None:
    size = stem_size(builder)
    torch_says = probe(builder, "stem", size=size)["one_channel"]
    assert torch_says is not None and torch_says[0] == "RuntimeError"
    report = report_of(f"import torch\nimport torchvision\n\nmodel = torchvision.models.{builder}()\nmodel.eval()\n"
                       f"y = model(torch.zeros(2, 1, {size}, {size}))\n")
    assert any(torch_says[1] in text for text in error_texts(report)), (torch_says, error_texts(report))


@pytest.mark.parametrize("builder", BUILDERS)
def test_pretrained_weights_with_another_num_classes(builder: str) -> None:
    refusal = probe(builder, "weights").get("num_classes_error")
    report = report_of(f"import torchvision\n\nmodel = torchvision.models.{builder}(weights=\"DEFAULT\", num_classes=10)\n")
    texts = error_texts(report)
    if refusal is None:
        assert texts == []
    else:
        error_type, text = refusal
        assert any(f"torchvision raises {error_type}: \"{text}\"" in t for t in texts), (refusal, texts)


# (builder, builder arguments as the probe gives them, input size, the call as a script writes it)
BUILD_CASES: list[tuple[str, dict[str, Any], int, str]] = [
    ("googlenet", {"weights": "DEFAULT"}, 224, "models.googlenet(weights=models.GoogLeNet_Weights.DEFAULT)"),
    ("googlenet", {"weights": "DEFAULT", "aux_logits": True}, 224, "models.googlenet(weights=\"DEFAULT\", aux_logits=True)"),
    ("googlenet", {}, 224, "models.googlenet()"),
    ("inception_v3", {"weights": "DEFAULT"}, 299, "models.inception_v3(weights=\"IMAGENET1K_V1\")"),
    ("vit_b_16", {"weights": "IMAGENET1K_SWAG_E2E_V1"}, 384,
     "models.vit_b_16(weights=models.ViT_B_16_Weights.IMAGENET1K_SWAG_E2E_V1)"),
    ("vgg16", {"weights": "IMAGENET1K_FEATURES", "num_classes": 10}, 224,
     "models.vgg16(weights=\"IMAGENET1K_FEATURES\", num_classes=10)"),
    ("resnet50", {"weights": "DEFAULT"}, 224, "models.resnet50(pretrained=True)"),
    ("efficientnet_b0", {"weights": "DEFAULT"}, 224, "models.get_model(\"efficientnet_b0\", weights=\"DEFAULT\")"),
]


def build_truth(builder: str, kwargs: dict[str, Any], size: int) -> dict[str, Any]:
    result = probe(builder, "build", kwargs=kwargs, size=size)
    assert "build_error" not in result, result
    return result


@pytest.mark.parametrize("builder,kwargs,size,call", BUILD_CASES, ids=[case[3] for case in BUILD_CASES])
def test_pretrained_builds_like_torchvision(builder: str, kwargs: dict[str, Any], size: int, call: str) -> None:
    truth = build_truth(builder, kwargs, size)
    report = report_of(f"import torch\nfrom torchvision import models\n\nmodel = {call}\nmodel.eval()\n"
                       f"y = model(torch.zeros(2, 3, {size}, {size}))\n")
    assert error_texts(report) == []
    model = only_model(report)
    assert model.total_params == truth["total"]
    assert model.layers[-1].output_shape == tuple(truth["output"])


@pytest.mark.parametrize("builder,kwargs,size,call", [c for c in BUILD_CASES if c[0] in ("googlenet", "inception_v3")],
                         ids=[c[3] for c in BUILD_CASES if c[0] in ("googlenet", "inception_v3")])
def test_transform_input_reads_three_channels(builder: str, kwargs: dict[str, Any], size: int, call: str) -> None:
    truth = build_truth(builder, kwargs, size)
    report = report_of(f"import torch\nfrom torchvision import models\n\nmodel = {call}\nmodel.eval()\n"
                       f"y = model(torch.zeros(2, 1, {size}, {size}))\n")
    one_channel: Optional[list] = truth.get("one_channel")
    if truth["transform_input"]:
        assert one_channel is not None
        assert any(one_channel[1] in text for text in error_texts(report)), (one_channel, error_texts(report))
    else:
        assert any("to have 3 channels, but got 1 channels instead" in text for text in error_texts(report))


def test_training_mode_with_auxiliary_logits_is_unknown_not_a_guess() -> None:
    # inception_v3 in training mode returns InceptionOutputs(logits, aux_logits), not a tensor
    report = report_of("import torch\nfrom torchvision import models\n\nmodel = models.inception_v3(weights=\"DEFAULT\")\n"
                       "y = model(torch.zeros(2, 3, 299, 299))\n")
    assert error_texts(report) == []
    assert only_model(report).layers == () or all(layer.output_shape is None for layer in only_model(report).layers)


# calls torchvision refuses: (builder, arguments as the probe gives them, the call as a script writes it)
REFUSED: list[tuple[str, dict[str, Any], int, str]] = [
    ("inception_v3", {"weights": "DEFAULT", "aux_logits": False}, 299,
     "models.inception_v3(weights=models.Inception_V3_Weights.DEFAULT, aux_logits=False)"),
    ("googlenet", {"weights": "DEFAULT", "aux_logits": False}, 224, "models.googlenet(weights=\"DEFAULT\", aux_logits=False)"),
    ("vit_b_16", {"weights": "DEFAULT", "image_size": 384}, 384, "models.vit_b_16(weights=\"DEFAULT\", image_size=384)"),
    ("resnet18", {"weights": "IMAGENET1K_V9"}, 224, "models.resnet18(weights=\"IMAGENET1K_V9\")"),
]


@pytest.mark.parametrize("builder,kwargs,size,call", REFUSED, ids=[case[3] for case in REFUSED])
def test_refused_builds_are_errors_in_torchvision_words(builder: str, kwargs: dict[str, Any], size: int,
                                                        call: str) -> None:
    refusal = probe(builder, "build", kwargs=kwargs, size=size)["build_error"]
    report = report_of(f"from torchvision import models\n\nmodel = {call}\n")
    error_type, text = refusal
    assert any(f"torchvision raises {error_type}: \"{text}\"" in t for t in error_texts(report)), (refusal, error_texts(report))


VIT_SIZES = [("vit_b_16", 256), ("vit_b_32", 160), ("vit_l_16", 223)]


@pytest.mark.parametrize("builder,size", VIT_SIZES)
def test_vit_takes_its_image_size_only(builder: str, size: int) -> None:
    torch_says = probe(builder, "build", kwargs={}, size=size)["output_error"]
    report = report_of(f"import torch\nimport torchvision\n\nmodel = torchvision.models.{builder}()\n"
                       f"y = model(torch.zeros(2, 3, {size}, {size}))\n")
    assert torch_says[0] == "AssertionError"
    assert any(f"torch fails with \"{torch_says[1]}\"" in text for text in error_texts(report)), (torch_says, error_texts(report))
