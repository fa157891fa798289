"""IPython syntax in a notebook cell, masked so that the cell parses as Python.

IPython rewrites some lines of a cell before Python sees them: line magics (``%matplotlib
inline``), shell escapes (``!pip install keras``), their assignment forms (``files = !ls``),
help (``model?``, ``??layers.Conv2D``) and a cell magic on the cell's first line (``%%time``,
``%%bash``). Masking replaces exactly those lines and keeps everything else as written: the cell
keeps its line count and every line of Python keeps its columns, so a position in the masked
text is the same position in the cell.

A masked line becomes ``pass`` at the line's own indentation (a magic may be the only statement
of a block); ``%time stmt`` and ``%timeit stmt`` keep their statement behind ``pass;`` padded to
the magic's width; ``x = !cmd`` keeps its target: ``x = None``.

IPython only rewrites a line that starts a logical line: never a line inside a triple-quoted
string, inside brackets or after a backslash continuation. A small scanner tracks that state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Sequence

# Cell magics whose body is Python run in the kernel's namespace: only their first line is masked.
PYTHON_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})
# Line magics followed by a Python statement that IPython runs in the kernel's namespace.
STATEMENT_LINE_MAGICS = frozenset({"time", "timeit"})
# A statement after ``pass;`` must be a simple one.
COMPOUND_KEYWORDS = re.compile(r"(async|class|def|for|if|try|while|with|match)\b")

_CELL_MAGIC = re.compile(r"%%([\w.-]*)")
# ``?obj`` may have spaces around it; ``obj?`` must end the line (IPython leaves ``obj? `` alone).
_HELP = re.compile(r"\s*(\?{1,2}\s*%{0,2}[\w.*]+\s*|%{0,2}[\w.*\[\]]+\?{1,2})$")
_ASSIGN_FROM_ESCAPE = re.compile(r"(\s*)([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=)\s*[!%]")
_ESCAPE = re.compile(r"(\s*)[!%]")
_STATEMENT_MAGIC = re.compile(r"(\s*)%(\w+)")
# %timeit's options, some of which take a value: -n<N> -r<R> -p<P>, or -t -c -q -o alone.
_TIMEIT_OPTION = re.compile(r"\s*-(?:[nrp]\s*\d+|[tcqo])(?=\s)")
_STRING_START = re.compile(r"(?i)(?:rb|br|fr|rf|b|r|u|f)?('''|\"\"\"|'|\")")


@dataclass(frozen=True)
class MaskedCell:
    """A cell's lines with IPython syntax masked."""

    lines: tuple[str, ...]
    masked_lines: tuple[int, ...]  # 0-based lines of the cell that were rewritten
    # The cell magic on the first line when the cell's body is not Python (``bash``,
    # ``writefile``, ``html``...): then every line is masked and the cell holds no Python.
    foreign_cell_magic: Optional[str] = None


@dataclass
class _ScanState:
    """Where a physical line ends, for the next line: inside a string, brackets or a continuation."""

    open_string: Optional[str] = None  # the quote of a string still open at the end of the line
    depth: int = 0
    continued: bool = False

    @property
    def at_logical_start(self) -> bool:
        return self.open_string is None and self.depth == 0 and not self.continued


def _close_string(line: str, start: int, quote: str) -> int:
    """Index just past the closing ``quote`` at or after ``start``, or -1 when the line ends first."""
    index = start
    while index < len(line):
        char = line[index]
        if char == "\\":
            index += 2
            continue
        if line.startswith(quote, index):
            return index + len(quote)
        index += 1
    return -1


