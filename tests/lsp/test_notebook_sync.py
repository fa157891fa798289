"""Notebooks over LSP 3.17 notebook sync, as VS Code's language client sends them: the cells are
one program, its diagnostics land on the cells they lie in, and hovers, inlay hints and quick
fixes work in cells; edits, insertions, deletions, moves and kind changes keep it so."""

from __future__ import annotations

import asyncio
import json

from lsp_session import (
    FIXTURES,
    apply_text_edits,
    configure,
    diagnostics_for,
    edits_of,
    hover_text,
    open_document,
    position_of,
    versions_published,
)
from lsprotocol import types
from notebook_session import (
    CODE,
    MARKUP,
    SyncedNotebook,
    code,
    codes_by_cell,
    fixture_cells,
    mark,
    markdown,
    diagnostics_after,
    published_after,
    wait_for_codes,
)
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient

LENET = "torch/lenet_mnist_wrong_fc.ipynb"
# LeNet's Python cells as VS Code syncs them (the markdown cell is not synced).
IMPORTS, DATA, MODEL, BUILD, RUN, SHOW = range(6)


async def open_lenet(client: LanguageClient, path: str = "/work/notebooks/lenet.ipynb") -> SyncedNotebook:
    await configure(client, debounceMs=0)
    notebook = SyncedNotebook(client, path).open(fixture_cells(LENET))
    await wait_for_codes(client, notebook.uri_of(MODEL), ["linear-in-features"])
    return notebook


async def test_the_server_advertises_notebook_sync_for_python_cells(notebook_client: LanguageClient):
    sync = notebook_client.initialize_result.capabilities.notebook_document_sync  # type: ignore[attr-defined]
    assert sync is not None and sync.save is True
    selectors = [(s.notebook, [c.language for c in s.cells or ()]) for s in sync.notebook_selector]
    assert selectors == [("jupyter-notebook", ["python"]), ("interactive", ["python"])]
    # on the wire, exactly what the client's tests feed vscode-languageclient (client/test/notebookSync.test.ts)
    advertised = default_converter().unstructure(sync)
    assert advertised == json.loads((FIXTURES / "notebook_document_sync.json").read_text(encoding="utf-8"))


async def test_diagnostics_land_on_the_cell_of_the_layer(notebook_client: LanguageClient):
    notebook = await open_lenet(notebook_client)
    model = notebook.text_of(MODEL)
    diagnostics = await diagnostics_for(notebook_client, notebook.uri_of(MODEL), version=1)
    assert [d.code for d in diagnostics] == ["linear-in-features"]
    # the Linear(16 * 5 * 5, 120) constructor, in the cell's own lines
    assert diagnostics[0].range == types.Range(
        start=position_of(model, "nn.Linear(16 * 5 * 5"), end=position_of(model, "nn.Linear(16 * 5 * 5, 120)", 26)
    )
    assert "receives 256 features" in diagnostics[0].message
    assert diagnostics[0].source == "shapelens"
    # nothing for the other cells, and nothing under the notebook's own uri
    assert codes_by_cell(notebook_client, notebook) == {MODEL: ["linear-in-features"]}
    assert versions_published(notebook_client, notebook.uri) == []


async def test_markdown_cells_sent_by_a_client_stay_out_of_the_program(notebook_client: LanguageClient):
    await configure(notebook_client, debounceMs=0)
    cells = fixture_cells(LENET, python_only=False)  # a markdown cell first
    notebook = SyncedNotebook(notebook_client, "/work/notebooks/all_cells.ipynb").open(cells)
    assert cells[0].kind == MARKUP
    await wait_for_codes(notebook_client, notebook.uri_of(MODEL + 1), ["linear-in-features"])
    assert codes_by_cell(notebook_client, notebook) == {MODEL + 1: ["linear-in-features"]}


