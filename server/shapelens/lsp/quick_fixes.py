"""Verified quick fixes for the server, computed in its fix thread.

This module is the language server's only door to the fixes package (``FixContext``,
``fixes_for``), which needs libcst: imported on first use, or ahead of it by
``load_fix_machinery`` a little after startup.
"""

from __future__ import annotations

import logging
from types import ModuleType
from typing import Optional

from shapelens.analysis.report import Diagnostic, Fix
from shapelens.lsp.analysis_state import Analysis, AnalysisState

log = logging.getLogger("shapelens.lsp")


def fix_machinery() -> Optional[ModuleType]:
    """The fixes package, or None (logged) when libcst is missing."""
    try:
        from shapelens import fixes
    except ImportError as missing:
        log.warning("quick fixes are off: %s", missing)
        return None
    return fixes


def load_fix_machinery() -> None:
    """Import libcst ahead of the first code action (about 0.3 s), so that one is quick too."""
    fix_machinery()


def verified_fixes(state: AnalysisState, analysis: Analysis, diag: Diagnostic) -> tuple[Fix, ...]:
    """The fixes of one diagnostic; the parse trees are shared by all diagnostics of one snapshot."""
    fixes = fix_machinery()
    if fixes is None:
        return ()
    context = state.fix_context
    if context is None or context.report is not analysis.report:  # type: ignore[attr-defined]
        context = state.fix_context = fixes.FixContext(analysis.source, analysis.report)
    return fixes.fixes_for(analysis.source, analysis.report, diag, context=context)
