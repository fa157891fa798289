"""The table of Keras layer rules: one row per class, in Keras' own argument order (taken from
``inspect.signature`` of Keras 3), each naming its family function. Adding a layer of a known
family is adding a row to the module of its family."""

from __future__ import annotations

from ...rules import LayerRule, table
from . import attention, convolutional, core, merging, normalization, pooling, recurrent, reshaping
from .merging import MERGE_FUNCTIONS

RULES: dict[str, LayerRule] = table(
    convolutional.ROWS + pooling.ROWS + reshaping.ROWS + core.ROWS + normalization.ROWS
    + merging.ROWS + recurrent.ROWS + attention.ROWS
)

__all__ = ["RULES", "MERGE_FUNCTIONS"]
