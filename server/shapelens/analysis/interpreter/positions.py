"""Source positions: ``ast`` counts columns in UTF-8 bytes, the report in code points."""

from __future__ import annotations

import ast

from ..report import Span


class Positions:
    def __init__(self, lines: tuple[str, ...]) -> None:
        self.lines = lines
        self.wide = {i for i, text in enumerate(lines) if not text.isascii()}
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
            line = node.lineno - 1  # type: ignore[attr-defined]
            end_line = (node.end_lineno or node.lineno) - 1  # type: ignore[attr-defined]
            end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset  # type: ignore[attr-defined]
            span = self.cache[key] = Span(line, self.col(line, node.col_offset), end_line, self.col(end_line, end_col))  # type: ignore[attr-defined]
        return span

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
