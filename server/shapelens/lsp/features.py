"""Lookups in one document's analysis, answered as LSP values. No state, no I/O."""

from __future__ import annotations

import io
import tokenize
from typing import Callable, Optional, Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from shapelens import render
from shapelens.analysis.report import Diagnostic, Fix, Layer, Model, OutputShape, Report, Span, TextEdit
from shapelens.lsp.analysis_state import Analysis
from shapelens.lsp.convert import from_position, from_range, to_diagnostic, to_position, to_range, to_text_edit
from shapelens.lsp.options import ServerOptions

SHAPE_COMMENTS_KIND = "source.shapelens.addShapeComments"


def diagnostics(analysis: Analysis, codec: PositionCodec, options: ServerOptions,
                uri_of: Optional[Callable[[str], str]] = None) -> list[types.Diagnostic]:
    """The diagnostics in the document's own file."""
    found = (
        to_diagnostic(diag, analysis.report, analysis.lines, codec, options, analysis.uri, uri_of)
        for diag in analysis.report.diagnostics if diag.path is None
    )
    return [diag for diag in found if diag is not None]


def diagnostics_elsewhere(analysis: Analysis, codec: PositionCodec, options: ServerOptions,
                          uri_of: Callable[[str], str]) -> dict[str, list[types.Diagnostic]]:
    """The diagnostics the document's analysis found in other files of its project, by their URI
    (an error in ``models.py`` for the input this document gives)."""
    found: dict[str, list[types.Diagnostic]] = {}
    report = analysis.report
    for diag in report.diagnostics:
        if diag.path is None:
            continue
        target = uri_of(diag.path)
        converted = to_diagnostic(diag, report, report.lines_of(diag.path), codec, options, analysis.uri, uri_of)
        if converted is not None:
            found.setdefault(target, []).append(converted)
    return found


# --- hover ------------------------------------------------------------------------------------


def _input_at(analysis: Analysis, line: int, col: int) -> Optional[tuple[Model, Span]]:
    """A model's input under the cursor (a ``keras.Input(...)``): where the report says its inputs are,
    or a producer span that is not a layer."""
    return analysis.lookup.input_at(line, col)


def _input_shape_of(model: Model, span: Span) -> OutputShape:
    """What the layers fed by this input receive; the model's input shape otherwise."""
    for layer in model.layers:
        for index, source in enumerate(layer.inputs_from):
            if source == span and index < len(layer.input_shapes):
                return layer.input_shapes[index]
    return model.input_shape


def hover(analysis: Analysis, position: types.Position, codec: PositionCodec) -> Optional[types.Hover]:
    line, col = from_position(position, analysis.lines, codec)
    hits = analysis.lookup.layers_at(line, col)
    if hits:
        span = hits[0][2]
        markdown = render.layers_hover([(model, layer) for model, layer, held in hits if held == span])
    elif (found := _input_at(analysis, line, col)) is not None:
        model, span = found
        markdown = render.input_card(model.name, _input_shape_of(model, span))
    elif (named := analysis.lookup.model_at(line, col)) is not None:
        model, span = named
        markdown = render.model_summary(model)
    else:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=markdown),
        range=to_range(span, analysis.lines, codec),
    )


# --- inlay hints --------------------------------------------------------------------------------


def code_end(text: str) -> int:
    """Where a line's code ends: before a trailing ``# comment`` and the spaces ahead of it."""
    quote, index = "", 0
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\":
                index += 1
            elif text.startswith(quote, index):
                index += len(quote) - 1
                quote = ""
        elif char in "'\"":
            quote = char * 3 if text.startswith(char * 3, index) else char
            index += len(quote) - 1
        elif char == "#":
            return len(text[:index].rstrip())
        index += 1
    return len(text.rstrip())


def _hint_position(analysis: Analysis, layer: Layer) -> tuple[int, int]:
    """After the layer's statement on its last line, ahead of any comment there."""
    line = layer.hint_line if layer.hint_line is not None else layer.span.end_line
    col = layer.line_end_col if layer.line_end_col is not None else layer.span.end_col
    text = analysis.lines[line] if 0 <= line < len(analysis.lines) else ""
    return line, min(col, code_end(text))


def inlay_hints(analysis: Analysis, range_: types.Range, codec: PositionCodec) -> list[types.InlayHint]:
    """One ``→ shape`` hint after each layer expression inside the requested range."""
    by_position: dict[tuple[int, int], list[Layer]] = {}
    for line in range(max(range_.start.line, 0), min(range_.end.line, len(analysis.lines)) + 1):
        for layer in analysis.lookup.hints.get(line, ()):
            if layer.output_shape is not None:
                by_position.setdefault(_hint_position(analysis, layer), []).append(layer)
    return [
        types.InlayHint(
            position=to_position(line, col, analysis.lines, codec),
            label=render.inlay_label(layers),
            kind=types.InlayHintKind.Type,
            padding_left=True,
        )
        for (line, col), layers in sorted(by_position.items())
    ]


