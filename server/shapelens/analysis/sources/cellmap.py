"""Positions in a notebook's program ↔ positions in its cells.

The program is the notebook's Python code cells one after another, each cell's lines in order
(a cell of n lines takes n program lines; nothing separates two cells). Masking keeps every
line's Python columns, so only lines move: column ``c`` of a program line is column ``c`` of
the cell line it came from. All positions here are 0-based; columns are whatever unit the
caller uses (the engine's are code points), since they pass through unchanged.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from ..report import Span


@dataclass(frozen=True)
class ProgramCell:
    """One code cell in the program."""

    index: int  # into the notebook's ``cells`` array (markdown and raw cells count)
    first_line: int  # the program line of the cell's line 0
    line_count: int  # lines of the cell: its text split at \r\n, \r and \n
    masked_lines: tuple[int, ...] = ()  # cell lines of IPython syntax, masked in the program
    # Why the cell's lines are blank in the program (a ``%%bash`` cell, a syntax error), or None.
    excluded: Optional[str] = None

    @property
    def end_line(self) -> int:
        """The program line just after the cell."""
        return self.first_line + self.line_count

    @property
    def analysed(self) -> bool:
        return self.excluded is None


@dataclass(frozen=True)
class CellPosition:
    cell: int  # index into the notebook's ``cells`` array
    line: int  # line within the cell
    col: int


@dataclass(frozen=True)
class CellSpan:
    cell: int  # index into the notebook's ``cells`` array
    span: Span  # lines within the cell


class CellMap:
    """Maps program lines to (cell, line in cell) and back, for the cells of one program."""

    def __init__(self, cells: Iterable[ProgramCell]) -> None:
        self.cells: tuple[ProgramCell, ...] = tuple(cells)
        self._first_lines = [cell.first_line for cell in self.cells]
        self._by_index = {cell.index: cell for cell in self.cells}
        for before, after in zip(self.cells, self.cells[1:]):
            if after.first_line != before.end_line or after.index <= before.index:
                raise ValueError("program cells must follow each other in notebook order without gaps")

    @property
    def line_count(self) -> int:
        """Lines in the program."""
        return self.cells[-1].end_line if self.cells else 0

    def cell(self, index: int) -> Optional[ProgramCell]:
        """The program's cell for a notebook cell index; None for a cell not in the program
        (markdown, raw, another language)."""
        return self._by_index.get(index)

    def cell_at(self, program_line: int) -> Optional[ProgramCell]:
        """The cell a program line belongs to; None outside the program."""
        if not 0 <= program_line < self.line_count:
            return None
        return self.cells[bisect.bisect_right(self._first_lines, program_line) - 1]

    def to_cell(self, program_line: int, col: int = 0) -> Optional[CellPosition]:
        cell = self.cell_at(program_line)
        if cell is None:
            return None
        return CellPosition(cell=cell.index, line=program_line - cell.first_line, col=col)

    def to_program(self, cell_index: int, line: int, col: int = 0) -> Optional[tuple[int, int]]:
        """(program line, col) of a position in a cell; None for a cell not in the program or a
        line past the cell's end."""
        cell = self._by_index.get(cell_index)
        if cell is None or not 0 <= line < cell.line_count:
            return None
        return cell.first_line + line, col

    def span_to_cell(self, span: Span, line_lengths: Optional[Sequence[int]] = None) -> Optional[CellSpan]:
        """A program span in the cell where it starts. A span that runs past its cell's end (the
        engine's spans never do: each one lies in one statement) is cut at the end of the cell's
        last line, whose length ``line_lengths`` (per program line) gives; without it, column 0."""
        cell = self.cell_at(span.start_line)
        if cell is None:
            return None
        end_line, end_col = span.end_line, span.end_col
        if end_line >= cell.end_line:
            end_line = cell.end_line - 1
            end_col = line_lengths[end_line] if line_lengths is not None else 0
        return CellSpan(cell=cell.index, span=Span(span.start_line - cell.first_line, span.start_col,
                                                    end_line - cell.first_line, end_col))

    def span_to_program(self, cell_index: int, span: Span) -> Optional[Span]:
        """A span given in a cell's lines as a program span; None when it leaves the cell."""
        start = self.to_program(cell_index, span.start_line, span.start_col)
        end = self.to_program(cell_index, span.end_line, span.end_col)
        if start is None or end is None:
            return None
        return Span(start[0], start[1], end[0], end[1])
