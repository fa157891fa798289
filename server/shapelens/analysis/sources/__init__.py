"""Sources of a program other than one Python file: Jupyter notebooks (cells read as one
program, IPython syntax masked, positions mapped back to cells)."""

from .cellmap import CellMap, CellPosition, CellSpan, ProgramCell
from .notebook import (
    CellNote,
    NotebookAnalysis,
    NotebookCell,
    NotebookError,
    NotebookProgram,
    analyze_cells,
    analyze_notebook,
    analyze_program,
    read_cells,
)
from .notebook_json import notebook_report_json

__all__ = [
    "CellMap", "CellNote", "CellPosition", "CellSpan", "NotebookAnalysis", "NotebookCell", "NotebookError",
    "NotebookProgram", "ProgramCell", "analyze_cells", "analyze_notebook", "analyze_program", "notebook_report_json",
    "read_cells",
]
