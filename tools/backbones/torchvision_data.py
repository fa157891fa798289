"""Measure every ``torchvision.models`` classification builder and render ``torchvision_data.py``.

Each builder is built with ``weights=None`` twice, with the default ``num_classes`` and with a
sentinel, to see which numbers of the head follow ``num_classes``; vit twice more for what
follows ``image_size``, googlenet and inception_v3 for what ``aux_logits`` adds. The smallest
accepted input comes from a bisection on torch's meta device, and the exception below it from a
real forward pass on the CPU.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "server"))

from oracle_backbones.torch_builder_probe import probe as builder_probe  # noqa: E402
from oracle_backbones.torch_probe import VERSION, probe, torchvision  # noqa: E402
from shapelens.analysis.torch.torchvision_models import FAMILIES, family_of  # noqa: E402

CLASSES_SENTINEL = 7919


def builder_names() -> list[str]:
    names = torchvision.models.list_models(module=torchvision.models)
    return sorted(n for n in names if family_of(n) is not None)


def leaves(path: str, description: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The head's layers in order, a Sequential's children as ``path.name``."""
    if description["children"] and description["class"] == "Sequential":
        found = []
        for name, child in description["children"].items():
            found += leaves(f"{path}.{name}", child)
        return found
    return [(path, description)]


def placeholder(value: Any, sentinel_value: Any) -> Any:
    """The attribute as data: ``"num_classes"`` where it follows num_classes."""
    return "num_classes" if value != sentinel_value else value


def head_rows(default: dict[str, Any], sentinel: dict[str, Any], paths: list[str]) -> tuple[Any, ...]:
    rows = []
    for path in paths:
        pairs = zip(leaves(path, default["modules"][path]), leaves(path, sentinel["modules"][path]))
        for (leaf_path, leaf), (_, leaf_sentinel) in pairs:
            attributes = {
                key: (
                    "num_classes"
                    if leaf_sentinel["attributes"][key] == CLASSES_SENTINEL and value == 1000
                    else tuple(value) if isinstance(value, list) else value
                )
                for key, value in sorted(leaf["attributes"].items())
            }
            per_class = (leaf_sentinel["params"] - leaf["params"]) // (CLASSES_SENTINEL - 1000)
            base = leaf["params"] - 1000 * per_class
            text = leaf_sentinel["repr"].replace(str(CLASSES_SENTINEL), "{num_classes}")
            rows.append((leaf_path, leaf["class"], attributes, (base, per_class), text))
    return tuple(rows)


def smallest_and_error(result: dict[str, Any]) -> tuple[int, Optional[tuple[str, str]]]:
    smallest = result["smallest"]
    below = result["cpu"].get(f"{smallest - 1}x{smallest - 1}")
    assert "error" not in result["cpu"].get(f"{smallest}x{smallest}", {})
    return smallest, (tuple(below["error"]) if below else None)


def weights_entry(name: str) -> tuple[Any, ...]:
    """(enum, {member: (num_classes, smallest input)}, DEFAULT, what pretrained=True loads)."""
    result = builder_probe(name, "weights")
    members = {member: (classes, tuple(size)) for member, (classes, size) in result["members"].items()}
    return (result["enum"], members, result["default"], result.get("legacy"))


def stem_size(name: str) -> int:
    return 299 if name == "inception_v3" else 224


def stem_entry(name: str) -> tuple[Any, ...]:
    """(weight shape, groups) of the first convolution a forward pass applies."""
    result = builder_probe(name, "stem", size=stem_size(name))
    return (tuple(result["weight"]), result["groups"])


