"""A notebook read as one program (shapelens.analysis.sources): reading nbformat 4, the cell map
both ways, IPython syntax masked as IPython itself reads it, and a cell that does not parse
left out alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from shapelens.analysis.report import Span
from shapelens.analysis.sources import (
    CellMap,
    NotebookCell,
    NotebookError,
    NotebookProgram,
    ProgramCell,
    analyze_cells,
    analyze_notebook,
    read_cells,
)
from shapelens.analysis.sources import notebook as notebook_module
from shapelens.analysis.sources.ipython import mask_cell

NOTEBOOKS = sorted((Path(__file__).resolve().parent / "fixtures" / "notebooks").rglob("*.ipynb"))
KERAS_IMPORTS = "import keras\nfrom keras import layers\n"


def notebook_json(*cells: tuple[str, str], metadata: dict | None = None) -> str:
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata or {},
                       "cells": [{"cell_type": kind, "metadata": {}, "source": source,
                                  **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                                 for kind, source in cells]})


def fixture_code_cells() -> list[str]:
    return [cell.source for path in NOTEBOOKS for cell in read_cells(path.read_bytes()) if cell.kind == "code"]


# --- reading nbformat 4 ---------------------------------------------------------------------


def test_sources_as_lists_and_as_strings_read_alike() -> None:
    as_list = json.loads(notebook_json(("code", "")))
    as_list["cells"][0]["source"] = ["import keras\n", "x = 1"]
    as_string = json.loads(notebook_json(("code", "import keras\nx = 1")))
    assert read_cells(json.dumps(as_list)) == read_cells(json.dumps(as_string)) == (
        NotebookCell(kind="code", source="import keras\nx = 1"),)


def test_only_python_code_cells_make_the_program() -> None:
    raw = json.loads(notebook_json(("markdown", "# Title\n!not code"), ("code", "a = 1"), ("raw", "b = 2"),
                                   ("code", "SELECT 1"), ("code", "c = 3")))
    raw["cells"][3]["metadata"] = {"vscode": {"languageId": "sql"}}  # VS Code's own cell language
    program = NotebookProgram.from_cells(read_cells(json.dumps(raw)))
    assert program.lines == ("a = 1", "c = 3")
    assert [cell.index for cell in program.cell_map.cells] == [1, 4]


def test_a_notebook_in_another_language_has_no_program() -> None:
    r_notebook = notebook_json(("code", "library(keras)"), metadata={"kernelspec": {"language": "R", "name": "ir"}})
    assert analyze_notebook(r_notebook).program.lines == ()
    python = notebook_json(("code", "a = 1"), metadata={"language_info": {"name": "python"}})
    assert analyze_notebook(python).program.lines == ("a = 1",)


@pytest.mark.parametrize(("raw", "reason"), [
    (b"", "the file is empty"),
    (b"  \n", "the file is empty"),
    (b"\xff\xfe\x00junk", "the file is not UTF-8 text"),
    (b'{"cells": [', "not valid JSON (line 1, column 12"),
    (b"[1, 2]", "not a Jupyter notebook (the JSON is list, not an object)"),
    (b'{"cells": []}', "not a Jupyter notebook: no nbformat version"),
    (json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}).encode(),
     "nbformat 3 notebooks are not read, only nbformat 4"),
    (json.dumps({"metadata": {}, "worksheets": []}).encode(), "no nbformat version (it has worksheets, like nbformat 3)"),
    (json.dumps({"nbformat": 4, "metadata": {}}).encode(), 'not a Jupyter notebook: no "cells" list'),
    (json.dumps({"nbformat": 4, "cells": [{"source": "x"}]}).encode(), "cell 1 is not a notebook cell"),
    (json.dumps({"nbformat": 4, "cells": [{"cell_type": "code", "source": [1, 2]}]}).encode(),
     "the source of cell 1 is not text"),
    (b"[" * 100_000 + b"]" * 100_000, "the JSON nests too deeply to read"),
])
def test_what_is_not_an_nbformat_4_notebook_says_why_in_one_line(raw: bytes, reason: str) -> None:
    with pytest.raises(NotebookError) as raised:
        read_cells(raw)
    assert reason in str(raised.value) and "\n" not in str(raised.value)
    analysis = analyze_notebook(raw)  # never raises
    assert not analysis.report.parsed and reason in analysis.report.parse_error


# --- the cell map ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_line_maps_to_its_cell_and_back(path: Path) -> None:
    cells = read_cells(path.read_bytes())
    program = NotebookProgram.from_cells(cells)
    cell_map = program.cell_map
    assert cell_map.line_count == len(program.lines)
    for cell in cell_map.cells:
        source_lines = cells[cell.index].source.replace("\r\n", "\n").split("\n")
        assert cell.line_count == len(source_lines)
        for line, text in enumerate(source_lines):
            position = cell_map.to_cell(cell.first_line + line, 7)
            assert (position.cell, position.line, position.col) == (cell.index, line, 7)
            assert cell_map.to_program(cell.index, line, 7) == (cell.first_line + line, 7)
            if line not in cell.masked_lines:  # Python is kept as written: same columns
                assert program.lines[cell.first_line + line] == text
    assert cell_map.to_cell(-1) is None and cell_map.to_cell(len(program.lines)) is None


def test_spans_map_both_ways_and_stop_at_their_cell() -> None:
    cell_map = CellMap([ProgramCell(index=1, first_line=0, line_count=2), ProgramCell(index=3, first_line=2, line_count=3)])
    assert cell_map.span_to_cell(Span(3, 4, 4, 9)).cell == 3
    assert cell_map.span_to_cell(Span(3, 4, 4, 9)).span == Span(1, 4, 2, 9)
    assert cell_map.span_to_program(3, Span(1, 4, 2, 9)) == Span(3, 4, 4, 9)
    # A span running into the next cell ends at the end of its own cell's last line.
    assert cell_map.span_to_cell(Span(0, 2, 3, 1), line_lengths=[10, 12, 0, 0, 0]).span == Span(0, 2, 1, 12)
    assert cell_map.span_to_program(3, Span(2, 0, 3, 0)) is None  # past the cell's end
    assert cell_map.span_to_program(2, Span(0, 0, 0, 1)) is None  # a cell not in the program
    assert cell_map.cell(2) is None and cell_map.cell(3).first_line == 2
    with pytest.raises(ValueError):
        CellMap([ProgramCell(index=1, first_line=0, line_count=2), ProgramCell(index=3, first_line=3, line_count=1)])


# --- IPython syntax, masked as IPython reads it ----------------------------------------------

TRICKY_CELLS = [
    "%matplotlib inline\nimport numpy as np",
    "for i in range(3):\n    !echo {i}\n    %time f(i)",
    "files = !ls -la\nx = 1",
    "a, b = !ls",
    "x = %time f()",
    's = """\n!not a magic\nmodel?\n"""\nprint(s)',
    "s = '''\n%not a magic either\n'''",
    "d = {\n    'a': 1,\n}\n%who",
    "model.fit?\nx = [1,\n  2]",
    "??np.zeros\n%pip install -q torch",
    "x = 1  # is this a magic?\ny = x if x else 2",
    "y = x % 2\nz = x != 3",
    "print('%d items' % 3)\n!echo 'it''s'",
    "s = 'abc\\\n!def'",
    "if True:\n    model?",
    "%timeit -n 10 -r 3 model.predict(x)",
    "def f():\n    return 1\n%time f()",
    "x = f'{y}?'",
    "x = (1 +\n%2)",
    "x = [1,\n !echo]",
    "total = 1 + \\\n    2\n!ls",
    "%time for i in range(3): f(i)",
    "%load_ext autoreload\n%autoreload 2",
    "model?  \nlayers.Conv2D??",
    "%env KERAS_BACKEND=torch\nimport keras",
    "print(r'\\\\')\n!ls",
    "print(r'\\')\n!ls",
    "x = b'\\'' # quote\n%who",
]


def ipython_lines(cell: str) -> list[str]:
    return TransformerManager().transform_cell(cell + "\n")[:-1].split("\n")


def compiles(text: str) -> bool:
    try:
        compile(text, "<cell>", "exec")
    except SyntaxError:
        return False
    return True


@pytest.mark.parametrize("cell", TRICKY_CELLS + sorted(set(fixture_code_cells())), ids=lambda c: c[:40])
def test_masking_rewrites_the_lines_ipython_rewrites(cell: str) -> None:
    lines = cell.split("\n")
    masked = mask_cell(lines)
    assert len(masked.lines) == len(lines)
    first = next((n for n, line in enumerate(lines) if line.strip()), 0)
    if lines[first].startswith("%%"):  # a cell magic: IPython hands the whole cell to it
        transformed = TransformerManager().transform_cell(cell + "\n")
        assert transformed.startswith("get_ipython().run_cell_magic(")
        if masked.foreign_cell_magic is not None:
            assert set(masked.lines) == {""}
            return
        body = mask_cell(lines[first + 1:])
        assert masked.masked_lines == (first, *(first + 1 + n for n in body.masked_lines))
        return
    expected = ipython_lines(cell)
    assert compiles("\n".join(masked.lines)) == compiles("\n".join(expected))
    if not compiles("\n".join(expected)):
        return  # Jupyter cannot run the cell either; which lines it would have rewritten is moot
    if len(expected) == len(lines):
        assert list(masked.masked_lines) == [n for n, (a, b) in enumerate(zip(lines, expected)) if a != b]
    else:  # IPython joined a magic's backslash continuation lines into one
        assert any(line.endswith("\\") for line in lines)


def test_a_timed_statement_keeps_its_columns() -> None:
    masked = mask_cell(["    %time out = model(images)", "%timeit -n 3 -r 1 model.predict(x)"])
    assert masked.lines == ("    pass; out = model(images)", "pass;             model.predict(x)")
    for original, line in zip(["    %time out = model(images)", "%timeit -n 3 -r 1 model.predict(x)"], masked.lines):
        statement = original.split(" ", 5)[-1] if "timeit" in original else "out = model(images)"
        assert line.index(statement) == original.index(statement)


def test_shell_continuation_lines_are_masked_with_their_command() -> None:
    masked = mask_cell(["!pip install keras \\", "    numpy", "x = 1"])
    assert masked.lines == ("pass", "pass", "x = 1") and masked.masked_lines == (0, 1)


def test_cell_magics() -> None:
    assert mask_cell(["%%bash", "echo hi"]).foreign_cell_magic == "bash"
    assert mask_cell(["", "%%writefile model.py", "import keras"]).lines == ("", "", "")
    timed = mask_cell(["%%time", "x = 1", "!ls"])
    assert timed.foreign_cell_magic is None and timed.lines == ("pass", "x = 1", "pass")


# --- a cell that does not parse is left out, alone --------------------------------------------

MODEL_A = "model_a = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(4)])"
MODEL_B = "model_b = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2)])"


def test_a_syntax_error_leaves_out_its_cell_only() -> None:
    analysis = analyze_notebook(notebook_json(("code", KERAS_IMPORTS + MODEL_A), ("markdown", "text"),
                                              ("code", "if x > 1\n    x = 0"), ("code", MODEL_B)))
    assert [(m.name, analysis.cell_map.span_to_cell(m.span).cell) for m in analysis.report.models] == [
        ("model_a", 0), ("model_b", 3)]
    (note,) = analysis.notes
    assert (note.cell, note.span.start_line, note.message) == (2, 0, "SyntaxError: expected ':'")
    assert analysis.cell_map.cell(2).excluded == "SyntaxError: expected ':'"
    assert analysis.program.lines[analysis.cell_map.cell(2).first_line:][:2] == ("", "")


def test_an_error_that_shows_in_a_later_cell_is_put_on_the_cell_at_fault() -> None:
    # The bracket left open in cell 1 makes Python complain at cell 2's `def`; cell 2 is fine alone.
    analysis = analyze_notebook(notebook_json(("code", KERAS_IMPORTS), ("code", "values = compute(1,"),
                                              ("code", "def build():\n    return 1\n" + MODEL_B)))
    assert [note.cell for note in analysis.notes] == [1]
    assert [m.name for m in analysis.report.models] == ["model_b"]


@pytest.mark.parametrize("bad_cell", [
    "x = 1\x00", "x = " + "-" * 100_000 + "1", "x = " + "[" * 300 + "]" * 300,
    "  indented = 1",  # IPython dedents a cell indented as a whole; the program cannot without moving columns
])
def test_cells_the_program_cannot_parse_are_left_out(bad_cell: str) -> None:
    analysis = analyze_notebook(notebook_json(("code", KERAS_IMPORTS + MODEL_A), ("code", bad_cell), ("code", MODEL_B)))
    assert [m.name for m in analysis.report.models] == ["model_a", "model_b"]
    assert [note.cell for note in analysis.notes] == [1]


def test_a_future_import_in_a_later_cell_is_kept() -> None:
    # Jupyter compiles it alone, where it is the first statement; ast.parse accepts it anywhere.
    analysis = analyze_notebook(notebook_json(("code", KERAS_IMPORTS), ("code", "from __future__ import annotations"),
                                              ("code", MODEL_B)))
    assert analysis.notes == () and [m.name for m in analysis.report.models] == ["model_b"]


def test_every_cell_broken_gives_notes_and_no_models() -> None:
    analysis = analyze_cells([NotebookCell("code", "def f(:"), NotebookCell("code", "x = (")])
    assert analysis.report.parsed and analysis.report.models == ()
    assert [note.cell for note in analysis.notes] == [0, 1]


def test_a_notebook_that_parses_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the engine's own parse of the whole program: no parse of cells, no second parse."""
    extra_parses: list[str] = []
    real = notebook_module._parse_failure
    monkeypatch.setattr(notebook_module, "_parse_failure", lambda text: extra_parses.append(text) or real(text))
    checked = 0
    for path in NOTEBOOKS:
        extra_parses.clear()
        analysis = analyze_notebook(path.read_bytes())
        if not analysis.notes:  # the error path parses again, to find the cell at fault
            checked += 1
            assert extra_parses == [], path.name
    assert checked >= 12


