"""The engine against real Keras 3 / torch, notebook by notebook.

Each notebook in tests/fixtures/notebooks/{keras,torch} is run cell after cell by the script
harnesses (the code cells the engine analyses, in order, as one program: see
tests/oracle_notebooks/compare.py) and analysed by ``shapelens check --format json``. Every layer
is compared by (cell, line in the cell): output shape and parameter count. Valid notebooks draw no
error; broken ones draw the marked error in the marked cell and line, where the library failed.
Which cells are left out for not parsing is decided by IPython itself.
"""

from __future__ import annotations

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from oracle.corpus import STATEMENT_CODES
from oracle_notebooks.compare import engine_outcome, layer_mismatches, library_outcome
from oracle_notebooks.corpus import NotebookFixture, load_notebooks

pytestmark = pytest.mark.oracle

NOTEBOOKS = load_notebooks()
VALID = tuple(n for n in NOTEBOOKS if not n.is_broken)
BROKEN = tuple(n for n in NOTEBOOKS if n.is_broken)

# Layers whose shape the engine does not give (fully) in a valid notebook, and why, by (cell index
# into the notebook's cells, 1-based line in the cell, class). A gap that closes, or a new one,
# fails test_engine_gaps_are_the_known_ones: this list is kept exact.
KNOWN_GAPS = {
    "torch/cifar10_classifier_tutorial.ipynb": {
        "cell 8 line 1 CrossEntropyLoss": "loss modules are not layers of a model; the engine lists none",
    },
    "torch/tabular_mlp_kaggle.ipynb": {
        "cell 6 line 1 BCEWithLogitsLoss": "loss modules are not layers of a model; the engine lists none",
    },
}

def notebook_id(notebook: NotebookFixture) -> str:
    return notebook.name


def ipython_compiles(source: str) -> bool:
    """Whether Jupyter's Python kernel can compile the cell: IPython's own transform, then compile()."""
    try:
        compile(TransformerManager().transform_cell(source), "<cell>", "exec")
    except SyntaxError:
        return False
    return True


# --- the corpus --------------------------------------------------------------------------


def test_corpus_has_valid_and_broken_notebooks_of_both_frameworks() -> None:
    assert len(NOTEBOOKS) >= 12
    for framework in ("keras", "torch"):
        assert sum(1 for n in VALID if n.framework == framework) >= 3, framework
        assert sum(1 for n in BROKEN if n.framework == framework) >= 3, framework
    assert [n.name for n in BROKEN if len(n.expected_errors) != 1] == []


def test_corpus_notebooks_are_written_like_real_ones() -> None:
    """Markdown between cells, magics, shell lines, help, and a cell that does not parse."""
    sources = [cell.source for n in NOTEBOOKS for cell in n.analysis.program.cells if cell.kind == "code"]
    kinds = {n.analysis.program.cells[i].kind for n in NOTEBOOKS for i in range(len(n.analysis.program.cells))}
    assert kinds == {"code", "markdown"}
    for form, test in {
        "%matplotlib inline": lambda s: "%matplotlib inline" in s,
        "!pip install": lambda s: s.lstrip().startswith("!pip install") or "\n!pip install" in s,
        "x = !cmd": lambda s: " = !" in s,
        "%%time cell": lambda s: s.startswith("%%time"),
        "%time statement": lambda s: "%time " in s and not s.startswith("%%"),
        "help with ?": lambda s: any(line.rstrip().endswith("?") for line in s.splitlines()),
        "%%bash cell": lambda s: s.startswith("%%bash"),
        "%%writefile cell": lambda s: s.startswith("%%writefile"),
    }.items():
        assert any(test(s) for s in sources), form
    assert any(not ipython_compiles(s) for s in sources), "no cell with a syntax error"


# --- the library alone: the notebooks say what they claim -----------------------------------


@pytest.mark.parametrize("notebook", VALID, ids=notebook_id)
def test_valid_notebook_runs_in_the_library(notebook: NotebookFixture) -> None:
    outcome = library_outcome(notebook)
    assert not outcome.failed, outcome.describe()
    assert outcome.applications


@pytest.mark.parametrize("notebook", BROKEN, ids=notebook_id)
def test_broken_notebook_fails_in_the_library_where_marked(notebook: NotebookFixture) -> None:
    outcome = library_outcome(notebook)
    (expected,) = notebook.expected_errors
    assert outcome.failed, f"the library ran a notebook marked broken:\n{outcome.describe()}"
    assert outcome.error_type == ("ValueError" if notebook.framework == "keras" else "RuntimeError"), outcome.describe()
    if expected.code in STATEMENT_CODES:
        assert outcome.statement == expected.where, outcome.describe()
    else:
        assert outcome.failing_layer is not None and outcome.failing_layer[:2] == expected.where, outcome.describe()


# --- the engine against the library ---------------------------------------------------------


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=notebook_id)
def test_cells_left_out_are_the_ones_ipython_cannot_compile(notebook: NotebookFixture) -> None:
    program = notebook.analysis.program
    failing = [index for index, cell in enumerate(program.cells) if cell.is_python_code and not ipython_compiles(cell.source)]
    assert sorted(note.cell for note in notebook.analysis.notes) == failing


@pytest.mark.parametrize("notebook", VALID, ids=notebook_id)
def test_valid_notebook_matches_the_library(notebook: NotebookFixture) -> None:
    library = library_outcome(notebook)
    assert not library.failed, "the notebook itself is wrong; see test_valid_notebook_runs_in_the_library"
    engine = engine_outcome(notebook)
    problems = [f"unexpected error in cell {d.where[0]} line {d.where[1]}: {d.code} {d.message[:200]}" for d in engine.errors()]
    problems += [f"missing warning {w.code} in cell {w.where[0]} line {w.where[1]}"
                 for w in notebook.expected_warnings if not engine.has("warning", w.code, w.where)]
    mismatches, _ = layer_mismatches(library.applications, engine.applications, notebook.framework)
    problems += mismatches
    assert problems == [], "\n".join(problems) + "\nengine diagnostics:\n" + engine.describe()


@pytest.mark.parametrize("notebook", BROKEN, ids=notebook_id)
def test_broken_notebook_flagged_in_the_marked_cell_and_line(notebook: NotebookFixture) -> None:
    library = library_outcome(notebook)
    assert library.failed, "the notebook itself is wrong; see test_broken_notebook_fails_in_the_library_where_marked"
    (expected,) = notebook.expected_errors
    engine = engine_outcome(notebook)
    problems = []
    if not engine.has("error", expected.code, expected.where):
        problems.append(f"no {expected.code} error in cell {expected.where[0]} line {expected.where[1]} "
                        f"(library: {library.message[:300]})")
    built = {key[:2] for key in library.applications} - {expected.where}
    problems += [f"error where the library built without complaint: cell {d.where[0]} line {d.where[1]} {d.code}"
                 for d in engine.errors() if d.where in built]
    mismatches, _ = layer_mismatches(library.applications, engine.applications, notebook.framework, library_stopped=True)
    problems += mismatches
    assert problems == [], "\n".join(problems) + "\nengine diagnostics:\n" + engine.describe()


def test_engine_gaps_are_the_known_ones() -> None:
    found = {}
    for notebook in VALID:
        _, gaps = layer_mismatches(library_outcome(notebook).applications, engine_outcome(notebook).applications,
                                   notebook.framework)
        if gaps:
            found[notebook.name] = sorted(gap.split(":", 1)[0] for gap in gaps)
    assert found == {name: sorted(reasons) for name, reasons in KNOWN_GAPS.items()}