async def test_hover_and_inlay_hints_in_a_cell(notebook_client: LanguageClient):
    notebook = await open_lenet(notebook_client)
    model = notebook.text_of(MODEL)
    hover = await notebook.hover(MODEL, position_of(model, "nn.Conv2d(1, 6", 4))
    text = hover_text(hover)
    assert "(64, 6, 24, 24)" in text  # the data shape comes from the DATA cell
    assert hover.range == types.Range(
        start=position_of(model, "nn.Conv2d(1, 6"), end=position_of(model, "nn.Conv2d(1, 6, kernel_size=5)", 30)
    )
    assert await notebook.hover(DATA, types.Position(line=0, character=3)) is None  # a comment

    hints = await notebook.inlay_hints(MODEL)
    labels = {hint.position.line: str(hint.label) for hint in hints}
    # at the calls in forward(), where the shapes flow
    forward_conv1 = position_of(model, "self.conv1(x)")
    assert "(64, 6, 24, 24)" in labels[forward_conv1.line]
    assert "(64, 16, 8, 8)" in labels[forward_conv1.line + 1]
    assert all(0 <= hint.position.line < model.count("\n") + 1 for hint in hints)
    assert await notebook.inlay_hints(IMPORTS) == []


async def test_quick_fix_edits_the_cell_and_clears_the_error(notebook_client: LanguageClient):
    notebook = await open_lenet(notebook_client)
    [diagnostic] = await diagnostics_for(notebook_client, notebook.uri_of(MODEL), version=1)
    actions = await notebook.code_actions(MODEL, diagnostic)
    action = next((a for a in actions if a.title == "Set in_features to 256"), None)
    assert action is not None, [a.title for a in actions]
    assert list(action.diagnostics) == [diagnostic]
    [change] = action.edit.document_changes
    assert change.text_document.uri == notebook.uri_of(MODEL) and change.text_document.version == 1

    fixed = apply_text_edits(notebook.text_of(MODEL), edits_of(action))
    assert "nn.Linear(256, 120)" in fixed
    after = mark(notebook_client)
    version = notebook.edit(MODEL, edits_of(action))
    assert version == 2
    assert await diagnostics_for(notebook_client, notebook.uri_of(MODEL), version=2, after=after) == []


async def test_a_change_in_an_earlier_cell_updates_a_later_cell(notebook_client: LanguageClient):
    notebook = await open_lenet(notebook_client)
    model_uri = notebook.uri_of(MODEL)
    # 32x32 images, as in the paper: 16 * 5 * 5 is right and the model cell's error goes
    after = mark(notebook_client)
    notebook.replace(DATA, "torch.randn(64, 1, 28, 28)", "torch.randn(64, 1, 32, 32)")
    cleared = await published_after(notebook_client, model_uri, after)
    assert list(cleared.diagnostics) == [] and cleared.version == 1  # the model cell itself did not change
    hover = await notebook.hover(MODEL, position_of(notebook.text_of(MODEL), "nn.Conv2d(1, 6", 4))
    assert "(64, 6, 28, 28)" in hover_text(hover)
    # and back: the error comes back on the model cell
    after = mark(notebook_client)
    notebook.replace(DATA, "torch.randn(64, 1, 32, 32)", "torch.randn(64, 1, 28, 28)")
    await wait_for_codes(notebook_client, model_uri, ["linear-in-features"], after)


