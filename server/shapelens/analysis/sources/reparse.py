"""Parsing a document's successive versions: only the top-level statements an edit touched are
parsed again, the others' trees are reused.

The server analyses a document on every change, and a change is usually a few characters in one
place: parsing the whole text again is a third of the analysis of a short file. A ``Reparser``
remembers the last tree it gave, finds the lines the new text changed (their common first and
last lines), widens them to whole top-level statements, parses those alone and splices them
between the old tree's statements before and after. The result is the tree ``ast.parse`` gives
for the new text (``tests/test_reparse.py`` compares them, positions included, on random edits).

Why splicing is exact: a top-level statement that starts at column 0 of its own line, after the
previous statement's last line and a line that does not continue with ``\\``, starts with the
tokenizer at rest (no open bracket or string, indentation 0), so what precedes it does not
change how it parses. The reparsed region starts at such a line, in the unchanged text, and it
parses alone, so it ends at rest; the unchanged statements after it start at such a line too.
When the edit changed the number of lines, the statements after it would need their line
numbers moved (their nodes are shared with the last tree, which the last report still reads),
so the region reaches the end instead. Anything in doubt (no statement boundary near the edit,
a region that does not parse alone, ``from __future__ import barry_as_FLUFL``, which changes the
grammar) parses the whole text, whose result or error is then the answer.

Nodes are shared between successive trees: the engine never writes to the nodes of the analysed
file's tree.
"""

from __future__ import annotations

import ast
from bisect import bisect_right
from typing import Optional, Sequence

# The future import that changes Python's grammar (``<>`` for ``!=``).
GRAMMAR_FUTURE = "barry_as_FLUFL"


class Reparser:
    """``parse`` gives ``ast.parse(text)``, reusing the last tree's unchanged top-level statements.
    One per document; not thread-safe (the server uses it from its analysis thread only)."""

    def __init__(self) -> None:
        self.lines: tuple[str, ...] = ()
        self.tree: Optional[ast.Module] = None
        # Lines where a top-level statement starts with the tokenizer at rest (ascending), and
        # the index into ``tree.body`` of the statement that starts there.
        self.boundaries: list[int] = []
        self.first_statement: list[int] = []
        self.reused = 0  # top-level statements the last parse took from the tree before it

    def parse(self, text: str, lines: Sequence[str]) -> ast.Module:
        """The tree of ``text`` (split into ``lines`` at \\r\\n, \\r and \\n); raises what
        ``ast.parse`` raises."""
        lines = tuple(lines)
        spliced = self._spliced(lines)
        if spliced is None:
            self.reused = 0
            tree, kept = ast.parse(text), 0
        else:
            tree, kept = spliced
        if tree is not self.tree:  # the same text gives the same tree, whose boundaries are known
            self._remember(lines, tree, kept)
        return tree

    def _remember(self, lines: tuple[str, ...], tree: ast.Module, kept: int = 0) -> None:
        """Where ``tree``'s statements start at rest. With ``kept``, the tree was spliced at the
        boundary of that index: it and the ones before it stand (same statements, same lines)."""
        self.lines, self.tree = lines, tree
        if kept:
            del self.boundaries[kept + 1:], self.first_statement[kept + 1:]
            self._find_boundaries(lines, tree.body, self.first_statement[-1])
            return
        self.boundaries, self.first_statement = [], []
        if any(isinstance(s, ast.ImportFrom) and s.module == "__future__"
               and any(alias.name == GRAMMAR_FUTURE for alias in s.names) for s in tree.body):
            return  # the grammar depends on the file's head: every version is parsed whole
        if not tree.body:
            return
        # the file's first line: nothing precedes it
        self.boundaries, self.first_statement = [0], [0]
        self._find_boundaries(lines, tree.body, 0)

    def _find_boundaries(self, lines: tuple[str, ...], body: list[ast.stmt], after: int) -> None:
        """The boundaries of the statements after the one at index ``after``."""
        previous_end = (body[after].end_lineno or body[after].lineno) - 1  # the last line of the statement before, 0-based
        for index in range(after + 1, len(body)):
            statement = body[index]
            start = _at_rest_start(statement, previous_end, lines)
            if start is not None:
                self.boundaries.append(start)
                self.first_statement.append(index)
            previous_end = max(previous_end, (statement.end_lineno or statement.lineno) - 1)

    def _spliced(self, new: tuple[str, ...]) -> Optional[tuple[ast.Module, int]]:
        """The new tree, and the index of the boundary its reparsed region starts at (the
        boundaries up to it stand; 0 when the region starts at the top); None to parse it whole."""
        old, tree, boundaries = self.lines, self.tree, self.boundaries
        if tree is None or not boundaries:
            return None
        if new == old:
            self.reused = len(tree.body)
            return tree, len(boundaries) - 1
        limit = min(len(old), len(new))
        prefix = 0
        while prefix < limit and old[prefix] == new[prefix]:
            prefix += 1
        suffix = 0
        while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
            suffix += 1
        delta = len(new) - len(old)
        # The region starts at the boundary at or before the line above the first changed one
        # (lines added right after a statement may continue its block).
        at = bisect_right(boundaries, max(prefix - 1, 0)) - 1
        start, start_index = boundaries[at], self.first_statement[at]
        # ... and ends at the first boundary at or after the first unchanged line that follows
        # the change, or at the end when the edit moved the lines after it.
        first_unchanged = len(old) - suffix
        after = bisect_right(boundaries, first_unchanged - 1)
        if delta != 0 or after >= len(boundaries):
            end, end_index = len(old), len(tree.body)
        else:
            end, end_index = boundaries[after], self.first_statement[after]
        region = new[start:end + delta]
        if region and region[-1].endswith("\\"):
            return None
        region_text = "\n".join(region)
        if "__future__" in region_text:
            return None  # where a future import may stand is the whole file's business
        try:
            # blank lines in place of the ones before the region give its nodes their line
            # numbers in the whole text (no second walk to move them)
            part = ast.parse("\n" * start + region_text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None  # the whole text's parse says what is wrong, and where
        self.reused = start_index + len(tree.body) - end_index
        return ast.Module(body=tree.body[:start_index] + part.body + tree.body[end_index:], type_ignores=[]), at


def _at_rest_start(statement: ast.stmt, previous_end: int, lines: tuple[str, ...]) -> Optional[int]:
    """The line a top-level statement starts on, when the tokenizer is at rest there: the
    statement (or its first decorator's ``@``) is at column 0 of the first line after the
    statement before that is not blank or a comment, and the line before does not end with
    ``\\``. ``None`` otherwise (the statement is then reparsed with the one before it)."""
    decorators = getattr(statement, "decorator_list", None)
    if decorators:
        start = decorators[0].lineno - 1
        if decorators[0].col_offset < 1 or not lines[start].startswith("@"):
            return None
    else:
        start = statement.lineno - 1
        if statement.col_offset != 0:
            return None
    line = previous_end + 1
    while line < start and _blank_or_comment(lines[line]):
        line += 1
    if line != start or start >= len(lines) or lines[start][:1] in ("", " ", "\t", "\f", "#"):
        return None
    if start > 0 and lines[start - 1].endswith("\\"):
        return None
    return start


def _blank_or_comment(line: str) -> bool:
    stripped = line.lstrip(" \t\f")
    return not stripped or stripped.startswith("#")
