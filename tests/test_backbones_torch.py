"""torchvision.models as the engine knows them, against real torchvision 0.28 / torch 2.13.

For every classification builder (weights=None): the parameter count with the default
num_classes and another, the body's output (a forward hook on the body module) and the model's
output at three input sizes, every head layer as ``repr(model.<path>)`` prints it, the smallest
input accepted (bisection with the real model) and torch's exception one pixel below, and the
head replaced by assignment (``model.fc = nn.Linear(model.fc.in_features, 10)``), with a
fitting and a misfitting layer. Shapes come from torch's meta device; the exception texts from
real CPU tensors. Library results are cached in .cache/backbones.
"""

from __future__ import annotations

from typing import Any

import pytest

from oracle_backbones.prefetch import prefetch
from oracle_backbones.torch_probe import probe, torchvision
from shapelens.analysis.torch import torchvision_models
from shapelens.analysis.torch.torchvision_models import (
    FAMILIES,
    family_of,
    head_layer_repr,
    linear,
    torchvision_model,
)

pytestmark = pytest.mark.oracle

BUILDERS = torchvision_models.builder_names()


def test_every_classification_builder_is_known() -> None:
    library = torchvision.models.list_models(module=torchvision.models)
    # alexnet and maxvit_t are outside the brief's families; every other builder is modelled.
    assert sorted(n for n in library if n not in ("alexnet", "maxvit_t")) == list(BUILDERS)
    assert all(family_of(n) is not None for n in BUILDERS)


def sizes_for(builder: str) -> list[tuple[int, int]]:
    model = torchvision_model(builder, {})
    assert model is not None
    if model.image_size is not None:
        return [(model.image_size, model.image_size)]
    smallest = model.min_input[0]
    return [(smallest, smallest), (smallest + 13, 2 * smallest + 7), (224, 224)]


def leaf_reprs(description: dict[str, Any], path: str) -> dict[str, str]:
    if description["children"] and description["class"] == "Sequential":
        found: dict[str, str] = {}
        for name, child in description["children"].items():
            found.update(leaf_reprs(child, f"{path}.{name}"))
        return found
    return {path: description["repr"]}


def truth(builder: str, kwargs: dict[str, Any], **options: Any) -> dict[str, Any]:
    family = FAMILIES[family_of(builder)]  # type: ignore[index]
    return probe(builder, kwargs, family.body, list(family.head_modules), **options)


