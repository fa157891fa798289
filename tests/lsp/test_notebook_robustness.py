"""The server stays up through every prefix of every fixture notebook's cells typed one character
at a time through notebook sync (each cell inserted, then typed), answering a hover after each
edit, and ends where ``shapelens check`` does; and through notebooks that are not what a server
expects (nbformat 3 structure sent as cells, no cells, 5 MB of cells, changes to what is not open)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from lsp_session import configure, hover_text
from lsprotocol import types
from notebook_session import (
    NOTEBOOK_FIXTURES,
    SyncedNotebook,
    code,
    codes_by_cell,
    fixture_cells,
    mark,
    markdown,
    wait_for_codes,
)
from pytest_lsp import LanguageClient
from test_server_robustness import failed_analyses

from shapelens.analysis.sources import analyze_notebook

FIXTURE_NOTEBOOKS = sorted(str(path.relative_to(NOTEBOOK_FIXTURES)) for path in NOTEBOOK_FIXTURES.rglob("*.ipynb"))


def expected_codes(name: str) -> dict[int, list[str]]:
    """What ``shapelens check`` finds, by the index of the cell among the Python cells (VS Code
    syncs only those)."""
    raw = (NOTEBOOK_FIXTURES / name).read_bytes()
    cells = json.loads(raw)["cells"]
    synced = {index: position for position, index in enumerate(i for i, c in enumerate(cells) if c["cell_type"] == "code")}
    analysis = analyze_notebook(raw)
    found: dict[int, list[str]] = {}
    for diagnostic in analysis.report.diagnostics:
        located = analysis.cell_map.span_to_cell(diagnostic.span)
        assert located is not None
        found.setdefault(synced[located.cell], []).append(diagnostic.code)
    return {index: sorted(codes) for index, codes in found.items()}


def first_layer(name: str) -> tuple[int, types.Position, str]:
    """Where the first layer of the notebook's first model is (synced cell, position) and its output."""
    raw = (NOTEBOOK_FIXTURES / name).read_bytes()
    cells = json.loads(raw)["cells"]
    synced = {index: position for position, index in enumerate(i for i, c in enumerate(cells) if c["cell_type"] == "code")}
    analysis = analyze_notebook(raw)
    layer = analysis.report.models[0].layers[0]
    located = analysis.cell_map.span_to_cell(layer.span)
    assert located is not None
    return synced[located.cell], types.Position(line=located.span.start_line, character=located.span.start_col + 1), layer.class_name


