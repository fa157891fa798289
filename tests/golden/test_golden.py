"""The full report of every fixture and example, frozen (tests/golden/reports/).

A report that differs from its frozen copy fails here. Where a change of behaviour is meant,
the frozen file is rewritten (``python tests/golden/snapshot.py --write``) and its ``"changed"``
entry says why, so the history of each file explains every difference.
"""

from __future__ import annotations

import json

import pytest

from golden.snapshot import FROZEN, frozen_name, snapshot, source_files

SOURCES = source_files()


def test_every_source_is_frozen() -> None:
    frozen = {path.name for path in FROZEN.glob("*.json")}
    assert sorted(frozen_name(p) for p in SOURCES if frozen_name(p) not in frozen) == []
    assert len(SOURCES) >= 160


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: frozen_name(p)[:-5])
def test_report_is_unchanged(path) -> None:
    frozen = json.loads((FROZEN / frozen_name(path)).read_text(encoding="utf-8"))
    frozen.pop("changed", None)
    assert snapshot(path.read_text(encoding="utf-8"), path) == frozen
