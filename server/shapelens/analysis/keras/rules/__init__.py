"""The table of Keras layer rules: one row per class, in Keras' own argument order (taken from
``inspect.signature`` of Keras 3), each naming its family function. Adding a layer of a known
family is adding a row to the module of its family.

Each family module also says what its rows are in Keras 2 (``KERAS2``: other defaults or another
argument order); the tables below hold the rows of each version, and of code whose version is
not known (both versions' rows, joined).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from ...rules import LayerRule, table
from ..dialect import KERAS2, KERAS3
from ..joined import JoinedRule
from . import attention, convolutional, core, merging, normalization, pooling, recurrent, reshaping
from .merging import MERGE_FUNCTIONS

FAMILIES = (convolutional, pooling, reshaping, core, normalization, merging, recurrent, attention)
KERAS3_ROWS = [replace(row, dialect=KERAS3) for family in FAMILIES for row in family.ROWS]
KERAS2_CHANGES: Mapping[str, Mapping[str, object]] = {
    name: change for family in FAMILIES for name, change in getattr(family, "KERAS2", {}).items()
}
KERAS2_ROWS = [replace(row, dialect=KERAS2, **KERAS2_CHANGES.get(row.name, {})) for row in KERAS3_ROWS]

RULES: dict[str, LayerRule] = table(KERAS3_ROWS)
KERAS2_RULES: dict[str, LayerRule] = table(KERAS2_ROWS)
EITHER_RULES: dict[str, LayerRule] = table([JoinedRule.of(rows) for rows in zip(KERAS3_ROWS, KERAS2_ROWS)])


def rules_for(majors: frozenset[int]) -> dict[str, LayerRule]:
    """The rows of the Keras the code runs with: 2, 3, or both when it is not known."""
    if majors == frozenset({2}):
        return KERAS2_RULES
    if majors == frozenset({3}):
        return RULES
    return EITHER_RULES


__all__ = ["RULES", "KERAS2_RULES", "EITHER_RULES", "MERGE_FUNCTIONS", "rules_for"]
