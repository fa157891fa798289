"""A Jupyter notebook read as one program: its Python code cells in order, analysed together.

``analyze_notebook(raw)`` reads nbformat 4 JSON; ``analyze_cells(cells)`` takes cells that are
already apart (a language server's notebook document). Both return a ``NotebookAnalysis``: the
engine's ``Report`` in program positions, the ``NotebookProgram`` it analysed (its ``cell_map``
turns program positions into cell positions and back), and a note for every cell left out
because it does not parse. Neither ever raises on bad input.

Markdown and raw cells, and code cells in another language than Python, are not part of the
program. IPython syntax is masked (``ipython.mask_cell``). Jupyter compiles each cell on its own,
so one cell's syntax error must not cost the others their analysis: the whole program is parsed
once, and only when that fails is the failing cell found (from the error's line, checked by
parsing that cell alone), blanked, and the program analysed again.
"""

from __future__ import annotations

import ast
import json
import warnings
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Optional, Sequence

from .. import LINE_BREAK, AnalysisOptions, analyze
from ..report import Report, Span
from .cellmap import CellMap, ProgramCell
from .ipython import mask_cell

if TYPE_CHECKING:
    from .project import Project
    from .reparse import Reparser

PYTHON_LANGUAGES = frozenset({"python", "python3", "ipython", "ipython3"})


class NotebookError(ValueError):
    """The input is not an nbformat 4 notebook; the message says why, in one line."""


@dataclass(frozen=True)
class NotebookCell:
    """One cell as the notebook holds it."""

    kind: str  # "code", "markdown" or "raw"
    source: str
    language: Optional[str] = None  # the cell's language id; None: the notebook's (Python by default)

    @property
    def is_python_code(self) -> bool:
        return self.kind == "code" and (self.language is None or self.language.lower() in PYTHON_LANGUAGES)


@dataclass(frozen=True)
class CellNote:
    """A code cell the analysis left out, and why (a syntax error: where, in the cell's lines)."""

    cell: int  # index into the notebook's ``cells`` array
    span: Span
    message: str


@dataclass(frozen=True)
class NotebookProgram:
    """The notebook's Python code cells as one program, and where each of its lines comes from."""

    lines: tuple[str, ...]
    cell_map: CellMap
    cells: tuple[NotebookCell, ...] = field(repr=False)  # every cell of the notebook, as read

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @classmethod
    def from_cells(cls, cells: Sequence[NotebookCell]) -> "NotebookProgram":
        lines: list[str] = []
        program_cells: list[ProgramCell] = []
        for index, cell in enumerate(cells):
            if not cell.is_python_code:
                continue
            masked = mask_cell(LINE_BREAK.split(cell.source))
            excluded = None if masked.foreign_cell_magic is None else f"a %%{masked.foreign_cell_magic} cell is not Python"
            program_cells.append(ProgramCell(index=index, first_line=len(lines), line_count=len(masked.lines),
                                             masked_lines=masked.masked_lines, excluded=excluded))
            lines.extend(masked.lines)
        return cls(lines=tuple(lines), cell_map=CellMap(program_cells), cells=tuple(cells))

    def cell_lines(self, cell: ProgramCell) -> tuple[str, ...]:
        """The cell's lines as the program holds them (masked)."""
        return self.lines[cell.first_line:cell.end_line]

    def without_cell(self, index: int, reason: str) -> "NotebookProgram":
        """The same program with one cell's lines blank (so no other line moves)."""
        cell = self.cell_map.cell(index)
        if cell is None:
            return self
        lines = self.lines[:cell.first_line] + ("",) * cell.line_count + self.lines[cell.end_line:]
        cells = [replace(c, excluded=reason) if c is cell else c for c in self.cell_map.cells]
        return NotebookProgram(lines=lines, cell_map=CellMap(cells), cells=self.cells)


@dataclass(frozen=True)
class NotebookAnalysis:
    report: Report  # positions are program positions: ``program.cell_map`` maps them to cells
    program: NotebookProgram  # what was analysed: cells that do not parse are blank in it
    notes: tuple[CellNote, ...] = ()

    @property
    def cell_map(self) -> CellMap:
        return self.program.cell_map


# --- nbformat 4 ------------------------------------------------------------------------------


