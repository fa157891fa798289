"""Engine values (code-point spans, severities, edits) to LSP values in the client's units."""

from __future__ import annotations

from typing import Callable, Optional, Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from shapelens.analysis.dims import format_output
from shapelens.analysis.report import Diagnostic, Layer, Model, Related, Report, Span, TextEdit
from shapelens.lsp.options import ServerOptions

SOURCE = "shapelens"

SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


def to_position(line: int, col: int, lines: Sequence[str], codec: PositionCodec) -> types.Position:
    """A code-point position as the client counts it (UTF-16 units unless negotiated)."""
    text = lines[line] if 0 <= line < len(lines) else ""
    return types.Position(line=line, character=codec.client_num_units(text[:col]))


def to_range(span: Span, lines: Sequence[str], codec: PositionCodec) -> types.Range:
    return types.Range(
        start=to_position(span.start_line, span.start_col, lines, codec),
        end=to_position(span.end_line, span.end_col, lines, codec),
    )


def from_position(
    position: types.Position, lines: Sequence[str], codec: PositionCodec
) -> tuple[int, int]:
    """A client position as (line, code-point column); a column inside a surrogate pair or
    past the end of the line is clamped to the character that holds it / the line's end."""
    if not 0 <= position.line < len(lines):
        return position.line, position.character
    text = lines[position.line].rstrip("\r\n")
    units = 0
    for index, char in enumerate(text):
        units += codec.client_num_units(char)
        if units > position.character:
            return position.line, index
    return position.line, len(text)


def from_range(range_: types.Range, lines: Sequence[str], codec: PositionCodec) -> Span:
    start = from_position(range_.start, lines, codec)
    end = from_position(range_.end, lines, codec)
    return Span(start[0], start[1], end[0], end[1])


def layer_with_span(report: Report, span: Span) -> Optional[tuple[Model, Layer]]:
    for model in report.models:
        for layer in model.layers:
            if layer.span == span:
                return model, layer
    return None


def producers_of(report: Report, diag: Diagnostic) -> tuple[Related, ...]:
    """The layers that produced the offending layer's inputs (every branch of a merge)."""
    found = layer_with_span(report, diag.span)
    if found is None:
        return ()
    model, layer = found
    related = []
    for index, source_span in enumerate(layer.inputs_from):
        producer = layer_with_span(report, source_span)
        if producer is None:
            continue
        shape = layer.input_shapes[index] if index < len(layer.input_shapes) else None
        related.append(
            Related(
                source_span,
                f"input {index} comes from {producer[1].class_name}: {format_output(shape)}",
            )
        )
    return tuple(related)


def to_diagnostic(
    diag: Diagnostic,
    report: Report,
    lines: Sequence[str],
    codec: PositionCodec,
    options: ServerOptions,
    uri: str,
    uri_of: Optional[Callable[[str], str]] = None,
) -> Optional[types.Diagnostic]:
    """The LSP diagnostic, or None when the user set this code's severity to "off". ``lines`` are
    the diagnostic's own file's; ``uri`` is the analysed document's; ``uri_of`` gives the URI of
    another file of the project (by its path in the report), where related information may point."""
    severity = options.severity_for(diag.code, diag.severity)
    if severity is None:
        return None
    related = diag.related or (producers_of(report, diag) if diag.path is None else ())
    own_lines = report.lines if diag.path is not None else lines
    return types.Diagnostic(
        range=to_range(diag.span, lines, codec),
        severity=SEVERITIES.get(severity, types.DiagnosticSeverity.Error),
        code=diag.code,
        source=SOURCE,
        message=diag.message,
        related_information=[
            types.DiagnosticRelatedInformation(location=location(item, report, own_lines, codec, uri, uri_of), message=item.message)
            for item in related
        ]
        or None,
    )


def location(item: Related, report: Report, own_lines: Sequence[str], codec: PositionCodec, uri: str,
             uri_of: Optional[Callable[[str], str]]) -> types.Location:
    """Where related information points: the analysed document (``uri``, ``own_lines``), or
    another file of its project."""
    if item.path is None:
        return types.Location(uri=uri, range=to_range(item.span, own_lines, codec))
    target = uri_of(item.path) if uri_of is not None else item.path
    return types.Location(uri=target, range=to_range(item.span, report.lines_of(item.path), codec))


def to_text_edit(edit: TextEdit, lines: Sequence[str], codec: PositionCodec) -> types.TextEdit:
    return types.TextEdit(range=to_range(edit.span, lines, codec), new_text=edit.new_text)
