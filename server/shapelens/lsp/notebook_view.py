"""One analysed snapshot of a notebook, and the editor's requests translated through it.

A notebook is analysed as one program (``analyze_cells``): its positions are program positions.
The editor speaks of positions in a cell's own text document. This module maps between the two
with the analysis' ``CellMap`` (lines move, code-point columns do not) and the position codec
(the client's units, per line of text), and answers hovers, inlay hints, diagnostics and code
actions in cells by asking ``features`` about the program and mapping the answer back. No state,
no I/O: the server's ``notebooks`` module keeps the snapshots.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Iterable, Mapping, Optional, Sequence

import attrs
from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from shapelens.analysis import LINE_BREAK, AnalysisOptions
from shapelens.analysis.report import Diagnostic, Fix, Span, TextEdit
from shapelens.analysis.sources import CellMap, CellNote, NotebookCell, ProgramCell, analyze_cells
from shapelens.analysis.sources.project import Project
from shapelens.analysis.sources.reparse import Reparser
from shapelens.lsp import features
from shapelens.lsp.analysis_state import Analysis
from shapelens.lsp.convert import from_position, from_range, to_diagnostic, to_position
from shapelens.lsp.options import ServerOptions


@dataclass(frozen=True)
class CellSnapshot:
    """One cell of the notebook as it was when the snapshot was taken."""

    uri: str  # the cell's text document (``vscode-notebook-cell:...``)
    version: Optional[int]  # of that text document
    cell: NotebookCell

    @cached_property
    def lines(self) -> tuple[str, ...]:
        """The cell's lines as the cell map counts them (split at \\r\\n, \\r and \\n, as LSP does)."""
        return tuple(LINE_BREAK.split(self.cell.source))


@dataclass(frozen=True)
class NotebookView:
    """A notebook snapshot and the analysis of its program."""

    revision: int  # the server's count of the notebook's changes when the snapshot was taken
    analysis: Analysis  # of the program; its uri is the notebook's
    cells: tuple[CellSnapshot, ...]  # every synced cell, in notebook order (the cell map's indices)
    cell_map: CellMap
    notes: tuple[CellNote, ...]  # the cells left out because they do not parse

    @cached_property
    def index_of(self) -> Mapping[str, int]:
        return {cell.uri: index for index, cell in enumerate(self.cells)}

    @cached_property
    def broken_cells(self) -> frozenset[str]:
        """The cells that did not parse (their lines are blank in the program)."""
        return frozenset(self.cells[note.cell].uri for note in self.notes)

    @cached_property
    def program_line_lengths(self) -> tuple[int, ...]:
        return tuple(len(line) for line in self.analysis.lines)

    def program_cell(self, cell_uri: str) -> Optional[tuple[ProgramCell, CellSnapshot]]:
        """A cell of the program (None for a cell that is not Python code or not in the snapshot)."""
        index = self.index_of.get(cell_uri)
        cell = self.cell_map.cell(index) if index is not None else None
        return (cell, self.cells[index]) if cell is not None and index is not None else None

    # --- cell → program -------------------------------------------------------------------

    def to_program_position(self, cell_uri: str, position: types.Position, codec: PositionCodec) -> Optional[types.Position]:
        found = self.program_cell(cell_uri)
        if found is None:
            return None
        cell, snapshot = found
        line, col = from_position(position, snapshot.lines, codec)
        program = self.cell_map.to_program(cell.index, line, col)
        return to_position(program[0], program[1], self.analysis.lines, codec) if program is not None else None

    def to_program_range(self, cell_uri: str, range_: types.Range, codec: PositionCodec) -> Optional[types.Range]:
        start = self.to_program_position(cell_uri, range_.start, codec)
        end = self.to_program_position(cell_uri, range_.end, codec)
        return types.Range(start=start, end=end) if start is not None and end is not None else None

    # --- program → cell -------------------------------------------------------------------

    def to_cell_span(self, span: Span) -> Optional[tuple[CellSnapshot, Span]]:
        found = self.cell_map.span_to_cell(span, self.program_line_lengths)
        return (self.cells[found.cell], found.span) if found is not None else None

    def to_cell_range(self, range_: types.Range, codec: PositionCodec) -> Optional[tuple[str, types.Range]]:
        """A range in the program's lines, as (cell uri, range in that cell)."""
        located = self.to_cell_span(from_range(range_, self.analysis.lines, codec))
        if located is None:
            return None
        snapshot, span = located
        return snapshot.uri, cell_range(span, snapshot.lines, codec)

    def to_cell_position(self, position: types.Position, codec: PositionCodec) -> Optional[tuple[str, types.Position]]:
        located = self.to_cell_range(types.Range(start=position, end=position), codec)
        return (located[0], located[1].start) if located is not None else None


