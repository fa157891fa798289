"""``shapelens check --format json`` for a notebook: ``report_json`` with every range in its cell.

Each ``"range"`` gains ``"cell"`` (the 0-based index into the notebook's ``cells`` array) and
its lines become lines of that cell; characters stay UTF-16 code units of the same line. The
cells the analysis left out, and a notebook that could not be read, are listed under ``"notes"``.
"""

from __future__ import annotations

from typing import Any

from .. import LINE_BREAK
from ..report import Span, report_json, span_json, utf16_col
from .notebook import NotebookAnalysis


def _cell_range(program_range: dict, analysis: NotebookAnalysis) -> dict:
    lines = analysis.program.lines
    start, end = program_range["start"], program_range["end"]
    # Characters are already UTF-16; lines move and columns do not, so the span is mapped as is.
    span = Span(start["line"], start["character"], end["line"], end["character"])
    lengths = [utf16_col(line, len(line)) for line in lines]
    in_cell = analysis.cell_map.span_to_cell(span, lengths)
    if in_cell is None:
        return program_range
    mapped = in_cell.span
    return {"cell": in_cell.cell,
            "start": {"line": mapped.start_line, "character": mapped.start_col},
            "end": {"line": mapped.end_line, "character": mapped.end_col}}


def _in_cells(value: Any, analysis: NotebookAnalysis) -> Any:
    if isinstance(value, list):
        return [_in_cells(item, analysis) for item in value]
    if isinstance(value, dict):
        return {key: _cell_range(item, analysis) if key == "range" and isinstance(item, dict) and "start" in item
                else _in_cells(item, analysis) for key, item in value.items()}
    return value


def notebook_report_json(path: str, analysis: NotebookAnalysis) -> dict:
    document = _in_cells(report_json(path, analysis.report), analysis)
    notes: list[dict] = []
    if not analysis.report.parsed:
        notes.append({"message": f"not analysed: {analysis.report.parse_error}"})
    for note in analysis.notes:
        cell_lines = tuple(LINE_BREAK.split(analysis.program.cells[note.cell].source))
        notes.append({"range": {"cell": note.cell, **span_json(note.span, cell_lines)},
                      "message": f"cell not analysed: {note.message}"})
    document["notes"] = notes
    return document
