"""One snapshot being fixed, and what a provider hands back: unverified candidate edits."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional

import libcst as cst

from shapelens.analysis.report import Diagnostic, Layer, Model, Report, Span, TextEdit
from shapelens.analysis.statements import StatementIndex
from shapelens.fixes.region import Region
from shapelens.fixes.text import LineIndex
from shapelens.fixes.verification import Analyzer, VerificationBase, sliced_base


@dataclass(frozen=True)
class Candidate:
    """One fix worth verifying."""

    kind: str  # e.g. "padding-same"
    title: str
    edits: tuple[TextEdit, ...]
    rank: int = 0  # against another fix that also works: lower is offered first
    # Candidates sharing a key are trials of one fix: the first that verifies is the fix.
    trials: Optional[str] = None


@dataclass(eq=False)
class FixContext:
    """One snapshot being fixed, with what every fix for it needs: the statement index (for
    regions and the slice), parsed libcst regions, and the verification slice per model.
    Reuse it for all the diagnostics of one snapshot."""

    source: str
    report: Report
    index: LineIndex = field(init=False)
    _regions: dict = field(init=False, default_factory=dict, repr=False)
    _bases: dict = field(init=False, default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.index = LineIndex(self.source)

    @cached_property
    def statements(self) -> StatementIndex:
        made = self.report.statements() if self.report.statements is not None else None
        if isinstance(made, StatementIndex) and made.source == self.source:
            return made  # the engine's parse of this very text
        return StatementIndex.of(self.source)

    def region(self, *lines: int) -> Optional[Region]:
        """The statements holding all these 0-based lines, as one parsed region (cached:
        candidates for one diagnostic often touch the same statement)."""
        bounds = [self.statements.statement_lines(line) for line in lines]
        if any(b is None for b in bounds):
            return None
        first = min(b[0] for b in bounds)  # type: ignore[index]
        last = max(b[1] for b in bounds)  # type: ignore[index]
        return self.region_of_lines(first, last)

    def region_of_lines(self, first: int, last: int) -> Optional[Region]:
        if (first, last) not in self._regions:
            self._regions[(first, last)] = Region.of_lines(self.source, self.index, first, last)
        return self._regions[(first, last)]

    def call_of(self, layer: Layer) -> Optional[tuple[Region, cst.Call]]:
        """The layer's constructor call, in the region of its statement."""
        region = self.region(layer.span.start_line)
        call = region.call_at(layer.span) if region is not None else None
        return (region, call) if region is not None and call is not None else None

    def text_of(self, span: Span) -> str:
        start, end = self.index.offsets(span)
        return self.source[start:end]

    def layer(self, span: Span) -> Optional[tuple[Model, Layer]]:
        """The application of the layer written at ``span``; of several (a builder or helper
        called more than once) the one whose output is unknown, i.e. the one that fails."""
        found = [(model, layer) for model in self.report.models for layer in model.layers if layer.span == span]
        failing = [hit for hit in found if hit[1].output_shape is None]
        return (failing or found or [None])[0]

    def layer_named_by(self, diag: Diagnostic) -> Optional[tuple[Model, Layer]]:
        """The layer a diagnostic is about: the one its ``layer_span`` fact names, else the
        one written at its span."""
        layer_span = diag.fact("layer_span")
        return self.layer(layer_span if isinstance(layer_span, Span) else diag.span)

    def framework_of(self, diag: Diagnostic) -> Optional[str]:
        """The framework of the model a diagnostic is in (None when no model is found)."""
        found = self.layer(diag.span) or self.layer_named_by(diag)
        if found is not None:
            return found[0].framework
        model = self.report.model_at(diag.span.start_line, diag.span.start_col)
        return model.framework if model is not None else None

    def verification_base(self, model: Optional[Model], diag: Diagnostic, analyze: Analyzer) -> VerificationBase:
        """What a fix for ``diag`` is verified against: the source with every top-level
        statement the model does not need blanked (so a 5,000-line file re-analyses as a
        few dozen lines). The whole file when the slice does not reproduce the diagnostic."""
        key = (model.span if model is not None else None, diag.span)
        if key not in self._bases:
            anchors = {diag.span.start_line, diag.span.end_line}
            if model is not None:
                anchors |= {model.span.start_line, model.span.end_line}
                anchors |= {s.start_line for s in model.name_spans}
                anchors |= {line for layer in model.layers for line in (layer.span.start_line, layer.span.end_line)}
            self._bases[key] = sliced_base(self.statements, self.report, diag, anchors, analyze)
        return self._bases[key]
