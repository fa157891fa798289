"""The engine's answer for a torch fixture, read only through its public JSON contract.

``report_json(path, analyze(source))`` is what ``shapelens check --format json`` prints. Layers
are grouped like the torch side: by (1-based line of the constructor call, class), each group the
set of (output shape, params) over its applications.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Mapping

from engine_json import EngineDiagnostic, diagnostics_from_json, dim_at, engine_json, shape_from_json, symbols_of
from oracle_torch.corpus import BATCH_SIZES
from oracle_torch.torch_truth import Application, LayerKey


@dataclass(frozen=True)
class EngineView:
    frameworks: tuple[str, ...]  # one per model the engine found
    applications: Mapping[LayerKey, frozenset[Application]]
    diagnostics: tuple[EngineDiagnostic, ...]

    @property
    def errors(self) -> tuple[EngineDiagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    def has_error(self, code: str, line: int) -> bool:
        return any(d.line == line and d.code == code for d in self.errors)

    def describe_diagnostics(self) -> str:
        return "\n".join(f"  {d.describe()}" for d in self.diagnostics) or "  (none)"


def batch_dims(shape: object) -> object:
    """The engine's sizes that depend only on the batch ``N``, as the tuple of their values at the
    harness' batch sizes (how torch_truth records a dimension that follows the batch)."""
    if not isinstance(shape, tuple):
        return shape
    if shape and isinstance(shape[0], tuple):
        return tuple(batch_dims(part) for part in shape)
    return tuple(
        tuple(dim_at(dim, {"N": batch}) for batch in BATCH_SIZES) if symbols_of(dim) == {"N"} else dim
        for dim in shape
    )


def view_of_report(document: dict) -> EngineView:
    applications: dict[LayerKey, set[Application]] = defaultdict(set)
    for model in document["models"]:
        for layer in model["layers"]:
            key = (layer["range"]["start"]["line"] + 1, layer["class"])
            applications[key].add((batch_dims(shape_from_json(layer["output_shape"])), layer["params"]))
    diagnostics = diagnostics_from_json(document)
    return EngineView(
        frameworks=tuple(model["framework"] for model in document["models"]),
        applications={key: frozenset(apps) for key, apps in applications.items()},
        diagnostics=diagnostics,
    )


def engine_view(path: str, source: str) -> EngineView:
    return view_of_report(engine_json(path, source))


def application_mismatches(
    torch_applications: Mapping[LayerKey, frozenset[Application]],
    engine_applications: Mapping[LayerKey, frozenset[Application]],
    compare_shapes: bool = True,
    torch_stopped: bool = False,
) -> list[str]:
    """Every layer torch ran whose (output shape, params) set the engine does not reproduce.

    With ``compare_shapes=False`` (the engine was given no input shape) only parameter counts are
    compared: a layer that is not Lazy has its count fixed by its constructor arguments.
    With ``torch_stopped`` (torch raised part-way) a layer applied again after the failure has
    applications torch never ran; then torch's set need only be contained in the engine's.
    """
    mismatches = []
    for key in sorted(torch_applications):
        expected = torch_applications[key]
        found = engine_applications.get(key, frozenset())
        if not compare_shapes:
            expected = frozenset({params for _, params in expected})
            found = frozenset({params for _, params in found})
        if found != expected and not (torch_stopped and expected <= found):
            line, class_name = key
            mismatches.append(
                f"line {line} {class_name}: torch {sorted(expected, key=repr)} / engine "
                f"{sorted(found, key=repr) if found else 'no such layer'}"
            )
    return mismatches