# --- code actions -------------------------------------------------------------------------------


def _workspace_edit(
    analysis: Analysis, edits: Sequence, codec: PositionCodec, versioned: bool
) -> types.WorkspaceEdit:
    text_edits = [to_text_edit(edit, analysis.lines, codec) for edit in edits]
    if versioned:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=analysis.uri, version=analysis.version
                    ),
                    edits=text_edits,
                )
            ]
        )
    return types.WorkspaceEdit(changes={analysis.uri: text_edits})


def diagnostics_in_request(
    analysis: Analysis, params: types.CodeActionParams, codec: PositionCodec
) -> list[tuple[int, Diagnostic, Optional[types.Diagnostic]]]:
    """The engine diagnostics a code-action request is about: those the client sent back
    (matched by code and range), else those overlapping the requested range."""
    report = analysis.report
    sent = [d for d in params.context.diagnostics if d.source in (None, "shapelens")]
    found = []
    for index, diag in enumerate(report.diagnostics):
        lsp_range = to_range(diag.span, analysis.lines, codec)
        match = next((d for d in sent if d.code == diag.code and d.range == lsp_range), None)
        if match is not None:
            found.append((index, diag, match))
    if found or sent:
        return found
    wanted = from_range(params.range, analysis.lines, codec)
    for index, diag in enumerate(report.diagnostics):
        span = diag.span
        if (span.start_line, span.start_col) <= (wanted.end_line, wanted.end_col) and (
            wanted.start_line,
            wanted.start_col,
        ) <= (span.end_line, span.end_col):
            found.append((index, diag, None))
    return found


def wants_kind(only: Optional[Sequence[str]], kind: str) -> bool:
    return only is None or any(kind == wanted or kind.startswith(wanted + ".") for wanted in only)


def quick_fix_actions(
    analysis: Analysis,
    fixed: Sequence[tuple[Diagnostic, Optional[types.Diagnostic], tuple[Fix, ...]]],
    codec: PositionCodec,
    options: ServerOptions,
    versioned: bool,
) -> list[types.CodeAction]:
    actions = []
    for diag, client_diag, fixes in fixed:
        shown = client_diag or to_diagnostic(diag, analysis.report, analysis.lines, codec, options, analysis.uri)
        for fix in fixes:
            actions.append(fix_action(fix, shown, _workspace_edit(analysis, fix.edits, codec, versioned)))
    return actions


def fix_action(fix: Fix, shown: Optional[types.Diagnostic], edit: types.WorkspaceEdit) -> types.CodeAction:
    """One verified fix as a quick-fix code action for the diagnostic as the client shows it."""
    return types.CodeAction(
        title=fix.title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[shown] if shown is not None else None,
        is_preferred=fix.preferred or None,
        edit=edit,
    )


def shape_comments_action(
    analysis: Analysis, codec: PositionCodec, versioned: bool
) -> Optional[types.CodeAction]:
    edits = shape_comment_edits(analysis.source, analysis.report)
    if not edits:
        return None
    return types.CodeAction(
        title="Add shape comments",
        kind=SHAPE_COMMENTS_KIND,
        edit=_workspace_edit(analysis, edits, codec, versioned),
    )


# --- the "Add shape comments" source action --------------------------------------------------


def _comment_lines(source: str) -> set[int]:
    """0-based lines that already hold a comment."""
    lines: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                lines.add(token.start[0] - 1)
    except (tokenize.TokenError, SyntaxError):
        pass
    return lines


def shape_comment_edits(source: str, report: Report) -> tuple[TextEdit, ...]:
    """``  # → (None, 63, 63, 32)`` (the inlay hint's text) at the end of each layer's line
    that has no comment yet and does not continue with a backslash."""
    commented = _comment_lines(source)
    lines = io.StringIO(source, newline="").readlines()
    by_line: dict[int, list[Layer]] = {}
    for model in report.models:
        for layer in model.layers:
            line = layer.hint_line if layer.hint_line is not None else layer.span.end_line
            if layer.output_shape is not None and line not in commented and 0 <= line < len(lines):
                by_line.setdefault(line, []).append(layer)
    edits = []
    for line, layers in sorted(by_line.items()):
        code = lines[line].rstrip("\r\n").rstrip()
        if not code.endswith("\\"):
            edits.append(TextEdit(Span(line, len(code), line, len(code)), f"  # {render.inlay_label(layers)}"))
    return tuple(edits)