def replacements(builder: str) -> list[tuple[str, int, int]]:
    """``model.<last Linear> = nn.Linear(in, 10)`` with a fitting and a misfitting ``in``,
    written as people write it: ``model.classifier[-1] = ...`` inside a Sequential."""
    model = torchvision_model(builder, {})
    assert model is not None
    last = [layer for layer in model.head if layer.kind in ("Linear", "Conv2d")][-1]
    if last.kind != "Linear":  # squeezenet's classifier ends in a 1x1 Conv2d
        return []
    written = last.path.rsplit(".", 1)[0] + ".-1" if "." in last.path else last.path
    return [(written, last.in_features, 10), (written, last.in_features // 2, 10)]  # type: ignore[operator]


def default_options(builder: str) -> dict[str, Any]:
    return {"sizes": sizes_for(builder), "bisect_below": 224}


def replacement_call(builder: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The build for the assignment test: run on the CPU (torch's own words for a misfit) at
    the smallest size, and for vit with 2x2 patches (the head does not see the image size)."""
    kwargs: dict[str, Any] = {}
    if builder.startswith("vit_"):
        kwargs["image_size"] = 2 * int(builder.rsplit("_", 1)[1])
    model = torchvision_model(builder, kwargs)
    assert model is not None
    size = model.image_size or model.min_input[0]
    return kwargs, {"sizes": [(size, size)], "assign": replacements(builder)}


def default_truth(builder: str) -> dict[str, Any]:
    """One build with the default arguments serves every test of the builder."""
    return truth(builder, {}, **default_options(builder))


FAMILY_CASES = [
    ("inception_v3", {"aux_logits": False, "num_classes": 5}),
    ("googlenet", {"aux_logits": False}),
    ("vit_b_16", {"image_size": 256}),
    ("vit_b_32", {"image_size": 384, "num_classes": 3}),
    ("efficientnet_b0", {"dropout": 0.5}),
]


def family_size(builder: str, kwargs: dict[str, Any]) -> int:
    model = torchvision_model(builder, kwargs)
    assert model is not None
    return model.image_size or 299


def all_calls() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    calls = []
    for builder in BUILDERS:
        calls.append((builder, {}, default_options(builder)))
        calls.append((builder, {"num_classes": 10}, {"sizes": sizes_for(builder)}))
        if replacements(builder):
            calls.append((builder, *replacement_call(builder)))
    for builder, kwargs in FAMILY_CASES:
        size = family_size(builder, kwargs)
        calls.append((builder, kwargs, {"sizes": [(size, size)]}))
    for builder in BUILDERS:
        model = torchvision_model(builder, {})
        if model is not None and model.image_size is not None:
            calls.append((builder, {}, {"sizes": [(model.image_size + 1, model.image_size)]}))
    return calls


@pytest.fixture(scope="module", autouse=True)
def library_results() -> None:
    """Build what the tests below ask torchvision for, two models at a time (cached on disk)."""
    calls = []
    for builder, kwargs, options in all_calls():
        family = FAMILIES[family_of(builder)]  # type: ignore[index]
        calls.append(((builder, kwargs, family.body, list(family.head_modules)), options))
    prefetch("oracle_backbones.torch_probe", calls)


@pytest.mark.parametrize("builder", BUILDERS)
@pytest.mark.parametrize("num_classes", [None, 10])
def test_parameters_shapes_and_head(builder: str, num_classes: Any) -> None:
    kwargs = {} if num_classes is None else {"num_classes": num_classes}
    model = torchvision_model(builder, kwargs)
    assert model is not None
    sizes = sizes_for(builder)
    result = default_truth(builder) if num_classes is None else truth(builder, kwargs, sizes=sizes)
    assert "build_error" not in result, result
    assert model.total_params == result["total"] == result["trainable"]
    for size in sizes:
        forward = result["meta"]["x".join(map(str, size))]
        assert "error" not in forward, (size, forward)
        assert model.body_shape(*size) == (None, *forward["body"][1:]), size
        output, error = model.output(*size)
        assert error is None and output == (None, *forward["output"][1:]), size
    library = {}
    for path in FAMILIES[model.family].head_modules:
        library.update(leaf_reprs(result["modules"][path], path))
    assert [layer.path for layer in model.head] == list(library)
    for layer in model.head:
        assert head_layer_repr(builder, layer.path, num_classes or 1000) == library[layer.path]


@pytest.mark.parametrize("builder", BUILDERS)
def test_smallest_input_by_bisection(builder: str) -> None:
    model = torchvision_model(builder, {})
    assert model is not None
    result = default_truth(builder)
    assert result["smallest"] == model.min_input[0]
    smallest = model.min_input[0]
    cpu = result["cpu"]
    assert "error" not in cpu.get(f"{smallest}x{smallest}", {})  # (vit: not run on the CPU)
    if model.below_min is None:
        assert smallest == 1
    else:
        assert cpu[f"{smallest - 1}x{smallest - 1}"]["error"] == [model.below_min.error_type, model.below_min.message]


# squeezenet's classifier ends in a 1x1 Conv2d: no Linear to replace
@pytest.mark.parametrize("builder", [b for b in BUILDERS if not b.startswith("squeezenet")])
def test_head_replaced_by_assignment(builder: str) -> None:
    assigns = replacements(builder)
    assert assigns
    kwargs, options = replacement_call(builder)
    model = torchvision_model(builder, kwargs)
    assert model is not None
    result = truth(builder, kwargs, **options)
    size = options["sizes"][-1]
    assert len(result["assigned"]) == len(assigns)
    for (written, new_in, out), library in zip(assigns, result["assigned"]):
        replaced = model.with_layer(written, linear(written, new_in, out))
        assert replaced is not None
        assert replaced.total_params == library["total"]
        forward = library["cpu"]["x".join(map(str, size))]
        output, error = replaced.output(*size)
        if "error" in forward:
            assert error is not None and [error.error_type, error.message] == forward["error"]
        else:
            assert error is None and output == (None, *forward["output"][1:])


@pytest.mark.parametrize("builder, kwargs", FAMILY_CASES, ids=[f"{b}-{k}" for b, k in FAMILY_CASES])
def test_family_arguments(builder: str, kwargs: dict[str, Any]) -> None:
    model = torchvision_model(builder, kwargs)
    assert model is not None
    size = family_size(builder, kwargs)
    result = truth(builder, kwargs, sizes=[(size, size)])
    assert model.total_params == result["total"]
    forward = result["meta"][f"{size}x{size}"]
    output, _ = model.output(size, size)
    assert output == (None, *forward["output"][1:])
    assert model.body_shape(size, size) == (None, *forward["body"][1:])


@pytest.mark.parametrize("builder", [b for b in BUILDERS if b.startswith("vit_")])
def test_vit_accepts_its_image_size_only(builder: str) -> None:
    model = torchvision_model(builder, {})
    assert model is not None and model.image_size is not None
    size = model.image_size
    result = truth(builder, {}, sizes=[(size + 1, size)])
    assert result["meta"][f"{size + 1}x{size}"]["error"][0] == "AssertionError"


def test_unknown_arguments_give_unknown_not_a_guess() -> None:
    assert torchvision_model("resnet18", {"num_classes": object()}) is None
    assert torchvision_model("resnet18", {"zero_init_residual": True, "groups": 2}) is None
    assert torchvision_model("alexnet", {}) is None
    assert torchvision_model("resnet18", {"weights": "IMAGENET1K_V1"}) is None