def entry(name: str) -> tuple[Any, ...]:
    family = FAMILIES[family_of(name)]
    paths = list(family.head_modules) + list(family.aux_modules)
    size = 224
    default = probe(name, {}, family.body, paths, [(size, size)], bisect_below=size)
    sentinel = probe(name, {"num_classes": CLASSES_SENTINEL}, family.body, paths, [(size, size)])
    channels = default["meta"][f"{size}x{size}"]["body"][-1 if family.layout == "NHWC" else 1]
    if family.layout == "NLC":
        channels = default["meta"][f"{size}x{size}"]["body"][2]
    smallest, error = smallest_and_error(default)
    heads = head_rows(default, sentinel, list(family.head_modules))
    head_params = [row[3] for row in heads]
    aux = [(sentinel["modules"][p]["params"] - default["modules"][p]["params"]) for p in family.aux_modules]
    aux_per_class = sum(aux) // (CLASSES_SENTINEL - 1000)
    aux_base = sum(default["modules"][p]["params"] for p in family.aux_modules) - 1000 * aux_per_class
    body_total = default["total"] - sum(b + 1000 * c for b, c in head_params) - aux_base - 1000 * aux_per_class
    body_trainable = default["trainable"] - (default["total"] - body_total)
    per_token = 0
    if family.layout == "NLC":
        other = size + 2 * int(name.rsplit("_", 1)[1])  # image_size must be a multiple of the patch
        larger = probe(name, {"image_size": other}, family.body, [], [(other, other)])
        tokens = default["meta"][f"{size}x{size}"]["body"][1]
        tokens_larger = larger["meta"][f"{other}x{other}"]["body"][1]
        per_token = (larger["total"] - default["total"]) // (tokens_larger - tokens)
        body_total -= per_token * tokens
        body_trainable -= per_token * tokens
    return (
        channels,
        (body_total, body_trainable, per_token),
        (aux_base, aux_per_class),
        smallest,
        error,
        heads,
    )


HEADER = '''"""What every ``torchvision.models`` classification builder builds: numbers measured from it.

Generated by ``tools/backbones/generate.py torch`` from {version}.
Do not edit: change the generator and run it again.

BUILDERS[name] = (channels, body, aux, min_size, below_min, head)
  channels   channels of the body's output (its last axis for NHWC / NLC layouts)
  body       (parameters, trainable parameters, parameters per token) of all but the head
             and the auxiliary classifiers; per token: vit's position embedding
  aux        (base, per class) parameters of the auxiliary classifiers (aux_logits=True)
  min_size   the smallest H (and W) a forward pass in eval mode accepts (vit: the only one)
  below_min  (exception type, text) of that forward pass one pixel smaller, or None
  head       the head's layers in forward order: (path, class, attributes, (parameters,
             per class), repr with {{num_classes}}); "num_classes" marks an attribute that is
             the num_classes argument

WEIGHTS[name] = (enum, members, default, legacy)
  enum       the class name of the builder's weights enum
  members    {{member: (num_classes, min_size)}} from each member's meta (DEFAULT is an alias);
             num_classes None: the weights fix no classifier (torchvision keeps the argument)
  default    the member DEFAULT stands for
  legacy     the member ``pretrained=True`` loads, or None: torchvision raises
             ValueError("No weights available for model <name>")

STEMS[name] = (weight shape, groups) of the first Conv2d a forward pass applies (the one that
  checks the input's channels)
"""
'''


def render() -> str:
    lines = [HEADER.format(version=VERSION), f"VERSION = {VERSION!r}", "", "BUILDERS = {"]
    for name in builder_names():
        channels, body, aux, smallest, error, heads = entry(name)
        lines.append(f"    {name!r}: (")
        lines.append(f"        {channels!r}, {body!r}, {aux!r}, {smallest!r}, {error!r},")
        lines.append("        (")
        for row in heads:
            lines.append(f"            {row!r},")
        lines.append("        ),")
        lines.append("    ),")
    lines.append("}")
    lines += ["", "WEIGHTS = {"]
    lines += [f"    {name!r}: {weights_entry(name)!r}," for name in builder_names()]
    lines += ["}", "", "STEMS = {"]
    lines += [f"    {name!r}: {stem_entry(name)!r}," for name in builder_names()]
    lines.append("}")
    return "\n".join(lines) + "\n"
