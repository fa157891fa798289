"""Every quick fix offered on the torch oracle corpus, applied, leaves a script real torch runs.

The corpus and the torch harness are the oracle suite's (``tests/oracle_torch``); this file only
applies fixes. As for Keras, a fixture may still fail after one fix only on a line where the
engine still reports an error.
"""

from __future__ import annotations

import dataclasses

import pytest

from oracle_torch.corpus import broken_fixtures
from oracle_torch.torch_truth import run_in_torch
from shapelens.analysis import analyze
from shapelens.analysis.fixes import apply_edits, fixes_for

pytestmark = pytest.mark.oracle

FIXABLE_CODES = ("negative-dimension", "linear-in-features", "in-channels", "num-features")


def offered_fixes(source: str):
    report = analyze(source)
    for diagnostic in report.diagnostics:
        for fix in fixes_for(source, report, diagnostic):
            yield diagnostic, fix


@pytest.mark.parametrize("fixture", broken_fixtures(), ids=lambda fixture: fixture.name)
def test_every_offered_fix_leaves_a_script_torch_runs(fixture):
    problems = []
    for diagnostic, fix in offered_fixes(fixture.source):
        fixed = apply_edits(fixture.source, fix.edits)
        outcome = run_in_torch(dataclasses.replace(fixture, source=fixed))
        if outcome.failure is None:
            continue
        still_flagged = {d.span.start_line + 1 for d in analyze(fixed).diagnostics if d.severity == "error"}
        failing_line = outcome.failure.failing_layer[0] if outcome.failure.failing_layer else None
        if failing_line not in still_flagged:
            problems.append(
                f"{fix.title!r} for {diagnostic.code} at line {diagnostic.span.start_line + 1}: "
                f"torch: {outcome.failure.summary()}"
            )
    assert not problems, "\n".join(problems)


def test_each_fixable_torch_code_gets_a_verified_fix_somewhere_in_the_corpus():
    codes = {diagnostic.code for fixture in broken_fixtures() for diagnostic, _ in offered_fixes(fixture.source)}
    assert set(FIXABLE_CODES) <= codes