async def test_cells_inserted_moved_and_deleted(notebook_client: LanguageClient):
    notebook = await open_lenet(notebook_client)
    model_uri = notebook.uri_of(MODEL)
    [diagnostic] = await diagnostics_for(notebook_client, model_uri, version=1)

    # a cell inserted above: the program's lines move, the diagnostic stays where it is in its cell
    after = mark(notebook_client)
    notebook.insert(DATA, code("# MNIST\nBATCH = 64\n\n\n"))
    again = await wait_for_codes(notebook_client, model_uri, ["linear-in-features"], after)
    assert again[0].range == diagnostic.range
    assert (await notebook.hover(MODEL + 1, position_of(notebook.text_of(MODEL + 1), "nn.Conv2d(1, 6", 4))) is not None

    # the data cell moved below the cell that runs the model: no input reaches it, no error
    data = DATA + 1
    after = mark(notebook_client)
    notebook.move(data, len(notebook.cells) - 1)
    assert await diagnostics_after(notebook_client, model_uri, after) == []
    # and moved back
    after = mark(notebook_client)
    notebook.move(len(notebook.cells) - 1, data)
    await wait_for_codes(notebook_client, model_uri, ["linear-in-features"], after)

    # a second model, in a cell inserted at the end: its diagnostic on its own cell
    after = mark(notebook_client)
    [new_uri] = notebook.insert(
        len(notebook.cells),
        code("head = nn.Sequential(nn.Linear(10, 5), nn.Linear(6, 2))\nhead(torch.randn(4, 10))\n"),
    )
    await wait_for_codes(notebook_client, new_uri, ["linear-in-features"], after)
    assert codes_by_cell(notebook_client, notebook) == {
        MODEL + 1: ["linear-in-features"], len(notebook.cells) - 1: ["linear-in-features"]
    }

    # the model cell deleted: its diagnostics are cleared; the new cell keeps its own
    after = mark(notebook_client)
    notebook.delete(MODEL + 1)
    assert await diagnostics_after(notebook_client, model_uri, after) == []
    await wait_for_codes(notebook_client, new_uri, ["linear-in-features"], after)
    assert codes_by_cell(notebook_client, notebook) == {len(notebook.cells) - 1: ["linear-in-features"]}
    # and deleted too
    after = mark(notebook_client)
    notebook.delete(len(notebook.cells) - 1)
    assert await diagnostics_after(notebook_client, new_uri, after) == []


async def test_a_cell_kind_change(notebook_client: LanguageClient):
    notebook = await open_lenet(notebook_client)
    model_uri = notebook.uri_of(MODEL)
    # the data cell becomes markdown: it is no longer code, so no input reaches the model
    after = mark(notebook_client)
    notebook.set_kind(DATA, MARKUP)
    assert await diagnostics_after(notebook_client, model_uri, after) == []
    after = mark(notebook_client)
    notebook.set_kind(DATA, CODE)
    await wait_for_codes(notebook_client, model_uri, ["linear-in-features"], after)
    # VS Code's way: the cell is replaced by a markdown cell with a new uri
    after = mark(notebook_client)
    text = notebook.text_of(DATA)
    notebook.delete(DATA)
    notebook.insert(DATA, markdown(text))
    assert await diagnostics_after(notebook_client, model_uri, after) == []


async def test_a_cell_that_stops_parsing_keeps_the_last_result_until_another_cell_is_edited(
    notebook_client: LanguageClient,
):
    notebook = await open_lenet(notebook_client)
    model_uri = notebook.uri_of(MODEL)
    before = mark(notebook_client)
    # typing in the model cell: it does not parse for a moment
    notebook.append(MODEL, "\n    def extra(self, x")
    hover_at = position_of(notebook.text_of(MODEL), "nn.Conv2d(1, 6", 4)
    await asyncio.sleep(0.5)
    assert [p for p in notebook_client.published[before:] if p.uri == model_uri] == []  # type: ignore[attr-defined]
    assert "(64, 6, 24, 24)" in hover_text(await notebook.hover(MODEL, hover_at))
    # the user goes on in another cell: the model cell is left out (it does not parse) and says nothing
    after = mark(notebook_client)
    notebook.append(SHOW, "\nout.sum()")
    assert await diagnostics_after(notebook_client, model_uri, after) == []
    # and once it parses again, its diagnostic is back
    after = mark(notebook_client)
    notebook.append(MODEL, "):\n        return x\n")
    await wait_for_codes(notebook_client, model_uri, ["linear-in-features"], after)


async def test_save_and_close(notebook_client: LanguageClient):
    notebook = await open_lenet(notebook_client)
    model_uri = notebook.uri_of(MODEL)
    notebook.save()
    after = mark(notebook_client)
    notebook.close()
    assert await diagnostics_after(notebook_client, model_uri, after) == []
    assert await notebook.hover(MODEL, types.Position(line=3, character=25)) is None


