"""The notebook fixture corpus: nbformat 4 notebooks under tests/fixtures/notebooks/{keras,torch}.

A notebook marks what it expects like the script fixtures do, with a trailing comment in a code
cell (``# expect-error: merge-mismatch``, ``# expect-warning: ...``; torch notebooks may give an
input with ``# shapelens: input=(N, ...)``). The markers are read from the program the engine
analyses (the code cells in order, IPython syntax masked) with the script corpora's own readers,
then placed in their cell: every position here is (cell index into the notebook's ``cells``,
1-based line within the cell).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Optional

from shapelens.analysis.sources import NotebookAnalysis, analyze_notebook

from oracle.corpus import parse_expectations
from oracle_torch.corpus import Fixture as TorchFixture
from oracle_torch.corpus import parse_markers

NOTEBOOKS_ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"
FRAMEWORKS = ("keras", "torch")

CellLine = tuple[int, int]  # (cell index, 1-based line in the cell)


@dataclass(frozen=True)
class CellExpectation:
    where: CellLine
    severity: str  # "error" or "warning"
    code: str


@dataclass(frozen=True)
class NotebookFixture:
    path: Path

    @property
    def name(self) -> str:
        return f"{self.framework}/{self.path.name}"

    @property
    def framework(self) -> str:
        return self.path.parent.name

    @cached_property
    def analysis(self) -> NotebookAnalysis:
        return analyze_notebook(self.path.read_bytes())

    @property
    def program_text(self) -> str:
        """What the engine analysed, and what the library executes: the code cells that parse, in order."""
        return self.analysis.program.text

    def cell_line(self, program_line: int) -> Optional[CellLine]:
        """A 1-based program line as (cell, 1-based line in the cell)."""
        position = self.analysis.cell_map.to_cell(program_line - 1)
        return None if position is None else (position.cell, position.line + 1)

    @cached_property
    def expectations(self) -> tuple[CellExpectation, ...]:
        if self.framework == "keras":
            found = [(e.line, e.severity, e.code) for e in parse_expectations(self.program_text)]
        else:
            errors, _ = parse_markers(self.program_text)
            found = [(e.line, "error", e.code) for e in errors]
        return tuple(CellExpectation(self.cell_line(line), severity, code) for line, severity, code in found)

    @property
    def expected_errors(self) -> tuple[CellExpectation, ...]:
        return tuple(e for e in self.expectations if e.severity == "error")

    @property
    def expected_warnings(self) -> tuple[CellExpectation, ...]:
        return tuple(e for e in self.expectations if e.severity == "warning")

    @property
    def is_broken(self) -> bool:
        return bool(self.expected_errors)

    def torch_fixture(self) -> TorchFixture:
        """The program as the torch harness takes a script."""
        errors, inputs = parse_markers(self.program_text)
        return TorchFixture(path=self.path, source=self.program_text, expected_errors=errors, comment_inputs=inputs)


@lru_cache(maxsize=None)
def load_notebooks() -> tuple[NotebookFixture, ...]:
    return tuple(NotebookFixture(path) for framework in FRAMEWORKS
                 for path in sorted((NOTEBOOKS_ROOT / framework).glob("*.ipynb")))