def _text(value: Any, what: str) -> str:
    """nbformat's multiline string: one string, or a list of strings to join."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return "".join(value)
    raise NotebookError(f"{what} is not text")


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _notebook_language(metadata: dict) -> Optional[str]:
    language = _mapping(metadata.get("language_info")).get("name") or _mapping(metadata.get("kernelspec")).get("language")
    return language if isinstance(language, str) and language else None


def _cell(number: int, cell: Any, notebook_language: Optional[str]) -> NotebookCell:
    if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
        raise NotebookError(f"cell {number} is not a notebook cell (no cell_type)")
    kind = cell["cell_type"]
    source = _text(cell.get("source", ""), f"the source of cell {number}")
    # VS Code keeps a cell's own language (one differing from the notebook's) in its metadata.
    language = _mapping(_mapping(cell.get("metadata")).get("vscode")).get("languageId")
    return NotebookCell(kind=kind, source=source,
                        language=language if isinstance(language, str) and language else notebook_language)


def read_cells(raw: bytes | str) -> tuple[NotebookCell, ...]:
    """The cells of an nbformat 4 notebook file. Raises ``NotebookError`` with a one-line reason."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise NotebookError("the file is not UTF-8 text") from None
    if not raw.strip():
        raise NotebookError("the file is empty")
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as error:
        raise NotebookError(f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    except RecursionError:
        raise NotebookError("the JSON nests too deeply to read") from None
    if not isinstance(document, dict):
        raise NotebookError(f"not a Jupyter notebook (the JSON is {type(document).__name__}, not an object)")
    version = document.get("nbformat")
    if version is None:
        old = " (it has worksheets, like nbformat 3)" if "worksheets" in document else ""
        raise NotebookError(f"not a Jupyter notebook: no nbformat version{old}")
    if version != 4:
        raise NotebookError(f"nbformat {version!r} notebooks are not read, only nbformat 4 "
                            "(`jupyter nbconvert --to notebook` converts them)")
    cells = document.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("not a Jupyter notebook: no \"cells\" list")
    language = _notebook_language(_mapping(document.get("metadata")))
    return tuple(_cell(number, cell, language) for number, cell in enumerate(cells, start=1))


# --- analysis --------------------------------------------------------------------------------


def _parse_failure(text: str) -> Optional[BaseException]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return error
    return None


def _describe(error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        return f"{type(error).__name__}: {error.msg}"
    if isinstance(error, (RecursionError, MemoryError)):  # CPython's parser gives up on deep nesting with either
        return "the cell nests too deeply to parse"
    return f"{type(error).__name__}: {error}"


def _error_span(error: BaseException, line_offset: int, line_count: int) -> Span:
    """Where a syntax error is, in a cell's lines (its line numbers counted from ``line_offset``)."""
    if not isinstance(error, SyntaxError) or error.lineno is None:
        return Span(0, 0, 0, 0)
    last = max(line_count - 1, 0)
    start_line = min(max(error.lineno - 1 - line_offset, 0), last)
    start_col = max((error.offset or 1) - 1, 0)
    end_lineno = getattr(error, "end_lineno", None) or error.lineno
    end_line = min(max(end_lineno - 1 - line_offset, start_line), last)
    end_offset = getattr(error, "end_offset", None)
    end_col = max(end_offset - 1, 0) if end_offset and end_offset > 0 else start_col
    if (end_line, end_col) < (start_line, start_col):
        end_line, end_col = start_line, start_col
    return Span(start_line, start_col, end_line, end_col)


def _alone_failure(program: NotebookProgram, cell: ProgramCell) -> Optional[BaseException]:
    return _parse_failure("\n".join(program.cell_lines(cell)))


def _failing_cell(program: NotebookProgram) -> Optional[CellNote]:
    """The cell that keeps the program from parsing, with its error as a note."""
    error = _parse_failure(program.text)
    if error is None:
        return None
    analysed = [cell for cell in program.cell_map.cells if cell.analysed]
    located = None
    if isinstance(error, SyntaxError) and error.lineno is not None:
        located = program.cell_map.cell_at(error.lineno - 1)
    if located is not None and located.analysed:
        # A bracket left open shows up in a later cell: the one at fault fails to parse alone.
        earlier = [cell for cell in analysed if cell.index < located.index]
        for cell in [located, *reversed(earlier)]:
            alone = _alone_failure(program, cell)
            if alone is not None:
                return CellNote(cell.index, _error_span(alone, 0, cell.line_count), _describe(alone))
        return CellNote(located.index, _error_span(error, located.first_line, located.line_count), _describe(error))
    for cell in analysed:
        alone = _alone_failure(program, cell)
        if alone is not None:
            return CellNote(cell.index, _error_span(alone, 0, cell.line_count), _describe(alone))
    return None


def analyze_program(program: NotebookProgram, options: Optional[AnalysisOptions] = None, path: Optional[str] = None,
                    project: Optional["Project"] = None, reparser: Optional["Reparser"] = None) -> NotebookAnalysis:
    """Analyse the program; a cell that does not parse is blanked (with a note) and the rest analysed.
    With a ``project`` (and the notebook's ``path``), its imports of the project's modules resolve;
    with a ``reparser``, the statements of the program's last version that did not change are not
    parsed again."""
    notes: list[CellNote] = []
    for _ in range(len(program.cell_map.cells) + 1):
        report = analyze(program.text, options, path=path, project=project, reparser=reparser)
        if report.parsed:
            break
        note = _failing_cell(program)
        if note is None:
            break
        notes.append(note)
        program = program.without_cell(note.cell, note.message)
    return NotebookAnalysis(report=report, program=program, notes=tuple(notes))


def analyze_cells(cells: Sequence[NotebookCell], options: Optional[AnalysisOptions] = None, path: Optional[str] = None,
                  project: Optional["Project"] = None, reparser: Optional["Reparser"] = None) -> NotebookAnalysis:
    """Analyse a notebook given as its cells (every cell, markdown included, in notebook order)."""
    return analyze_program(NotebookProgram.from_cells(cells), options, path, project, reparser)


def analyze_notebook(raw: bytes | str, options: Optional[AnalysisOptions] = None, path: Optional[str] = None,
                     project: Optional["Project"] = None) -> NotebookAnalysis:
    """Analyse an ``.ipynb`` file's content. Never raises: a file that is not an nbformat 4
    notebook gives an unparsed report whose ``parse_error`` says why."""
    try:
        cells = read_cells(raw)
    except NotebookError as error:
        return NotebookAnalysis(report=Report(parsed=False, parse_error=str(error)),
                                program=NotebookProgram.from_cells(()))
    return analyze_cells(cells, options, path, project)
