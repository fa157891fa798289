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


class _CellRanges:
    """Rewrites every ``"range"`` of a report's JSON from program lines to cell lines."""

    def __init__(self, analysis: NotebookAnalysis) -> None:
        self.cell_map = analysis.cell_map
        # A range cut at its cell's end ends at the end of the cell's last line, in UTF-16 units.
        self.line_lengths = [utf16_col(line, len(line)) for line in analysis.program.lines]

    def range(self, program_range: dict) -> dict:
        start, end = program_range["start"], program_range["end"]
        # Characters are already UTF-16 and masking keeps columns: only the lines move.
        span = Span(start["line"], start["character"], end["line"], end["character"])
        in_cell = self.cell_map.span_to_cell(span, self.line_lengths)
        if in_cell is None:
            return program_range
        mapped = in_cell.span
        return {"cell": in_cell.cell,
                "start": {"line": mapped.start_line, "character": mapped.start_col},
                "end": {"line": mapped.end_line, "character": mapped.end_col}}

    def rewrite(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.rewrite(item) for item in value]
        if isinstance(value, dict):
            in_notebook = "path" not in value  # an item of another file of the project keeps its range
            return {key: self.range(item) if key == "range" and in_notebook and isinstance(item, dict) and "start" in item
                    else self.rewrite(item) for key, item in value.items()}
        return value


def notebook_report_json(path: str, analysis: NotebookAnalysis) -> dict:
    """The JSON of ``shapelens check --format json`` for one notebook."""
    document = _CellRanges(analysis).rewrite(report_json(path, analysis.report))
    notes: list[dict] = []
    if not analysis.report.parsed:
        notes.append({"message": f"not analysed: {analysis.report.parse_error}"})
    for note in analysis.notes:
        cell_lines = tuple(LINE_BREAK.split(analysis.program.cells[note.cell].source))
        notes.append({"range": {"cell": note.cell, **span_json(note.span, cell_lines)},
                      "message": f"cell not analysed: {note.message}"})
    document["notes"] = notes
    return document