async def wait_until(condition, what: str, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("name", FIXTURE_NOTEBOOKS)
async def test_every_prefix_of_every_cell_typed_through_notebook_sync(notebook_client: LanguageClient, name: str):
    await configure(notebook_client, debounceMs=0)
    cells = fixture_cells(name)
    notebook = SyncedNotebook(notebook_client, f"/work/typed/{Path(name).stem}.ipynb").open([code("")])
    for index, cell in enumerate(cells):
        if index:
            notebook.insert(index, code(""))
        line = character = 0
        for char in cell.text:
            here = types.Position(line=line, character=character)
            notebook.edit(index, [types.TextEdit(range=types.Range(start=here, end=here), new_text=char)])
            line, character = (line + 1, 0) if char == "\n" else (line, character + len(char.encode("utf-16-le")) // 2)
            await notebook.hover(index, types.Position(line=max(line - 1, 0), character=6))
    assert [c.text for c in notebook.cells] == [c.text for c in cells]
    assert failed_analyses(notebook_client) == []

    expected = expected_codes(name)
    layer_cell, layer_position, layer_class = first_layer(name)
    last_parses = all(note.cell != max(i for i, c in enumerate(json.loads((NOTEBOOK_FIXTURES / name).read_text())["cells"])
                                       if c["cell_type"] == "code")
                      for note in analyze_notebook((NOTEBOOK_FIXTURES / name).read_bytes()).notes)
    if last_parses:  # otherwise the last cell is still being typed, and the result before it stays
        await wait_until(lambda: codes_by_cell(notebook_client, notebook) == expected, f"{expected} after typing")
    # closed and opened again as it is now: exactly what `shapelens check` says
    notebook.close()
    reopened = SyncedNotebook(notebook_client, f"/work/typed/{Path(name).stem}-reopened.ipynb").open(cells)
    # once the first layer's hover answers, the reopened notebook's analysis is published
    deadline = asyncio.get_running_loop().time() + 20
    while (hover := await reopened.hover(layer_cell, layer_position)) is None:
        assert asyncio.get_running_loop().time() < deadline, "no hover after reopening"
        await asyncio.sleep(0.05)
    assert layer_class in hover_text(hover)
    assert codes_by_cell(notebook_client, reopened) == expected
    assert failed_analyses(notebook_client) == []


NBFORMAT_3 = {
    "metadata": {"name": "old"},
    "nbformat": 3,
    "nbformat_minor": 0,
    "worksheets": [{"cells": [
        {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["MNIST"]},
        {"cell_type": "code", "collapsed": False, "input": ["import keras\n", "from keras import layers"],
         "language": "python", "metadata": {}, "outputs": [], "prompt_number": 1},
        {"cell_type": "code", "collapsed": False, "language": "python", "metadata": {}, "outputs": [],
         "input": ["model = keras.Sequential([keras.Input((4, 4, 1)), layers.Conv2D(8, 5)])"], "prompt_number": 2},
    ]}],
}


async def test_an_nbformat_3_notebook_sent_as_cells(notebook_client: LanguageClient):
    """A client that sends an old notebook as it reads it: worksheets in the metadata, v3 cell
    fields in the cells' metadata, a heading cell, and one cell holding the raw JSON."""
    await configure(notebook_client, debounceMs=0)
    worksheet = NBFORMAT_3["worksheets"][0]["cells"]
    cells = [
        markdown("".join(worksheet[0]["source"])),
        code("".join(worksheet[1]["input"])),
        code("".join(worksheet[2]["input"])),
        code(json.dumps(NBFORMAT_3, indent=1)),
    ]
    notebook = SyncedNotebook(notebook_client, "/work/old/v3.ipynb")
    for cell, raw in zip(cells, worksheet):
        cell.metadata = {key: value for key, value in raw.items() if key not in ("source", "input")}
    notebook.open(cells, metadata={key: value for key, value in NBFORMAT_3.items()})
    [diagnostic] = await wait_for_codes(notebook_client, notebook.uri_of(2), ["negative-dimension"])
    assert diagnostic.range.start.line == 0
    assert codes_by_cell(notebook_client, notebook) == {2: ["negative-dimension"]}
    assert await notebook.hover(3, types.Position(line=1, character=3)) is None
    assert failed_analyses(notebook_client) == []


async def test_an_empty_notebook_and_cells_added_to_it(notebook_client: LanguageClient):
    await configure(notebook_client, debounceMs=0)
    notebook = SyncedNotebook(notebook_client, "/work/empty.ipynb").open([])
    await asyncio.sleep(0.3)
    after = mark(notebook_client)
    notebook.insert(0, code(""), markdown("# notes"))
    notebook.edit(0, [types.TextEdit(
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        new_text="import torch.nn as nn\nimport torch\nnet = nn.Sequential(nn.Conv1d(3, 4, 9))\nnet(torch.randn(1, 3, 5))\n",
    )])
    await wait_for_codes(notebook_client, notebook.uri_of(0), ["negative-dimension"], after)
    # every cell deleted again
    after = mark(notebook_client)
    notebook.delete(0, 2)
    await wait_until(lambda: codes_by_cell(notebook_client, notebook) == {}, "the diagnostics cleared")
    assert notebook.cells == []
    # a notebook of markdown only, and one whose cells have no text documents
    SyncedNotebook(notebook_client, "/work/markdown.ipynb").open([markdown("# just notes")])
    orphan = SyncedNotebook(notebook_client, "/work/orphan.ipynb")
    orphan.cells = [code("x = 1")]
    orphan.cells[0].uri = orphan.new_uri()
    notebook_client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
        notebook_document=types.NotebookDocument(uri=orphan.uri, notebook_type="jupyter-notebook", version=1,
                                                 cells=[orphan.cells[0].notebook_cell()]),
        cell_text_documents=[],
    ))
    assert await orphan.hover(0, types.Position(line=0, character=0)) is None
    assert failed_analyses(notebook_client) == []


