"""The cross-entropy that fits the targets, in place of the one ``compile`` names: integer class
labels with ``categorical_crossentropy`` (or a two-unit ``binary_crossentropy`` head) take
``sparse_categorical_crossentropy``; one-hot labels with the sparse loss take the categorical one.
The loss is renamed where it is written (a string, a ``keras.losses`` function or class), its
other arguments kept."""

from __future__ import annotations

import re
from typing import Iterator, Optional

from shapelens.analysis.report import Diagnostic, Span, TextEdit
from shapelens.fixes.context import Candidate, FixContext
from shapelens.fixes.provider import Provider

# Each loss's names as written: in ``compile``'s string or as a ``keras.losses`` function, and as a class.
NAMES = {
    "categorical": ("categorical_crossentropy", "CategoricalCrossentropy"),
    "sparse": ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy"),
    "binary": ("binary_crossentropy", "BinaryCrossentropy"),
}


def kind_of(name: str) -> Optional[str]:
    return next((kind for kind, names in NAMES.items() if name in names), None)


def replacement(kind: str, target: tuple, output: tuple) -> Optional[str]:
    """The loss that fits the targets, when they are plainly the other encoding."""
    labels = len(target) == 1 or (len(target) == len(output) and target[-1] == 1)
    if kind in ("categorical", "binary") and labels and isinstance(output[-1], int) and output[-1] > 1:
        return "sparse"
    if kind == "sparse" and len(target) == len(output) and target[-1] == output[-1]:
        return "categorical"
    return None


def candidates(context: FixContext, diag: Diagnostic) -> Iterator[Candidate]:
    name, target, output = diag.fact("loss"), diag.fact("target_shape"), diag.fact("output_shape")
    if not isinstance(name, str) or not isinstance(target, tuple) or not isinstance(output, tuple) or not diag.related:
        return
    kind = kind_of(name)
    better = replacement(kind, target, output) if kind is not None else None
    span = diag.related[0].span
    if better is None or span.start_line != span.end_line:
        return
    lines = context.source.splitlines()
    if span.start_line >= len(lines):
        return
    written = lines[span.start_line][span.start_col:span.end_col]
    # the loss's name where it is written: the whole word, so that the sparse name is not read as the categorical one
    found = re.search(rf"(?<![A-Za-z_]){re.escape(name)}(?![A-Za-z_])", written)
    if found is None:
        return
    new_name = NAMES[better][1 if name[:1].isupper() else 0]
    start = span.start_col + found.start()
    edit = TextEdit(Span(span.start_line, start, span.start_line, start + len(name)), new_name)
    yield Candidate("loss-swap", f"Use loss {new_name}", (edit,), rank=0)


PROVIDER = Provider("loss-swap", frozenset({"loss-target"}), frozenset({"keras"}), candidates)
