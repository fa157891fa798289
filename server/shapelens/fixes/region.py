"""A region of the document: whole lines holding complete statements, parsed by libcst.

libcst is 10-40x slower than ``ast``, so a fix parses only the few statements it touches, and
turns the changed tree back into minimal text edits of the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping, Optional, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from shapelens.analysis.report import Span, TextEdit
from shapelens.fixes.text import LineIndex, minimal_edits

Replacement = Union[cst.CSTNode, cst.RemovalSentinel]


@dataclass(eq=False)
class Region:
    """Whole lines of the document holding complete statements, parsed by libcst.

    Indented statements are parsed under an ``if True:`` header, so their indentation, and
    everything else about their formatting, survives untouched.
    """

    source: str
    index: LineIndex
    start: int  # document offset of the first character
    end: int
    header: str
    wrapper: MetadataWrapper
    positions: Mapping = field(repr=False)
    parents: Mapping = field(repr=False)

    @classmethod
    def of_lines(cls, source: str, index: LineIndex, first: int, last: int) -> Optional["Region"]:
        start = index.offset(first, 0)
        end = index.starts[min(last + 1, len(index.starts) - 1)]
        text = source[start:end]
        header = "if True:\n" if text[:1] in (" ", "\t") else ""
        try:
            module = cst.parse_module(header + text)
        except cst.ParserSyntaxError:
            return None
        wrapper = MetadataWrapper(module)
        positions = wrapper.resolve(PositionProvider)
        parents = wrapper.resolve(ParentNodeProvider)
        return cls(source, index, start, end, header, wrapper, positions, parents)

    @property
    def module(self) -> cst.Module:
        return self.wrapper.module

    @cached_property
    def _text_index(self) -> LineIndex:
        return LineIndex(self.header + self.source[self.start : self.end])

    def doc_range(self, node: cst.CSTNode) -> tuple[int, int]:
        """A node's document offsets."""
        code_range = self.positions[node]
        shift = self.start - len(self.header)
        start = self._text_index.offset(code_range.start.line - 1, code_range.start.column) + shift
        end = self._text_index.offset(code_range.end.line - 1, code_range.end.column) + shift
        return start, end

    def call_at(self, span: Span) -> Optional[cst.Call]:
        """The call written exactly at the span (a layer constructor), else the smallest
        call starting where the span starts."""
        start, end = self.index.offsets(span)
        best: Optional[tuple[int, cst.Call]] = None
        for node in self.positions:
            if not isinstance(node, cst.Call):
                continue
            node_start, node_end = self.doc_range(node)
            if node_start != start:
                continue
            if node_end == end:
                return node
            if best is None or node_end - node_start < best[0]:
                best = (node_end - node_start, node)
        return best[1] if best else None

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.parents.get(node)

    def replace(self, replacements: Mapping[cst.CSTNode, Replacement]) -> cst.Module:
        """The region's module with these nodes of its tree replaced (or removed)."""
        return self.module.visit(_ReplaceNodes({id(node): new for node, new in replacements.items()}))

    def edits_for(self, new_module: cst.Module) -> tuple[TextEdit, ...]:
        """The minimal text edits that turn this region into ``new_module``."""
        try:
            new_text = new_module.code
        except Exception:  # libcst refuses to render an invalid tree (e.g. an emptied block)
            return ()
        if not new_text.startswith(self.header):
            return ()
        body = new_text[len(self.header) :]
        if not body.strip():
            body = ""  # every statement removed: the lines go too
        return minimal_edits(self.source[self.start : self.end], body, self.start, self.index)

    def replacing(self, replacements: Mapping[cst.CSTNode, Replacement]) -> tuple[TextEdit, ...]:
        """The edits that replace these nodes."""
        return self.edits_for(self.replace(replacements))


class _ReplaceNodes(cst.CSTTransformer):
    """Replaces (or removes) nodes of the original tree, keyed by identity."""

    def __init__(self, replacements: dict[int, Replacement]) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Replacement:  # type: ignore[override]
        return self.replacements.get(id(original_node), updated_node)


def code_of(node: cst.CSTNode) -> str:
    """A node's source text, as libcst renders it."""
    return cst.Module([]).code_for_node(node)
