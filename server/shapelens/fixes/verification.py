"""A fix is offered only if re-analysing the edited source shows the error gone and no new error.

Re-analysis runs on a slice of the file: every top-level statement the model does not need is
blanked (its lines emptied, so every other line keeps its number), and a 5,000-line file
re-analyses as a few dozen lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from shapelens.analysis.report import Diagnostic, Report, TextEdit, split_lines
from shapelens.analysis.statements import StatementIndex
from shapelens.fixes.text import LineIndex, apply_edits, map_offset

Analyzer = Callable[[str], Report]
LineRange = tuple[int, int]  # 0-based first and last line


def blanked_statements(index: StatementIndex, anchors: set[int]) -> list[LineRange]:
    """The top-level statements (0-based line ranges) a model can do without: all but the
    ones holding an anchor line, the imports, what those use (by name, transitively, in
    module order), and the statements that use a builder function holding an anchor (they
    make its instances)."""
    statements = index.statements
    keep = {position for line in anchors if (position := index.position_at(line)) is not None}
    keep |= {position for position, statement in enumerate(statements) if statement.is_import}
    builders = frozenset(statements[p].node.name for p in keep if statements[p].is_function)  # type: ignore[attr-defined]
    keep |= index.users_of(builders)
    pending = list(keep)
    while pending:
        _keep_what_it_uses(index, pending.pop(), keep, pending)
        if not pending:  # statements sharing a line (``a = 1; b = 2``) are blanked together or not at all
            pending = [p for p in _sharing_lines(index, keep) if p not in keep]
            keep.update(pending)
    return [(s.first_line, s.last_line) for position, s in enumerate(statements) if position not in keep]


def _keep_what_it_uses(index: StatementIndex, position: int, keep: set[int], pending: list[int]) -> None:
    """Keep the binders of the names a statement reads: those before it (or itself, in a loop)
    for code that runs in module order; every one for code that runs later (a function body)."""
    statement = index.statements[position]
    for name in statement.uses:
        for binder in index.binders.get(name, ()):
            if binder not in keep and (binder <= position or statement.reads_later):
                keep.add(binder)
                pending.append(binder)


def _sharing_lines(index: StatementIndex, keep: set[int]) -> set[int]:
    """The statements on a line that a kept statement also occupies."""
    statements = index.statements
    kept_lines = {line for p in keep for line in (statements[p].first_line, statements[p].last_line)}
    return {
        position
        for position, statement in enumerate(statements)
        if statement.first_line in kept_lines or statement.last_line in kept_lines
    }


def blank_lines(source: str, ranges: Sequence[LineRange]) -> str:
    """The source with these line ranges emptied; every other line keeps its number and text."""
    lines = split_lines(source)
    for first, last in ranges:
        for line in range(first, min(last + 1, len(lines))):
            text = lines[line]
            lines[line] = text[len(text.rstrip("\r\n")) :]
    return "".join(lines)


@dataclass(frozen=True)
class VerificationBase:
    """What a fix is verified against: the source (whole or sliced) and its report."""

    source: str
    report: Report
    target: Diagnostic  # the diagnostic being fixed, as this report has it
    blanked: tuple[LineRange, ...]  # 0-based line ranges emptied in ``source``

    def holds(self, edits: Sequence[TextEdit]) -> bool:
        """Whether every edit falls on lines this base kept."""
        return not any(
            first <= line <= last
            for edit in edits
            for line in (edit.span.start_line, edit.span.end_line)
            for first, last in self.blanked
        )

    def verify(self, edits: Sequence[TextEdit], analyze: Analyzer) -> Optional[Report]:
        return verify(self.source, self.report, self.target, edits, analyze)


def sliced_base(
    index: StatementIndex, report: Report, diag: Diagnostic, anchors: set[int], analyze: Analyzer
) -> VerificationBase:
    """The source with what the anchored statements do not need blanked, if its report still
    has ``diag``; else the whole source."""
    whole = VerificationBase(index.source, report, diag, ())
    blanked = blanked_statements(index, anchors)
    if not blanked:
        return whole
    sliced = blank_lines(index.source, blanked)
    sliced_report = analyze(sliced)
    target = next((d for d in sliced_report.diagnostics if d.code == diag.code and d.span == diag.span), None)
    return VerificationBase(sliced, sliced_report, target, tuple(blanked)) if target is not None else whole


def _same_diagnostic(
    before: Diagnostic, after: Diagnostic, edits: Sequence[TextEdit], old_index: LineIndex, new_index: LineIndex
) -> bool:
    """Same code, and ``after`` starts where the edits moved ``before``'s start to."""
    if before.code != after.code:
        return False
    mapped = map_offset(old_index.offset(before.span.start_line, before.span.start_col), old_index, edits)
    return new_index.offset(after.span.start_line, after.span.start_col) == mapped


def verify(
    source: str, report: Report, target: Diagnostic, edits: Sequence[TextEdit], analyze: Analyzer
) -> Optional[Report]:
    """The edited source's report if the fix removes ``target`` and adds no error; else None."""
    if not edits:
        return None
    fixed_source = apply_edits(source, edits)
    fixed = analyze(fixed_source)
    if not fixed.parsed:
        return None
    old_index, new_index = LineIndex(source), LineIndex(fixed_source)

    def existed(after: Diagnostic) -> bool:
        return any(
            _same_diagnostic(before, after, edits, old_index, new_index)
            for before in report.diagnostics
            if before is not target
        )

    if any(_same_diagnostic(target, after, edits, old_index, new_index) for after in fixed.diagnostics):
        return None
    if any(after.severity == "error" and not existed(after) for after in fixed.diagnostics):
        return None
    if fixed.error_count > report.error_count:
        return None
    return fixed
