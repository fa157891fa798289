"""The engine's answer for a fixture, read only through its public JSON contract.

``report_json(path, analyze(source))`` is what ``shapelens check --format json`` prints. Layers
are grouped like the Keras side: by (1-based line of the constructor call, class), each group
the set of (output shape, params) over its applications.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from engine_json import EngineDiagnostic, diagnostics_from_json, engine_json, shape_from_json
from oracle.keras_truth import Application, LayerKey, canonical_layer_class


@dataclass(frozen=True)
class EngineView:
    applications: Mapping[LayerKey, frozenset[Application]]
    diagnostics: tuple[EngineDiagnostic, ...]

    def with_severity(self, severity: str) -> tuple[EngineDiagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == severity)

    def has(self, severity: str, code: str, line: int) -> bool:
        return any(d.line == line and d.code == code for d in self.with_severity(severity))

    def describe_diagnostics(self) -> str:
        return "\n".join(f"  {d.describe()}" for d in self.diagnostics) or "  (none)"


def unsized(shape: object) -> object:
    """Keras leaves a size it is not given as ``None``; the engine names it (``"H-2"``)."""
    if not isinstance(shape, tuple):
        return shape
    if shape and isinstance(shape[0], tuple):
        return tuple(unsized(part) for part in shape)
    return tuple(None if isinstance(dim, str) else dim for dim in shape)


def view_of_report(document: dict) -> EngineView:
    applications: dict[LayerKey, set[Application]] = defaultdict(set)
    for model in document["models"]:
        for layer in model["layers"]:
            key = (layer["range"]["start"]["line"] + 1, canonical_layer_class(layer["class"]))
            applications[key].add((unsized(shape_from_json(layer["output_shape"])), layer["params"]))
    diagnostics = diagnostics_from_json(document)
    return EngineView(applications={k: frozenset(v) for k, v in applications.items()}, diagnostics=diagnostics)


def engine_view_of_source(source: str, path: str = "<source>") -> EngineView:
    return view_of_report(engine_json(path, source))


def engine_view(path: Path, source: str) -> EngineView:
    return engine_view_of_source(source, str(path))


def application_mismatches(
    keras_applications: Mapping[LayerKey, frozenset[Application]],
    engine_applications: Mapping[LayerKey, frozenset[Application]],
    keras_stopped_early: bool = False,
) -> list[str]:
    """Every layer Keras built whose (output shape, params) set the engine does not reproduce.

    When Keras stopped at an exception, a layer applied in a loop or a helper has applications
    Keras never reached (the failing one and any after it); the engine reports those with an
    unknown output shape, and they are left out of the comparison.
    """
    mismatches = []
    for key in sorted(keras_applications):
        expected = keras_applications[key]
        found = engine_applications.get(key, frozenset())
        if keras_stopped_early:
            found = frozenset(app for app in found if app[0] is not None)
        if found != expected:
            line, class_name = key
            mismatches.append(
                f"line {line} {class_name}: Keras {sorted(expected, key=repr)} / engine "
                f"{sorted(found, key=repr) if found else 'no such layer'}"
            )
    return mismatches
