"""Text positions and edits: (line, column) ↔ offsets, applying edits, minimal diffs."""

from __future__ import annotations

import bisect
import difflib
import itertools
from typing import Sequence

from shapelens.analysis.report import Span, TextEdit, split_lines

__all__ = ["LineIndex", "apply_edits", "map_offset", "minimal_edits", "split_lines"]


class LineIndex:
    """Converts between (line, code-point column) and offsets into one source string."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.starts = list(itertools.accumulate(map(len, split_lines(source)), initial=0))

    def offset(self, line: int, col: int) -> int:
        line = min(max(line, 0), len(self.starts) - 1)
        return min(self.starts[line] + col, len(self.source))

    def point(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        line = min(line, len(self.starts) - 1)
        return line, offset - self.starts[line]

    def span(self, start: int, end: int) -> Span:
        return Span(*self.point(start), *self.point(end))

    def offsets(self, span: Span) -> tuple[int, int]:
        return self.offset(span.start_line, span.start_col), self.offset(span.end_line, span.end_col)


def apply_edits(source: str, edits: Sequence[TextEdit]) -> str:
    """The source with non-overlapping edits applied."""
    index = LineIndex(source)
    located = sorted(((*index.offsets(e.span), e) for e in edits), key=lambda item: item[0], reverse=True)
    for start, end, edit in located:
        source = source[:start] + edit.new_text + source[end:]
    return source


def map_offset(offset: int, index: LineIndex, edits: Sequence[TextEdit]) -> int:
    """Where an offset of the original source lands after the edits (inside an edit: its start)."""
    shift = 0
    for edit in edits:
        start, end = index.offsets(edit.span)
        if end <= offset and not (start == end == offset):
            shift += len(edit.new_text) - (end - start)
        elif start < offset < end:
            shift += start - offset
    return offset + shift


def minimal_edits(old: str, new: str, base: int, index: LineIndex) -> tuple[TextEdit, ...]:
    """Line diff, then each changed block trimmed to the characters that differ."""
    old_lines, new_lines = split_lines(old), split_lines(new)
    offsets = list(itertools.accumulate(map(len, old_lines), initial=0))
    edits = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        prefix = 0
        while prefix < min(len(before), len(after)) and before[prefix] == after[prefix]:
            prefix += 1
        suffix = 0
        while (
            suffix < min(len(before), len(after)) - prefix
            and before[len(before) - 1 - suffix] == after[len(after) - 1 - suffix]
        ):
            suffix += 1
        start = base + offsets[i1] + prefix
        end = base + offsets[i2] - suffix
        edits.append(TextEdit(index.span(start, end), after[prefix : len(after) - suffix]))
    return tuple(edits)