def cell_range(span: Span, lines: Sequence[str], codec: PositionCodec) -> types.Range:
    return types.Range(
        start=to_position(span.start_line, span.start_col, lines, codec),
        end=to_position(span.end_line, span.end_col, lines, codec),
    )


def analyse_notebook_snapshot(uri: str, revision: int, cells: Sequence[CellSnapshot],
                              options: Optional[AnalysisOptions] = None, path: Optional[str] = None,
                              project: Optional[Project] = None, reparser: Optional[Reparser] = None) -> NotebookView:
    """Analyse the cells in order as one program (in the server's analysis thread), with the
    server's analysis options (the Keras version), the notebook's project, and its reparser
    (the program's last version's unchanged statements are not parsed again)."""
    result = analyze_cells([snapshot.cell for snapshot in cells], options, path, project, reparser)
    analysis = Analysis.of(uri, revision, result.program.text, result.report)
    return NotebookView(revision, analysis, tuple(cells), result.cell_map, result.notes)


# --- diagnostics ---------------------------------------------------------------------------------


def _in_cells(view: NotebookView, diag: types.Diagnostic, codec: PositionCodec) -> Optional[tuple[str, types.Diagnostic]]:
    """A diagnostic of the program, on the cell it starts in (its related places too)."""
    located = view.to_cell_range(diag.range, codec)
    if located is None:
        return None
    related = []
    for item in diag.related_information or ():
        if item.location.uri != view.analysis.uri:  # another file
            related.append(item)
        elif (place := view.to_cell_range(item.location.range, codec)) is not None:
            related.append(attrs.evolve(item, location=types.Location(uri=place[0], range=place[1])))
    return located[0], attrs.evolve(diag, range=located[1], related_information=related or None)


def cell_diagnostics(view: NotebookView, codec: PositionCodec, options: ServerOptions,
                     uri_of: Optional[Callable[[str], str]] = None) -> dict[str, list[types.Diagnostic]]:
    """The program's diagnostics by the cell they lie in (``uri_of``: the URI of another file of
    the project, where related information may point); cells without any are absent."""
    by_cell: dict[str, list[types.Diagnostic]] = {}
    for diag in features.diagnostics(view.analysis, codec, options, uri_of):
        located = _in_cells(view, diag, codec)
        if located is not None:
            by_cell.setdefault(located[0], []).append(located[1])
    return by_cell


# --- hover and inlay hints -----------------------------------------------------------------------


def hover(view: NotebookView, cell_uri: str, position: types.Position, codec: PositionCodec) -> Optional[types.Hover]:
    program_position = view.to_program_position(cell_uri, position, codec)
    found = features.hover(view.analysis, program_position, codec) if program_position is not None else None
    if found is None or found.range is None:
        return found
    located = view.to_cell_range(found.range, codec)
    return attrs.evolve(found, range=located[1] if located is not None and located[0] == cell_uri else None)


def inlay_hints(view: NotebookView, cell_uri: str, range_: types.Range, codec: PositionCodec) -> list[types.InlayHint]:
    found = view.program_cell(cell_uri)
    if found is None:
        return []
    cell, _ = found
    last = cell.line_count - 1
    first_line = cell.first_line + min(max(range_.start.line, 0), last)
    last_line = cell.first_line + min(max(range_.end.line, 0), last)
    program_range = types.Range(start=types.Position(line=first_line, character=0),
                                end=types.Position(line=last_line, character=0))
    hints = []
    for hint in features.inlay_hints(view.analysis, program_range, codec):
        located = view.to_cell_position(hint.position, codec)
        if located is not None and located[0] == cell_uri:
            hints.append(attrs.evolve(hint, position=located[1]))
    return hints


# --- code actions --------------------------------------------------------------------------------


