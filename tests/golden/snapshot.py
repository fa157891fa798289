"""The full report of a source, as plain JSON data: what the golden test freezes.

Everything a user can see is here: every model and layer (shapes, parameters, arithmetic,
unknown reasons, where the inputs come from, the helper call, the hint position), every
diagnostic (message, related information) and the verified quick fixes of each. Run as a
script to rewrite the frozen files: ``python tests/golden/snapshot.py --write``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Iterable, Optional

ROOT = Path(__file__).resolve().parents[2]
FROZEN = Path(__file__).resolve().parent / "reports"
SOURCES = (
    *(ROOT / "tests" / "fixtures" / framework / folder
      for framework, folders in (("keras", ("valid", "broken", "seeds", "undecided")), ("torch", ("valid", "broken", "undecided")))
      for folder in folders),
    *(ROOT / "tests" / "fixtures" / "symbolic" / framework for framework in ("keras", "torch")),
    ROOT / "tests" / "fixtures" / "lsp",
    ROOT / "examples",
)
# Projects of several files: each is frozen as its main script's report, analysed with its project.
PROJECTS = ROOT / "tests" / "fixtures" / "projects"
# Code whose reports depend on the Keras version: frozen once per version.
KERAS_VERSIONED = ROOT / "tests" / "fixtures" / "keras2"
KERAS_VERSIONS = ("2", "3")


def source_files() -> list[Path]:
    return sorted([path for folder in SOURCES for path in folder.glob("*.py")] + list(PROJECTS.rglob("train.py")))


def located(item: dict, path: Optional[str]) -> dict:
    """An item of another file than the report's says which (relative to the project root)."""
    if path is not None:
        item["path"] = path
    return item


def golden_cases() -> list[tuple[Path, Optional[str]]]:
    """Every frozen report: (source, Keras version the analysis is told, or None for the default)."""
    versioned = [(path, version) for path in sorted(KERAS_VERSIONED.glob("*.py")) for version in KERAS_VERSIONS]
    return [(path, None) for path in source_files()] + versioned


def frozen_name(path: Path, keras_version: Optional[str] = None) -> str:
    base = "__".join(path.relative_to(ROOT).with_suffix("").parts[-3:])
    return f"{base}__keras{keras_version}.json" if keras_version else f"{base}.json"


def span(s) -> list[int]:
    return [s.start_line, s.start_col, s.end_line, s.end_col]


def shape(value):
    from shapelens.analysis.report import shape_json

    return shape_json(value)


def dim(value):
    from shapelens.analysis.report import dim_json

    return dim_json(value)


def spans(items: Iterable) -> list:
    return [span(s) for s in items]


def snapshot(source: str, path: Optional[Path] = None, keras_version: Optional[str] = None) -> dict:
    from shapelens.analysis import AnalysisOptions, analyze, keras_setup
    from shapelens.analysis.sources.project import Project, find_root
    from shapelens.fixes import fixes_for

    options = AnalysisOptions(keras_setup(keras_version)) if keras_version else None
    if path is not None and PROJECTS in path.parents:
        report = analyze(source, options, path=str(path), project=Project(find_root(path)))
    else:
        report = analyze(source, options)
    models = [
        located({
            "name": model.name,
            "framework": model.framework,
            "span": span(model.span),
            "input_shape": shape(model.input_shape),
            "name_spans": spans(model.name_spans),
            "context": model.context,
            "total_params": dim(model.total_params),
            **({"non_trainable_params": dim(model.non_trainable_params)} if model.non_trainable_params not in (0, None) else {}),
            "symbols": [list(pair) for pair in model.symbols],
            "requires": [[c.python, c.text] for c in model.requires],
            "layers": [
                located({
                    "class": layer.class_name,
                    "span": span(layer.span),
                    "input_shapes": [shape(s) for s in layer.input_shapes],
                    "output_shape": shape(layer.output_shape),
                    "params": dim(layer.params),
                    "arithmetic": list(layer.arithmetic),
                    "unknown_reason": layer.unknown_reason,
                    "inputs_from": spans(layer.inputs_from),
                    "context": layer.context,
                    "hint": [layer.hint_line, layer.line_end_col],
                    "call_span": span(layer.call_span) if layer.call_span else None,
                    "failed": layer.failed,
                    **({"notes": list(layer.notes)} if layer.notes else {}),
                    **({"non_trainable": dim(layer.non_trainable)} if layer.non_trainable != 0 else {}),
                }, layer.path)
                for layer in model.layers
            ],
        }, model.path)
        for model in report.models
    ]
    diagnostics = [
        located({
            "span": span(diag.span),
            "severity": diag.severity,
            "code": diag.code,
            "message": diag.message,
            "related": [[span(r.span), r.message] + ([r.path] if r.path is not None else []) for r in diag.related],
            "fixes": [
                {"title": fix.title, "preferred": fix.preferred,
                 "edits": [[span(e.span), e.new_text] for e in fix.edits]}
                for fix in fixes_for(source, report, diag)
            ],
        }, diag.path)
        for diag in report.diagnostics
    ]
    return {"parsed": report.parsed, "parse_error": report.parse_error, "models": models, "diagnostics": diagnostics}


def main(argv: list[str]) -> int:
    if argv[1:] != ["--write"]:
        print("usage: python tests/golden/snapshot.py --write", file=sys.stderr)
        return 2
    os.environ.setdefault("SHAPELENS_STRICT", "1")
    sys.path.insert(0, str(ROOT / "server"))
    FROZEN.mkdir(exist_ok=True)
    for path, keras_version in golden_cases():
        frozen = FROZEN / frozen_name(path, keras_version)
        old = json.loads(frozen.read_text(encoding="utf-8")) if frozen.exists() else {}
        new = snapshot(path.read_text(encoding="utf-8"), path, keras_version)
        if "changed" in old:
            new = {"changed": old["changed"], **new}
        frozen.write_text(json.dumps(new, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
