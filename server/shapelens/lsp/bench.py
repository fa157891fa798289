"""Server figures for ``shapelens bench``: a real ``shapelens serve`` subprocess over stdio.

Measured from this (client) process, so every figure includes JSON-RPC both ways:
* ``didChange`` → ``publishDiagnostics`` for that version, with the debounce set to 0 (so it is
  excluded), against a bare ``ast.parse`` of the same text timed here in the same run;
* hover round trips on layer constructors;
* the first (uncached) quick-fix request for a diagnostic, each time on a new version;
* the server's resident memory with 50 open documents.
"""

from __future__ import annotations

import ast
import asyncio
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Optional

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from shapelens.lsp.server import FIX_WARM_UP_SECONDS

CHANGE_RUNS = 21
HOVER_RUNS = 60
FIX_RUNS = 7
OPEN_DOCUMENTS = 50
BUSY_ROUNDS = 5
HOVERS_PER_ROUND = 15
TARGETS = "targets: diagnostics <= 4 x ast.parse, hover p95 <= 10 ms, quick fix <= 100 ms, memory <= 150 MB"
# Appended to each file so that there is a diagnostic with quick fixes to ask for.
BROKEN_TAIL = """

bench_broken = tf.keras.Sequential([
    tf.keras.Input(shape=(3, 3, 8)),
    layers.MaxPooling2D(pool_size=(4, 4)),
    layers.Flatten(),
])
"""
LAYER_CALL = re.compile(r"layers\.\w+\(")


class BenchClient(LanguageClient):
    """Records when each ``publishDiagnostics`` arrives, by (uri, version)."""

    def __init__(self) -> None:
        super().__init__("shapelens-bench", "1")
        self.arrivals: dict[tuple[str, Optional[int]], float] = {}
        self.published: dict[tuple[str, Optional[int]], list[types.Diagnostic]] = {}
        self.arrived = asyncio.Event()

        @self.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def record(params: types.PublishDiagnosticsParams) -> None:
            self.arrivals[(params.uri, params.version)] = time.perf_counter()
            self.published[(params.uri, params.version)] = list(params.diagnostics)
            self.arrived.set()

    async def wait_published(self, uri: str, version: int, timeout: float = 120.0) -> float:
        deadline = time.perf_counter() + timeout
        while (uri, version) not in self.arrivals:
            self.arrived.clear()
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no diagnostics for {uri} version {version}")
            try:
                await asyncio.wait_for(self.arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass
        return self.arrivals[(uri, version)]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def ms(seconds: float) -> float:
    return seconds * 1000


def parse_ms(text: str, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        ast.parse(text)
        samples.append(time.perf_counter() - start)
    return ms(statistics.median(samples))


def resident_mb(pid: int) -> Optional[float]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def open_document(client: BenchClient, uri: str, text: str) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )


def end_of(text: str) -> types.Position:
    return types.Position(line=len(text.splitlines()), character=0)


def toggle_last_line(client: BenchClient, uri: str, text: str, version: int) -> None:
    """Add or remove a trailing comment line, so the text alternates between two versions."""
    end = end_of(text)
    if version % 2 == 0:
        change = types.TextDocumentContentChangePartial(range=types.Range(start=end, end=end), text="# edited\n")
    else:
        grown = types.Position(line=end.line + 1, character=0)
        change = types.TextDocumentContentChangePartial(range=types.Range(start=end, end=grown), text="")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[change],
        )
    )


async def measure_file(client: BenchClient, path: Path) -> dict[str, float]:
    text = path.read_text(encoding="utf-8") + BROKEN_TAIL
    uri = path.with_name(path.stem + "_server.py").as_uri()
    open_document(client, uri, text)
    await client.wait_published(uri, 1)

    change_samples = []
    version = 1
    for _ in range(CHANGE_RUNS):
        version += 1
        sent = time.perf_counter()
        toggle_last_line(client, uri, text, version)
        change_samples.append(await client.wait_published(uri, version) - sent)

    hover_points = [
        types.Position(line=line, character=match.start() + 2)
        for line, row in enumerate(text.splitlines())
        for match in LAYER_CALL.finditer(row)
    ]
    hover_samples = []
    for index in range(HOVER_RUNS):
        position = hover_points[index * len(hover_points) // HOVER_RUNS]
        sent = time.perf_counter()
        await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
        )
        hover_samples.append(time.perf_counter() - sent)

    fix_samples = []
    for _ in range(FIX_RUNS):
        version += 1
        toggle_last_line(client, uri, text, version)
        await client.wait_published(uri, version)
        diagnostic = next(d for d in client.published[(uri, version)] if d.code == "negative-dimension")
        sent = time.perf_counter()
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=diagnostic.range,
                context=types.CodeActionContext(diagnostics=[diagnostic]),
            )
        )
        fix_samples.append(time.perf_counter() - sent)
        assert actions, "no quick fix offered for the benchmark's broken model"

    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    return {
        "lines": len(text.splitlines()),
        "parse": parse_ms(text, CHANGE_RUNS),
        "change_median": ms(statistics.median(change_samples)),
        "change_p95": ms(percentile(change_samples, 0.95)),
        "hover_median": ms(statistics.median(hover_samples)),
        "hover_p95": ms(percentile(hover_samples, 0.95)),
        "fix_first": ms(fix_samples[0]),
        "fix_median": ms(statistics.median(fix_samples[1:])),
        "fix_max": ms(max(fix_samples[1:])),
    }


