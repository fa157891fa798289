"""Truth and engine for a notebook, both keyed by (cell, line in cell, layer class).

Truth: the program (code cells in order, IPython syntax masked, cells that do not parse left
out) executed by the script harnesses, real Keras 3 on the torch backend
(``oracle.keras_truth.run_in_keras``) or real torch (``oracle_torch.torch_truth.run_in_torch``);
their program lines are then placed in cells. Engine: ``shapelens check --format json`` for the
notebook, whose ranges already carry their cell.

The comparison, per layer the library built (``layer_mismatches``):

* every application the engine gives (a known output shape) must be one the library made, with
  the same output shape and parameter count;
* every application the library made must be given by the engine, unless the engine marks some
  application of that layer unknown or does not list the layer: that is a gap, listed, not an
  error;
* when the library stopped at an exception, every application it made before must be given;
* torch tensors have no unknown dimensions, so a ``None`` in the engine's torch shape is a
  dimension it does not know (the batch of a model it sized from ``in_features``): the other
  dimensions must be torch's, and the layer is listed as a gap;
* a symbolic size (``"N"``, ``"H-2"``) stands for a size the notebook leaves open: Keras builds
  with ``None`` there, and for torch it is compared like a dimension the engine does not know.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Optional

from shapelens.analysis.sources import notebook_report_json

from engine_json import shape_from_json
from oracle.engine_view import unsized
from oracle.keras_truth import canonical_layer_class, first_line, run_in_keras
from oracle_notebooks.corpus import CellLine, NotebookFixture
from oracle_torch.torch_truth import run_in_torch

LayerKey = tuple[int, int, str]  # (cell, 1-based line in the cell, class)
Application = tuple[object, Optional[int]]  # (output shape, params)


@dataclass(frozen=True)
class LibraryOutcome:
    applications: Mapping[LayerKey, frozenset[Application]]
    failed: bool
    error_type: Optional[str]
    message: str
    failing_layer: Optional[LayerKey]  # the innermost layer of the notebook running when it raised
    statement: Optional[CellLine]  # Keras: the notebook line that raised (``model.predict(...)``)

    def describe(self) -> str:
        lines = [f"  cell {c} line {l} {cls}: {sorted(apps, key=repr)}" for (c, l, cls), apps in sorted(self.applications.items())]
        if self.failed:
            lines.append(f"  raised {self.error_type} in {self.failing_layer} / at {self.statement}: {self.message[:300]}")
        return "\n".join(lines) or "  (no layer)"


@dataclass(frozen=True)
class EngineDiagnostic:
    where: CellLine
    severity: str
    code: str
    message: str


@dataclass(frozen=True)
class EngineOutcome:
    applications: Mapping[LayerKey, frozenset[Application]]
    diagnostics: tuple[EngineDiagnostic, ...]
    document: dict

    def errors(self) -> tuple[EngineDiagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    def has(self, severity: str, code: str, where: CellLine) -> bool:
        return any(d.severity == severity and d.code == code and d.where == where for d in self.diagnostics)

    def describe(self) -> str:
        return "\n".join(f"  cell {d.where[0]} line {d.where[1]} {d.severity} {d.code}: {d.message[:200]}"
                         for d in self.diagnostics) or "  (no diagnostic)"


def _placed(fixture: NotebookFixture, program_line: Optional[int], class_name: str) -> Optional[LayerKey]:
    where = None if program_line is None else fixture.cell_line(program_line)
    return None if where is None else (where[0], where[1], class_name)


@lru_cache(maxsize=None)
def library_outcome(fixture: NotebookFixture) -> LibraryOutcome:
    applications: dict[LayerKey, set[Application]] = defaultdict(set)
    if fixture.framework == "keras":
        outcome = run_in_keras(fixture.path, fixture.program_text)
        for (line, class_name), apps in outcome.applications.items():
            applications[_placed(fixture, line, canonical_layer_class(class_name))].update(apps)
        failure = outcome.failure
        failing = None if failure is None or failure.failing_layer is None else _placed(
            fixture, failure.failing_layer[0], canonical_layer_class(failure.failing_layer[1]))
        statement = None if failure is None else fixture.cell_line(failure.statement_line) if failure.statement_line else None
        message = "" if failure is None else first_line(failure.message)
    else:
        outcome = run_in_torch(fixture.torch_fixture(), grad_enabled=True)  # notebooks train
        for (line, class_name), apps in outcome.applications.items():
            applications[_placed(fixture, line, class_name)].update(apps)
        failure = outcome.failure
        failing = None if failure is None or failure.failing_layer is None else _placed(fixture, *failure.failing_layer)
        statement = None
        message = "" if failure is None else failure.message
    return LibraryOutcome(
        applications={key: frozenset(apps) for key, apps in applications.items()},
        failed=failure is not None,
        error_type=None if failure is None else failure.error_type,
        message=message,
        failing_layer=failing,
        statement=statement,
    )


@lru_cache(maxsize=None)
def engine_outcome(fixture: NotebookFixture) -> EngineOutcome:
    document = notebook_report_json(str(fixture.path), fixture.analysis)
    applications: dict[LayerKey, set[Application]] = defaultdict(set)
    for model in document["models"]:
        for layer in model["layers"]:
            where = layer["range"]
            class_name = canonical_layer_class(layer["class"]) if fixture.framework == "keras" else layer["class"]
            applications[(where["cell"], where["start"]["line"] + 1, class_name)].add(
                (unsized(shape_from_json(layer["output_shape"])), layer["params"]))
    diagnostics = tuple(
        EngineDiagnostic((d["range"]["cell"], d["range"]["start"]["line"] + 1), d["severity"], d["code"], d["message"])
        for d in document["diagnostics"])
    return EngineOutcome({key: frozenset(apps) for key, apps in applications.items()}, diagnostics, document)


def _shape_matches(engine_shape: object, library_shape: object, unknown_dims_allowed: bool) -> bool:
    if isinstance(engine_shape, tuple) and isinstance(library_shape, tuple):
        return len(engine_shape) == len(library_shape) and all(
            _shape_matches(e, l, unknown_dims_allowed) for e, l in zip(engine_shape, library_shape))
    if engine_shape is None and unknown_dims_allowed:
        return True
    return engine_shape == library_shape


def _has_unknown_dims(shape: object) -> bool:
    return shape is None or (isinstance(shape, tuple) and any(_has_unknown_dims(d) for d in shape))


def layer_mismatches(library: Mapping[LayerKey, frozenset[Application]], engine: Mapping[LayerKey, frozenset[Application]],
                     framework: str, library_stopped: bool = False) -> tuple[list[str], list[str]]:
    """(mismatches, gaps) over every layer the library built; see the module's docstring. When the
    library stopped at an exception, the engine's unknown applications are the ones it never
    reached (a loop's later rounds): every application it did make must then be given."""
    mismatches: list[str] = []
    gaps: list[str] = []
    torch = framework == "torch"
    for key in sorted(library):
        expected = library[key]
        found = engine.get(key, frozenset())
        where = f"cell {key[0]} line {key[1]} {key[2]}"
        if not found:
            gaps.append(f"{where}: the engine does not list it (library: {sorted(expected, key=repr)})")
            continue
        given = {app for app in found if app[0] is not None}

        def matches(app: Application, truth: Application) -> bool:
            return _shape_matches(app[0], truth[0], torch) and app[1] == truth[1]

        unmatched_given = [app for app in given if not any(matches(app, truth) for truth in expected)]
        if unmatched_given:
            mismatches.append(f"{where}: engine {sorted(unmatched_given, key=repr)} / library {sorted(expected, key=repr)}")
        missed = [truth for truth in expected if not any(matches(app, truth) for app in given)]
        if library_stopped and missed:
            mismatches.append(f"{where}: the engine misses {sorted(missed, key=repr)} (engine {sorted(found, key=repr)})")
        elif len(given) < len(found) or any(torch and _has_unknown_dims(app[0]) for app in given):
            gaps.append(f"{where}: engine {sorted(found, key=repr)} (unknown in part) / library {sorted(expected, key=repr)}")
        elif missed:
            mismatches.append(f"{where}: the engine misses {sorted(missed, key=repr)} (engine {sorted(found, key=repr)})")
    return mismatches, gaps
