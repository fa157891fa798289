"""The fix providers, found by diagnostic code and framework, and the verified fixes they make."""

from __future__ import annotations

from typing import Optional, Sequence

from shapelens.analysis.report import Diagnostic, Fix, Report
from shapelens.fixes.context import Candidate, FixContext
from shapelens.fixes.provider import Provider
from shapelens.fixes.providers import PROVIDERS
from shapelens.fixes.verification import Analyzer, VerificationBase


def providers_for(
    diag: Diagnostic, framework: Optional[str], providers: Optional[Sequence[Provider]] = None
) -> list[Provider]:
    """The providers for one diagnostic, in registration order."""
    if providers is None:
        providers = PROVIDERS
    return [provider for provider in providers if provider.handles(diag.code, framework)]


def candidates(context: FixContext, diag: Diagnostic) -> list[Candidate]:
    """Every fix worth verifying for one diagnostic, unverified."""
    found: list[Candidate] = []
    for provider in providers_for(diag, context.framework_of(diag)):
        found += provider.candidates(context, diag)
    return [candidate for candidate in found if candidate.edits]


def fixes_for(
    source: str,
    report: Report,
    diag: Diagnostic,
    analyze: Optional[Analyzer] = None,
    context: Optional[FixContext] = None,
) -> tuple[Fix, ...]:
    """The verified fixes for one diagnostic, best first; the best one is preferred.

    ``context`` carries parse trees between the diagnostics of one snapshot."""
    if analyze is None:
        # an edit is verified as the report was made: same options, same file in the same project
        analyze = report.rerun
        if analyze is None:
            from shapelens.analysis import analyze as engine_analyze

            analyze = engine_analyze
    if context is None or context.source != source or context.report is not report:
        context = FixContext(source, report)
    found = candidates(context, diag)
    if not found:
        return ()
    owner = context.layer(diag.span)
    sliced = context.verification_base(owner[0] if owner else None, diag, analyze)
    whole = VerificationBase(source, report, diag, ())
    verified: list[tuple[tuple[int, int, int], Candidate]] = []
    settled_trials: set[str] = set()
    for order, candidate in enumerate(found):
        if candidate.trials is not None and candidate.trials in settled_trials:
            continue
        base = sliced if sliced.holds(candidate.edits) else whole
        fixed = base.verify(candidate.edits, analyze)
        if fixed is None:
            continue
        if candidate.trials is not None:
            settled_trials.add(candidate.trials)
        warnings_before = len(base.report.diagnostics) - base.report.error_count
        new_warnings = len(fixed.diagnostics) - fixed.error_count - warnings_before
        verified.append(((max(new_warnings, 0), candidate.rank, order), candidate))
    verified.sort(key=lambda item: item[0])
    return tuple(
        Fix(title=candidate.title, edits=candidate.edits, preferred=(rank == 0))
        for rank, (_, candidate) in enumerate(verified)
    )