# --- bad input: never a traceback ------------------------------------------------------------


def test_a_5_mb_notebook_full_of_outputs_gives_a_result() -> None:
    raw = json.loads((NOTEBOOKS[0].parent / "mnist_convnet_colab.ipynb").read_text(encoding="utf-8"))
    picture = "iVBORw0KGgo" * 60_000  # base64 text, like a plot
    for cell in raw["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "display_data", "metadata": {}, "data": {"image/png": picture}},
                               {"output_type": "stream", "name": "stdout", "text": ["Epoch 1/10\n"] * 5_000}]
    text = json.dumps(raw)
    assert len(text) > 5_000_000
    analysis = analyze_notebook(text.encode())
    assert [layer.output_shape for layer in analysis.report.models[0].layers][-1] == (None, 10)


@pytest.mark.parametrize("name", ["keras/unet_odd_size_skip.ipynb", "torch/lenet_mnist_wrong_fc.ipynb"])
def test_every_prefix_of_a_cell_is_analysed_without_a_traceback(name: str) -> None:
    raw = json.loads((NOTEBOOKS[0].parents[1] / name).read_text(encoding="utf-8"))
    index, cell = max(((i, c) for i, c in enumerate(raw["cells"]) if c["cell_type"] == "code"),
                      key=lambda item: len("".join(item[1]["source"])))
    source = "".join(cell["source"])
    for end in range(len(source) + 1):
        cell["source"] = source[:end]
        analysis = analyze_notebook(json.dumps(raw))
        assert analysis.report.parsed
        assert all(note.cell == index for note in analysis.notes)
