"""What the server keeps per open Python document: analyses of its snapshots, not its text.

The text lives in pygls' workspace. An ``Analysis`` is immutable: the report of exactly one
(uri, version). Hovers and inlay hints read the newest analysis whose source parsed; code
actions read only the one for the version the editor shows.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional

from shapelens.analysis.report import Fix, Layer, Model, Report, Span
from shapelens.analysis.sources.reparse import Reparser
from shapelens.lsp.workspace import lsp_lines


class PositionLookup:
    """The report's layers, models and inputs by line, so a hover on a 5,000-line file looks
    at the few things on its line instead of every layer of every model."""

    def __init__(self, report: Report) -> None:
        self.layers: dict[int, list[tuple[Model, Layer]]] = {}
        self.models: dict[int, list[tuple[Model, Span]]] = {}
        self.inputs: dict[int, list[tuple[Model, Span]]] = {}
        self.hints: dict[int, list[Layer]] = {}
        layer_spans = {layer.span for model in report.models for layer in model.layers}
        for model in report.models:
            for span in (model.span, *model.name_spans):
                self._add(self.models, span, (model, span))
            for span in model.input_spans:
                self._add(self.inputs, span, (model, span))
            for layer in model.layers:
                self._add(self.layers, layer.span, (model, layer))
                if layer.call_span is not None and layer.call_span != layer.span:  # ``self.conv1(x)``
                    self._add(self.layers, layer.call_span, (model, layer))
                hint_line = layer.hint_line if layer.hint_line is not None else layer.span.end_line
                self.hints.setdefault(hint_line, []).append(layer)
                for source in layer.inputs_from:
                    if source not in layer_spans:  # a keras.Input(...) feeding this layer
                        self._add(self.inputs, source, (model, source))

    @staticmethod
    def _add(index: dict, span: Span, item: object) -> None:
        for line in range(span.start_line, span.end_line + 1):
            index.setdefault(line, []).append(item)

    def layers_at(self, line: int, col: int) -> list[tuple[Model, Layer, Span]]:
        """Like ``Report.layers_at``: every layer application whose constructor or call holds
        the position, innermost first, with the span that holds it."""
        hits = []
        for model, layer in self.layers.get(line, ()):
            for span in (layer.span, layer.call_span):
                if span is not None and span.contains(line, col) and (model, layer, span) not in hits:
                    hits.append((model, layer, span))
        return sorted(hits, key=lambda hit: hit[2].size())

    def model_at(self, line: int, col: int) -> Optional[tuple[Model, Span]]:
        """The model whose call or name holds the position, with that span; a name first."""
        hits = [hit for hit in self.models.get(line, ()) if hit[1].contains(line, col)]
        return min(hits, key=lambda hit: hit[1].size(), default=None)

    def input_at(self, line: int, col: int) -> Optional[tuple[Model, Span]]:
        return next((hit for hit in self.inputs.get(line, ()) if hit[1].contains(line, col)), None)


@dataclass(frozen=True)
class Analysis:
    uri: str
    version: Optional[int]
    source: str
    report: Report
    # Lines as Python splits them (the engine's spans count these), without their endings.
    lines: tuple[str, ...]

    @cached_property
    def lookup(self) -> PositionLookup:
        return PositionLookup(self.report)

    @classmethod
    def of(cls, uri: str, version: Optional[int], source: str, report: Report) -> "Analysis":
        # the engine has split the text already, where Python and LSP do (no second pass per keystroke)
        lines = report.lines or tuple(line.rstrip("\r\n") for line in lsp_lines(source))
        return cls(uri, version, source, report, lines or ("",))


@dataclass
class AnalysisState:
    """One open Python document's analyses, and the debounced analysis waiting to run."""

    uri: str
    latest: Optional[Analysis] = None  # the newest version analysed (parsed or not)
    last_good: Optional[Analysis] = None  # the newest analysis whose source parsed
    pending: Optional[asyncio.Task] = None  # the debounced analysis waiting to run
    # Verified fixes of ``latest``, by the diagnostic's index in its report.
    fixes: dict[int, tuple[Fix, ...]] = field(default_factory=dict)
    fix_context: Optional[object] = None  # the FixContext of ``latest`` (parse trees for fixes)
    # Parses each version reusing the last one's unchanged statements (analysis thread only).
    reparser: Reparser = field(default_factory=Reparser)

    def store(self, analysis: Analysis) -> None:
        self.latest = analysis
        self.fixes.clear()
        self.fix_context = None
        if analysis.report.parsed:
            self.last_good = analysis

    def current(self, version: Optional[int]) -> Optional[Analysis]:
        """The analysis of exactly this version, if there is one."""
        if self.latest is not None and self.latest.version == version:
            return self.latest
        return None

    def cancel_pending(self) -> None:
        if self.pending is not None and not self.pending.done():
            self.pending.cancel()
        self.pending = None