async def test_a_cell_document_opened_as_a_text_document_is_not_analysed_alone(notebook_client: LanguageClient):
    notebook = await open_lenet(notebook_client)
    model = notebook.cells[MODEL]
    # a text document open for the cell (VS Code does not send this when the server syncs notebooks)
    after = mark(notebook_client)
    notebook_client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=model.uri, language_id="python", version=99, text=model.text)
        )
    )
    # one analysis at a time, in order: a document opened next is published after anything of the cell's
    other = "untitled:other.py"
    open_document(notebook_client, other, "import torch\n")
    await diagnostics_for(notebook_client, other, version=1, after=after)
    assert versions_published(notebook_client, model.uri) == [1]  # the notebook's publication only
    assert "(64, 6, 24, 24)" in hover_text(await notebook.hover(MODEL, position_of(model.text, "nn.Conv2d(1, 6", 4)))
    # the notebook goes on as before
    after = mark(notebook_client)
    notebook.replace(DATA, "torch.randn(64, 1, 28, 28)", "torch.randn(64, 1, 32, 32)")
    assert await diagnostics_after(notebook_client, model.uri, after) == []


async def test_interactive_window_and_shape_comments(notebook_client: LanguageClient):
    await configure(notebook_client, debounceMs=0)
    notebook = SyncedNotebook(notebook_client, "/work/Interactive-1.interactive", notebook_type="interactive")
    notebook.open([code("import torch\nimport torch.nn as nn\n"),
                   code("net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(3, 8, 3))\n"),
                   code("net(torch.randn(1, 3, 16, 16))\n")])
    [diagnostic] = await wait_for_codes(notebook_client, notebook.uri_of(1), ["in-channels"])
    actions = await notebook.code_actions(1, diagnostic, only=["source.shapelens.addShapeComments"])
    [comments] = actions
    [change] = comments.edit.document_changes
    assert change.text_document.uri == notebook.uri_of(1)
    commented = apply_text_edits(notebook.text_of(1), edits_of(comments))
    assert "# → (1, 8, 14, 14)" in commented


async def test_settings_apply_to_notebooks(notebook_client: LanguageClient):
    notebook = await open_lenet(notebook_client)
    model_uri = notebook.uri_of(MODEL)
    after = mark(notebook_client)
    await configure(notebook_client, severity={"linear-in-features": "warning"})
    [warning] = await diagnostics_after(notebook_client, model_uri, after)
    assert warning.severity == types.DiagnosticSeverity.Warning
    after = mark(notebook_client)
    await configure(notebook_client, enable=False)
    assert await diagnostics_after(notebook_client, model_uri, after) == []
    assert await notebook.inlay_hints(MODEL) == []
    after = mark(notebook_client)
    await configure(notebook_client, enable=True)
    await wait_for_codes(notebook_client, model_uri, ["linear-in-features"], after)


EMOJI_CELLS = [
    "import keras\nfrom keras import layers\n",
    "x = keras.Input(shape=(8, 8, 3))\n",
    # emoji and CJK before the layer on its line: columns differ in UTF-16, UTF-8 and code points
    'tag = "🧠形状😀"; y = layers.MaxPooling2D(pool_size=16)(x)  # 形状\nmodel = keras.Model(x, y)\n',
]
POOL = "layers.MaxPooling2D(pool_size=16)"


async def cell_positions_in(client: LanguageClient, encoding: str) -> None:
    await configure(client, debounceMs=0)
    notebook = SyncedNotebook(client, f"/work/notebooks/columns_{encoding}.ipynb").open([code(t) for t in EMOJI_CELLS])
    text = notebook.text_of(2)
    [error] = await wait_for_codes(client, notebook.uri_of(2), ["negative-dimension"])
    expected = types.Range(start=position_of(text, POOL, encoding=encoding), end=position_of(text, POOL, len(POOL), encoding=encoding))
    assert error.range == expected
    hover = await notebook.hover(2, position_of(text, POOL, len("layers.Max"), encoding=encoding))
    assert "MaxPooling2D" in hover_text(hover) and hover.range == expected


async def test_cell_columns_in_utf16(notebook_client: LanguageClient):
    assert position_of(EMOJI_CELLS[2], POOL).character == EMOJI_CELLS[2].index(POOL) + 2  # two astral characters
    await cell_positions_in(notebook_client, "utf-16")


async def test_cell_columns_in_utf8(utf8_client: LanguageClient):
    await cell_positions_in(utf8_client, "utf-8")
