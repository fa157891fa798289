"""Source positions: ``ast`` counts columns in UTF-8 bytes, the report in code points.

The analysed file's nodes give plain ``Span``s. A project module read for an import has its nodes
stamped with its own ``Positions`` (its lines, its path), and they give ``SourceSpan``s: the
same coordinates plus the file, so that two files' spans never compare equal and the report can
say where each thing lives.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Optional

from ..report import Span

# The attribute a project module's nodes carry: the Positions of their file.
STAMP = "_shapelens_positions"


@dataclass(frozen=True)
class SourceSpan(Span):
    """A span in another file than the analysed one (``path`` is absolute)."""

    path: str


def span_path(span: Span) -> Optional[str]:
    """The file of a span: ``None`` for the analysed file."""
    return span.path if isinstance(span, SourceSpan) else None


class Positions:
    def __init__(self, lines: tuple[str, ...], path: Optional[str] = None) -> None:
        self.lines = lines
        self.path = path  # None: the analysed file
        self.wide = set() if all(map(str.isascii, lines)) else {i for i, text in enumerate(lines) if not text.isascii()}
        self.cache: dict[int, Span] = {}

    def col(self, line: int, byte_col: int) -> int:
        if line not in self.wide:
            return byte_col
        return len(self.lines[line].encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def span(self, node: ast.AST) -> Span:
        # a helper called several times meets the same nodes again: compute each span once
        key = id(node)
        span = self.cache.get(key)
        if span is None:
            span = self.cache[key] = self.compute(node)
        return span

    def compute(self, node: ast.AST) -> Span:
        line = node.lineno - 1  # type: ignore[attr-defined]
        end_line = (node.end_lineno or node.lineno) - 1  # type: ignore[attr-defined]
        end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset  # type: ignore[attr-defined]
        start_col = node.col_offset  # type: ignore[attr-defined]
        if self.wide:
            start_col, end_col = self.col(line, start_col), self.col(end_line, end_col)
        if self.path is None:
            return Span(line, start_col, end_line, end_col)
        return SourceSpan(line, start_col, end_line, end_col, self.path)

    def text(self, node: ast.AST) -> str:
        """The source text of a node."""
        span = self.span(node)
        if span.start_line == span.end_line:
            return self.lines[span.start_line][span.start_col:span.end_col]
        parts = [self.lines[span.start_line][span.start_col:]]
        parts += list(self.lines[span.start_line + 1:span.end_line])
        parts.append(self.lines[span.end_line][:span.end_col])
        return "\n".join(parts)

    def label(self, node: ast.AST, limit: int = 60) -> str:
        """A call as a one-line label (``conv_block(x, 64)``), shortened past ``limit`` characters."""
        text = " ".join(self.text(node).split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def stamp(self, tree: ast.AST) -> None:
        """Mark every node of a project module's tree as this file's."""
        for node in ast.walk(tree):
            setattr(node, STAMP, self)


class ProgramPositions:
    """Positions in the analysed file and in every project module it imports, found per node."""

    def __init__(self, main: Positions) -> None:
        self.main = main
        self.by_path: dict[str, Positions] = {}
        self.cache: dict[int, Span] = {}  # by node, whatever its file (nodes live as long as the run)

    def of(self, node: ast.AST) -> Positions:
        return getattr(node, STAMP, None) or self.main

    def span(self, node: ast.AST) -> Span:
        key = id(node)
        span = self.cache.get(key)
        if span is None:
            span = self.cache[key] = (getattr(node, STAMP, None) or self.main).compute(node)
        return span

    def text(self, node: ast.AST) -> str:
        return self.of(node).text(node)

    def label(self, node: ast.AST, limit: int = 60) -> str:
        return self.of(node).label(node, limit)

    def add(self, positions: Positions) -> None:
        if positions.path is not None:
            self.by_path[positions.path] = positions

    def lines(self, span: Span) -> tuple[str, ...]:
        """The lines of the file a span is in."""
        path = span_path(span)
        positions = self.by_path.get(path) if path is not None else None
        return (positions or self.main).lines
