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
from offered_fixes import lines_with_errors, offered_fixes

pytestmark = pytest.mark.oracle

FIXABLE_CODES = ("negative-dimension", "linear-in-features", "in-channels", "num-features")


@pytest.mark.parametrize("fixture", broken_fixtures(), ids=lambda fixture: fixture.name)
def test_every_offered_fix_leaves_a_script_torch_runs(fixture):
    problems = []
    for diagnostic, fix, fixed in offered_fixes(fixture.source):
        outcome = run_in_torch(dataclasses.replace(fixture, source=fixed))
        if outcome.failure is None:
            continue
        still_flagged = lines_with_errors(fixed)
        failing_line = outcome.failure.failing_layer[0] if outcome.failure.failing_layer else None
        if failing_line not in still_flagged:
            problems.append(
                f"{fix.title!r} for {diagnostic.code} at line {diagnostic.span.start_line + 1}: "
                f"torch: {outcome.failure.summary()}"
            )
    assert not problems, "\n".join(problems)


def test_each_fixable_torch_code_gets_a_verified_fix_somewhere_in_the_corpus():
    codes = {diagnostic.code for fixture in broken_fixtures() for diagnostic, _, _ in offered_fixes(fixture.source)}
    assert set(FIXABLE_CODES) <= codes
