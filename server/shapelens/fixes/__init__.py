"""Quick fixes: candidate edits for one diagnostic, each verified by re-analysing the result.

A provider per family of fixes (``providers/``) makes candidates with libcst on the few
statements they touch (never the whole file: libcst is 10-40x slower than ``ast``), reduced to
minimal text edits, so the user's formatting and comments stay as they were. The registry finds
the providers for a diagnostic by its code and framework, and offers a candidate only if the
engine, run on the edited source, no longer reports the diagnostic and reports no error that
was not there before.
"""

from __future__ import annotations

from shapelens.analysis.report import split_lines
from shapelens.fixes.context import Candidate, FixContext
from shapelens.fixes.provider import Provider
from shapelens.fixes.registry import candidates, fixes_for, providers_for
from shapelens.fixes.text import LineIndex, apply_edits, map_offset, minimal_edits
from shapelens.fixes.verification import VerificationBase, blank_lines, blanked_statements, verify
from shapelens.fixes.windows import fitting_window

__all__ = [
    "Candidate",
    "FixContext",
    "LineIndex",
    "Provider",
    "VerificationBase",
    "apply_edits",
    "blank_lines",
    "blanked_statements",
    "candidates",
    "fitting_window",
    "fixes_for",
    "map_offset",
    "minimal_edits",
    "providers_for",
    "split_lines",
    "verify",
]