async def measure_busy_hovers(client: BenchClient, small: Path, big: Path) -> tuple[float, float]:
    """Hovers on the small file while the big one is being re-analysed (in the analysis
    thread): what a user feels when hovering during analysis of a long file."""
    small_text, big_text = small.read_text(encoding="utf-8"), big.read_text(encoding="utf-8")
    small_uri = small.with_name(small.stem + "_busy.py").as_uri()
    big_uri = big.with_name(big.stem + "_busy.py").as_uri()
    open_document(client, small_uri, small_text)
    open_document(client, big_uri, big_text)
    await client.wait_published(small_uri, 1)
    await client.wait_published(big_uri, 1)
    line, row = next((i, row) for i, row in enumerate(small_text.splitlines()) if LAYER_CALL.search(row))
    position = types.Position(line=line, character=LAYER_CALL.search(row).start() + 2)  # type: ignore[union-attr]
    samples = []
    for version in range(2, 2 + BUSY_ROUNDS):
        toggle_last_line(client, big_uri, big_text, version)
        for _ in range(HOVERS_PER_ROUND):
            sent = time.perf_counter()
            await client.text_document_hover_async(
                types.HoverParams(text_document=types.TextDocumentIdentifier(uri=small_uri), position=position)
            )
            samples.append(time.perf_counter() - sent)
        await client.wait_published(big_uri, version)
    return ms(statistics.median(samples)), ms(percentile(samples, 0.95))


async def measure_memory(client: BenchClient, path: Path) -> Optional[float]:
    text = path.read_text(encoding="utf-8")
    uris = [path.with_name(f"{path.stem}_open_{i}.py").as_uri() for i in range(OPEN_DOCUMENTS)]
    for uri in uris:
        open_document(client, uri, text)
    for uri in uris:
        await client.wait_published(uri, 1)
    server = client._server  # the subprocess pygls started
    return resident_mb(server.pid) if server is not None else None


async def run(paths: list[Path]) -> list[str]:
    client = BenchClient()
    await client.start_io(sys.executable, "-m", "shapelens", "serve")
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            initialization_options={"shapelens": {"debounceMs": 0}},
        )
    )
    client.initialized(types.InitializedParams())
    try:
        figures = {path: await measure_file(client, path) for path in paths}
        busy = await measure_busy_hovers(client, paths[0], paths[-1]) if len(paths) > 1 else None
        memory = await measure_memory(client, paths[0])
    finally:
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()

    lines = [
        "",
        f"Language server over stdio (medians; p95 of {CHANGE_RUNS} changes / {HOVER_RUNS} hovers; "
        f"{FIX_RUNS} uncached quick-fix requests, each on a new version)",
        f"{'file':<26}{'lines':>7}{'ast.parse':>11}{'change→diag':>13}{'p95':>8}{'ratio':>7}"
        f"{'hover':>8}{'p95':>7}{'fix':>8}{'max':>8}{'1st fix':>9}",
    ]
    for path, f in figures.items():
        lines.append(
            f"{path.name:<26}{int(f['lines']):>7}{f['parse']:>11.2f}{f['change_median']:>13.2f}"
            f"{f['change_p95']:>8.2f}{f['change_median'] / f['parse']:>7.2f}{f['hover_median']:>8.2f}"
            f"{f['hover_p95']:>7.2f}{f['fix_median']:>8.1f}{f['fix_max']:>8.1f}{f['fix_first']:>9.1f}"
        )
    lines.append(
        "(times in ms; ratio = change→diagnostics median / ast.parse median; files get a broken model appended;"
        " '1st fix' is the file's first request, the server's very first one importing libcst unless its"
        f" background warm-up ({FIX_WARM_UP_SECONDS:g} s after start) has run)"
    )
    if busy is not None:
        lines.append(
            f"Hover on {paths[0].name} while {paths[-1].name} is re-analysed: median {busy[0]:.2f} ms, "
            f"p95 {busy[1]:.2f} ms (the engine's ast.parse of the long file holds the GIL)"
        )
    shown = "unavailable" if memory is None else f"{memory:.1f} MB"
    lines.append(f"Server resident memory with {OPEN_DOCUMENTS} open documents ({paths[0].name}): {shown}")
    lines.append(TARGETS)
    return lines


def server_figures(paths: list[Path]) -> list[str]:
    """Printable lines: latency of diagnostics, hovers and quick fixes per file, and memory."""
    return asyncio.run(run(paths))