def _scan(line: str, state: _ScanState) -> None:
    """Advance ``state`` over one physical line of Python."""
    index = 0
    state.continued = False
    if state.open_string is not None:
        end = _close_string(line, 0, state.open_string)
        if end < 0:
            # A one-quote string only continues past a line ending in a backslash.
            if len(state.open_string) == 1 and not line.endswith("\\"):
                state.open_string = None
            return
        state.open_string = None
        index = end
    while index < len(line):
        char = line[index]
        if char == "#":
            return
        if char in "([{":
            state.depth += 1
        elif char in ")]}":
            state.depth = max(0, state.depth - 1)
        elif char == "\\" and index == len(line) - 1:
            state.continued = True
        elif char.isalpha() or char in "'\"":
            string = _STRING_START.match(line, index)
            if string is not None and (index == 0 or not (line[index - 1].isalnum() or line[index - 1] == "_")):
                quote = string.group(1)
                end = _close_string(line, string.end(), quote)
                if end < 0:
                    if len(quote) == 3 or line.endswith("\\"):
                        state.open_string = quote
                    return
                index = end
                continue
            while index < len(line) and (line[index].isalnum() or line[index] == "_"):
                index += 1
            continue
        index += 1


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _statement_magic(line: str) -> Optional[str]:
    """``%time stmt`` as ``pass;`` + padding + ``stmt``, the statement's columns unchanged."""
    match = _STATEMENT_MAGIC.match(line)
    if match is None or match.group(2) not in STATEMENT_LINE_MAGICS:
        return None
    position = match.end()
    if match.group(2) == "timeit":
        while (option := _TIMEIT_OPTION.match(line, position)) is not None:
            position = option.end()
    rest = line[position:]
    statement = rest.lstrip()
    if not statement or not rest[:1].isspace() or COMPOUND_KEYWORDS.match(statement):
        return None
    prefix_width = len(line) - len(statement) - len(match.group(1))
    return match.group(1) + "pass;" + " " * (prefix_width - len("pass;")) + statement


def _mask_logical_line(line: str) -> Optional[str]:
    """The masked form of a line that starts a logical line, or None when it is plain Python."""
    if _HELP.match(line):
        return _indent(line) + "pass"
    assignment = _ASSIGN_FROM_ESCAPE.match(line)
    if assignment is not None:
        return assignment.group(1) + assignment.group(2) + " None"
    if _ESCAPE.match(line):
        return _statement_magic(line) or _indent(line) + "pass"
    return None


def _may_be_ipython(line: str) -> bool:
    """Whether ``_mask_logical_line`` could rewrite the line (its cheap first test): each of its
    patterns needs a ``?``, ``!`` or ``%``, which most lines of code do not have."""
    if "%" not in line and "!" not in line and "?" not in line:
        return False
    return bool(_HELP.match(line) or _ASSIGN_FROM_ESCAPE.match(line) or _ESCAPE.match(line))


def _first_code_line(lines: Sequence[str]) -> Optional[int]:
    return next((number for number, line in enumerate(lines) if line.strip()), None)


def mask_cell(lines: Sequence[str]) -> MaskedCell:
    """Mask the IPython syntax of one code cell, given as its lines without line endings."""
    output = list(lines)
    masked: list[int] = []
    start = 0
    first = _first_code_line(lines)
    if first is not None and lines[first].lstrip().startswith("%%"):
        name = _CELL_MAGIC.match(lines[first].lstrip()).group(1)
        if name not in PYTHON_BODY_CELL_MAGICS:
            return MaskedCell(lines=tuple("" for _ in lines), masked_lines=tuple(range(len(lines))),
                              foreign_cell_magic=name or "%%")
        output[first] = "pass"
        masked.append(first)
        start = first + 1
    if not any(_may_be_ipython(line) for line in lines[start:]):
        # nothing for the scanner to decide: no line would be IPython's even at a logical start
        return MaskedCell(lines=tuple(output), masked_lines=tuple(masked))
    state = _ScanState()
    number = start
    while number < len(lines):
        line = lines[number]
        replacement = _mask_logical_line(line) if state.at_logical_start else None
        if replacement is None:
            _scan(line, state)
            number += 1
            continue
        output[number] = replacement
        masked.append(number)
        _scan(replacement, state)  # ``pass; stmt`` goes on as Python, brackets and continuations included
        if not state.continued:
            # IPython joins a magic's backslash continuations into the magic.
            indent = _indent(line)
            while lines[number].endswith("\\") and number + 1 < len(lines):
                number += 1
                output[number] = indent + "pass"
                masked.append(number)
        number += 1
    return MaskedCell(lines=tuple(output), masked_lines=tuple(masked))
