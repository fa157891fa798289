"""Notebook figures for ``make bench``: change → diagnostics for a 60-cell notebook synced with
LSP notebook sync (``notebookDocument/didOpen`` / ``didChange``, as VS Code sends a notebook's
Python cells), against a bare ``ast.parse`` of the notebook's code (its cells joined) timed here
after each change, as ``server_bench`` times text documents.

The notebook is the generated model script cut where a notebook author would cut it: the
imports, then each function, class and group of top-level statements in a cell of its own, and
last a cell with a broken model, whose diagnostic is what each change waits for.
"""

from __future__ import annotations

import statistics
import time

from engine_bench import HEADER, UNIT
from server_bench import BROKEN_TAIL, CHANGE_RUNS, TOP_RUNS, WireClient, ms, percentile, timed_parse

CODE_CELLS = 60
NOTEBOOK_URI = "file:///bench/notebook_60_cells.ipynb"


def notebook_cells(count: int = CODE_CELLS) -> list[str]:
    """``count`` code cells: the header, units cut at their top-level blocks, the broken model."""
    cells = [HEADER.strip("\n")]
    unit = 0
    while len(cells) < count - 1:
        blocks = [block.strip("\n") for block in UNIT.format(i=unit).split("\n\n\n") if block.strip()]
        cells += blocks[: count - 1 - len(cells)]
        unit += 1
    return cells + [BROKEN_TAIL.strip("\n")]


def cell_uri(index: int) -> str:
    return f"vscode-notebook-cell:/bench/notebook_60_cells.ipynb#W{index}sZmlsZQ%3D%3D"


def open_notebook(client: WireClient, cells: list[str]) -> None:
    client.notify("notebookDocument/didOpen", {
        "notebookDocument": {
            "uri": NOTEBOOK_URI, "notebookType": "jupyter-notebook", "version": 1,
            "cells": [{"kind": 2, "document": cell_uri(i)} for i in range(len(cells))],
        },
        "cellTextDocuments": [
            {"uri": cell_uri(i), "languageId": "python", "version": 1, "text": text} for i, text in enumerate(cells)
        ],
    })


def change_cell(client: WireClient, index: int, version: int, change: dict) -> None:
    """One text change of one cell, as VS Code sends it (the cell's version follows the notebook's)."""
    client.notify("notebookDocument/didChange", {
        "notebookDocument": {"uri": NOTEBOOK_URI, "version": version},
        "change": {"cells": {"textContent": [
            {"document": {"uri": cell_uri(index), "version": version}, "changes": [change]},
        ]}},
    })


def toggle_last_cell(client: WireClient, cells: list[str], version: int) -> None:
    """Add or remove a comment line at the end of the last cell (the broken model's)."""
    index = len(cells) - 1
    end = {"line": cells[index].count("\n"), "character": len(cells[index].rsplit("\n", 1)[-1])}
    if version % 2 == 0:
        change = {"range": {"start": end, "end": end}, "text": "\n# edited"}
    else:
        end_of_comment = {"line": end["line"] + 1, "character": len("# edited")}
        change = {"range": {"start": end, "end": end_of_comment}, "text": ""}
    change_cell(client, index, version, change)


def toggle_first_cell(client: WireClient, version: int, add: bool) -> None:
    """Add a comment line at the start of the first cell (the imports), or remove it."""
    start = {"line": 0, "character": 0}
    end = start if add else {"line": 1, "character": 0}
    change_cell(client, 0, version, {"range": {"start": start, "end": end}, "text": "# edited\n" if add else ""})


def measure_notebook(client: WireClient) -> dict[str, float]:
    cells = notebook_cells()
    program = "\n".join(cells)
    last = cell_uri(len(cells) - 1)
    open_notebook(client, cells)
    client.wait_published(last, 1)
    change_samples, parse_samples = [], []
    for version in range(2, 2 + CHANGE_RUNS):
        sent = time.perf_counter()
        toggle_last_cell(client, cells, version)
        arrived, diagnostics = client.wait_published(last, version)
        assert any(d.get("code") == "negative-dimension" for d in diagnostics), diagnostics
        change_samples.append(arrived - sent)
        parse_samples.append(timed_parse(program))
    # A line added to the first cell moves every statement: the whole program is parsed again.
    # The last cell's diagnostics are published again, for its unchanged version.
    last_version, top_samples = 1 + CHANGE_RUNS, []
    for change in range(TOP_RUNS):
        sent = time.perf_counter()
        toggle_first_cell(client, last_version + 1 + change, add=change % 2 == 0)
        top_samples.append(client.wait_republished(last, last_version, sent) - sent)
        parse_samples.append(timed_parse(program))
    client.notify("notebookDocument/didClose", {
        "notebookDocument": {"uri": NOTEBOOK_URI},
        "cellTextDocuments": [{"uri": cell_uri(i)} for i in range(len(cells))],
    })
    return {
        "cells": len(cells),
        "lines": len(program.splitlines()),
        "parse": ms(statistics.median(parse_samples)),
        "change_median": ms(statistics.median(change_samples)),
        "change_p95": ms(percentile(change_samples, 0.95)),
        "top_median": ms(statistics.median(top_samples)),
    }


def notebook_lines(figures: dict[str, float]) -> list[str]:
    ratio = figures["change_median"] / figures["parse"]
    return [
        f"Notebook over notebook sync ({int(figures['cells'])} code cells, {int(figures['lines'])} lines): "
        f"ast.parse of its code {figures['parse']:.2f} ms, change→diagnostics median {figures['change_median']:.2f} ms "
        f"(p95 {figures['change_p95']:.2f} ms), ratio {ratio:.2f} (target <= 3); the changes are in the last cell. "
        f"A change in the first cell, after which every statement is parsed again: {figures['top_median']:.2f} ms, "
        f"ratio {figures['top_median'] / figures['parse']:.2f}",
    ]
