"""Every quick fix offered on the oracle corpus, applied, leaves a script that real Keras 3 runs.

The corpus and the Keras harness are the oracle suite's (``tests/oracle``); this file only
applies fixes. A fixture with several independent errors may still fail in Keras after one fix,
but only on a line where the engine still reports an error that was there before the fix.
"""

from __future__ import annotations

import pytest

from oracle.corpus import broken_fixtures, load_corpus
from oracle.keras_truth import run_in_keras
from offered_fixes import lines_with_errors, offered_fixes

pytestmark = pytest.mark.oracle

FIXABLE_CODES = ("negative-dimension", "rank-mismatch", "input-mismatch", "dense-on-rank>2", "loss-target")


@pytest.mark.parametrize("fixture", broken_fixtures(), ids=lambda fixture: fixture.name)
def test_every_offered_fix_leaves_a_script_keras_runs(fixture):
    problems = []
    for diagnostic, fix, fixed in offered_fixes(fixture.source):
        outcome = run_in_keras(fixture.path, fixed)
        if outcome.failure is None:
            continue
        still_flagged = lines_with_errors(fixed)
        failing_lines = {outcome.failure.statement_line}
        if outcome.failure.failing_layer is not None:
            failing_lines.add(outcome.failure.failing_layer[0])
        if not failing_lines & still_flagged:
            problems.append(
                f"{fix.title!r} for {diagnostic.code} at line {diagnostic.span.start_line + 1}: Keras raised "
                f"{outcome.failure.error_type} at line(s) {sorted(l for l in failing_lines if l)}: "
                f"{outcome.failure.message.splitlines()[0][:200]}"
            )
    assert not problems, "\n".join(problems)


def test_each_fixable_code_gets_a_verified_fix_somewhere_in_the_corpus():
    codes = {diagnostic.code for fixture in load_corpus() for diagnostic, _, _ in offered_fixes(fixture.source)}
    assert set(FIXABLE_CODES) <= codes
