"""How Keras cuts the data given to ``fit`` / ``evaluate`` / ``predict`` into batches
(keras/src/trainers/data_adapters/array_data_adapter.py)."""

from __future__ import annotations

import math
from typing import Optional

from ..dims import Shape

# Where each data method takes `batch_size` positionally, and the steps argument that sizes a batch
# when `batch_size` is not given.
BATCHED = {"fit": (2, "steps_per_epoch"), "evaluate": (2, "steps"), "predict": (1, "steps")}
DEFAULT_BATCH = 32


def batch_plan(method: str, rows: object, args: list, kwargs: dict, validation: bool = False) -> Optional[tuple[int, int]]:
    """(the rows the batches are cut from, the rows of a full batch): the whole array for a call or
    an ``*_on_batch``; for ``fit`` (after ``validation_split``), ``evaluate`` and ``predict``,
    ``batch_size`` rows, 32 unless said, or ``ceil(rows / steps)`` given steps. ``validation``:
    ``fit``'s ``validation_data``, cut by ``validation_batch_size`` (else ``batch_size``)."""
    if not isinstance(rows, int) or isinstance(rows, bool) or rows <= 0:
        return None
    if method not in BATCHED:
        return rows, rows
    position, steps_name = BATCHED[method]
    split = kwargs.get("validation_split", 0.0) if method == "fit" and not validation else 0.0
    if not isinstance(split, (int, float)) or isinstance(split, bool):
        return None
    if split:
        rows = int(math.floor(rows * (1.0 - split)))
    batch = kwargs.get("validation_batch_size") if validation else None
    if batch is None:
        batch = args[position] if len(args) > position else kwargs.get("batch_size")
    steps = None if validation else kwargs.get(steps_name)
    if batch is None or batch == 0:
        if steps is None:
            batch = DEFAULT_BATCH
        elif isinstance(steps, int) and not isinstance(steps, bool) and steps > 0:
            batch = int(math.ceil(rows / steps))
    if not isinstance(batch, int) or isinstance(batch, bool) or batch <= 0 or rows <= 0:
        return None
    return rows, batch


def first_batch(method: str, shape: Shape, args: list, kwargs: dict) -> Optional[int]:
    """How many rows the first batch Keras feeds the model has."""
    plan = batch_plan(method, shape[0] if shape else None, args, kwargs)
    return None if plan is None else min(plan)