async def test_changes_to_what_is_not_open_are_ignored(notebook_client: LanguageClient):
    await configure(notebook_client, debounceMs=0)
    stranger = SyncedNotebook(notebook_client, "/work/never-opened.ipynb")
    stranger.cells = [code("x = 1")]
    stranger.cells[0].uri = stranger.new_uri()
    stranger.append(0, "\ny = 2")  # a change to a notebook that was never opened
    stranger.close()
    notebook = SyncedNotebook(notebook_client, "/work/open.ipynb").open([code("import torch\n")])
    ghost = code("z = 3")
    ghost.uri = notebook.new_uri()
    notebook.cells.append(ghost)  # the client thinks a cell is there that the server never got
    notebook.append(1, "\nw = 4")
    notebook.cells.pop()
    notebook.delete(0, 5)  # more than there are
    after = mark(notebook_client)
    notebook.insert(0, code("import torch\nimport torch.nn as nn\nhead = nn.Sequential(nn.Linear(3, 4), nn.Linear(5, 2))\n"))
    await wait_for_codes(notebook_client, notebook.uri_of(0), ["linear-in-features"], after)
    assert [m.message for m in notebook_client.log_messages if m.type == types.MessageType.Error] == []
    assert notebook_client.messages == []  # no window/showMessage popped up


def big_notebook_cells() -> list:
    """Over 5 MB: pasted data (a long list literal, a long base64 string), a cell of thousands of
    layer lines, and the usual model around them."""
    rows = ",\n".join(f"    [{i * 0.5:.1f}, {i % 7}, {i % 13}.25, {i % 3}]" for i in range(80_000))
    blob = "iVBORw0KGgo" * 200_000
    dense = "\n".join(f"h = layers.Dense({8 + i % 5}, activation='relu')(h)" for i in range(25_000))
    return [
        code("import numpy as np\nimport keras\nfrom keras import layers\n"),
        code(f"table = np.array([\n{rows}\n])\n"),
        code(f"LOGO = '{blob}'\n"),
        code("inputs = keras.Input(shape=(4,))\nh = inputs\n" + dense + "\nmodel = keras.Model(inputs, h)\n"),
        code("model.fit(table, table[:, 0], epochs=1)\n"),
    ]


async def test_a_5_mb_notebook_gives_a_result_or_nothing(notebook_client: LanguageClient):
    await configure(notebook_client, debounceMs=0)
    cells = big_notebook_cells()
    assert sum(len(c.text) for c in cells) > 5_000_000
    notebook = SyncedNotebook(notebook_client, "/work/big.ipynb").open(cells)
    first_dense = types.Position(line=2, character=12)
    # the server answers while it reads the notebook (the hover waits for the parser, which holds
    # the GIL, at most) and gives its result: here, every layer's shape
    deadline = asyncio.get_running_loop().time() + 300
    while (hover := await notebook.hover(3, first_dense)) is None:
        assert asyncio.get_running_loop().time() < deadline, "no result for the 5 MB notebook"
        await asyncio.sleep(0.5)
    assert "(None, 8)" in hover_text(hover)
    # an edit, then a request in another cell while it is analysed again
    notebook.append(4, "\n# trained\n")
    await notebook.hover(0, types.Position(line=1, character=8))
    assert "(None, 8)" in hover_text(await notebook.hover(3, first_dense))
    assert failed_analyses(notebook_client) == []
