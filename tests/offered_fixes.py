"""What the fix oracles (Keras and torch) share: every fix the engine offers on a source, applied."""

from __future__ import annotations

from typing import Iterator

from shapelens.analysis import analyze
from shapelens.fixes import apply_edits, fixes_for
from shapelens.analysis.report import Diagnostic, Fix


def offered_fixes(source: str) -> Iterator[tuple[Diagnostic, Fix, str]]:
    """Each (diagnostic, fix, fixed source) the engine offers for ``source``."""
    report = analyze(source)
    for diagnostic in report.diagnostics:
        for fix in fixes_for(source, report, diagnostic):
            yield diagnostic, fix, apply_edits(source, fix.edits)


def lines_with_errors(source: str) -> set[int]:
    """1-based lines where the engine reports an error."""
    return {d.span.start_line + 1 for d in analyze(source).diagnostics if d.severity == "error"}
