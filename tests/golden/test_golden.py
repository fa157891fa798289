"""The full report of every fixture and example, frozen (tests/golden/reports/).

A report that differs from its frozen copy fails here. Where a change of behaviour is meant,
the frozen file is rewritten (``python tests/golden/snapshot.py --write``) and its ``"changed"``
entry says why, so the history of each file explains every difference.
"""

from __future__ import annotations

import json

import pytest

from golden.snapshot import FROZEN, frozen_name, golden_cases, snapshot

CASES = golden_cases()


def test_every_source_is_frozen() -> None:
    frozen = {path.name for path in FROZEN.glob("*.json")}
    assert sorted(frozen_name(*case) for case in CASES if frozen_name(*case) not in frozen) == []
    assert len(CASES) >= 160


@pytest.mark.parametrize("path, keras_version", CASES, ids=[frozen_name(*case)[:-5] for case in CASES])
def test_report_is_unchanged(path, keras_version) -> None:
    frozen = json.loads((FROZEN / frozen_name(path, keras_version)).read_text(encoding="utf-8"))
    frozen.pop("changed", None)
    assert snapshot(path.read_text(encoding="utf-8"), path, keras_version) == frozen