def _cell_edit(view: NotebookView, edit: TextEdit) -> Optional[tuple[CellSnapshot, Span]]:
    """Where an edit of the program lands in a cell; None when it does not land in one cell's
    Python as written (past the program, across cells, on an IPython line or a left-out cell)."""
    span = edit.span
    cell = view.cell_map.cell_at(span.start_line)
    if cell is None or not cell.analysed or span.end_line >= cell.end_line:
        return None
    lines = range(span.start_line - cell.first_line, span.end_line - cell.first_line + 1)
    if any(line in cell.masked_lines for line in lines):
        return None
    return view.cells[cell.index], Span(lines.start, span.start_col, lines.stop - 1, span.end_col)


def cell_workspace_edit(
    view: NotebookView, edits: Iterable[TextEdit], codec: PositionCodec, versioned: bool, partial: bool = False
) -> Optional[types.WorkspaceEdit]:
    """Program edits as edits of the cells' documents. Without ``partial`` an edit that cannot be
    placed in a cell drops the whole edit (a fix is verified as a whole); with it, just that edit."""
    by_cell: dict[str, tuple[CellSnapshot, list[types.TextEdit]]] = {}
    for edit in edits:
        placed = _cell_edit(view, edit)
        if placed is None:
            if partial:
                continue
            return None
        snapshot, span = placed
        text_edit = types.TextEdit(range=cell_range(span, snapshot.lines, codec), new_text=edit.new_text)
        by_cell.setdefault(snapshot.uri, (snapshot, []))[1].append(text_edit)
    if not by_cell:
        return None
    if versioned:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=snapshot.version),
                    edits=cell_edits,
                )
                for uri, (snapshot, cell_edits) in by_cell.items()
            ]
        )
    return types.WorkspaceEdit(changes={uri: cell_edits for uri, (_, cell_edits) in by_cell.items()})


@dataclass(frozen=True)
class ProgramRequest:
    """A code-action request in a cell, asked of the program."""

    params: types.CodeActionParams  # in program positions
    sent: Mapping[int, types.Diagnostic]  # id of a program-position diagnostic → the one the client sent


def program_request(view: NotebookView, params: types.CodeActionParams, codec: PositionCodec) -> Optional[ProgramRequest]:
    cell_uri = params.text_document.uri
    range_ = view.to_program_range(cell_uri, params.range, codec)
    if range_ is None:
        return None
    translated, sent = [], {}
    for diag in params.context.diagnostics:
        program_range = view.to_program_range(cell_uri, diag.range, codec)
        if program_range is not None:
            program_diag = attrs.evolve(diag, range=program_range)
            translated.append(program_diag)
            sent[id(program_diag)] = diag
    context = attrs.evolve(params.context, diagnostics=translated)
    program_params = attrs.evolve(
        params, text_document=types.TextDocumentIdentifier(uri=view.analysis.uri), range=range_, context=context
    )
    return ProgramRequest(program_params, sent)


def quick_fix_actions(
    view: NotebookView,
    fixed: Sequence[tuple[Diagnostic, Optional[types.Diagnostic], tuple[Fix, ...]]],
    codec: PositionCodec,
    options: ServerOptions,
    versioned: bool,
) -> list[types.CodeAction]:
    """The fixes of the diagnostics (each with the diagnostic as the client has it), as edits of cells."""
    actions = []
    for diag, client_diag, fixes in fixed:
        shown = client_diag
        if shown is None:
            program_diag = to_diagnostic(diag, view.analysis.report, view.analysis.lines, codec, options, view.analysis.uri)
            located = _in_cells(view, program_diag, codec) if program_diag is not None else None
            shown = located[1] if located is not None else None
        for fix in fixes:
            edit = cell_workspace_edit(view, fix.edits, codec, versioned)
            if edit is not None:
                actions.append(features.fix_action(fix, shown, edit))
    return actions


def shape_comments_action(view: NotebookView, cell_uri: str, codec: PositionCodec, versioned: bool) -> Optional[types.CodeAction]:
    """"Add shape comments" for the layers of one cell."""
    found = view.program_cell(cell_uri)
    if found is None:
        return None
    cell, _ = found
    edits = [
        edit
        for edit in features.shape_comment_edits(view.analysis.source, view.analysis.report)
        if cell.first_line <= edit.span.start_line < cell.end_line
    ]
    workspace_edit = cell_workspace_edit(view, edits, codec, versioned, partial=True)
    if workspace_edit is None:
        return None
    return types.CodeAction(title="Add shape comments", kind=features.SHAPE_COMMENTS_KIND, edit=workspace_edit)
