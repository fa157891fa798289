"""Server figures for ``make bench``: a real ``shapelens serve`` subprocess over stdio.

The client here is a bare JSON-RPC reader and writer, so every time is taken at the bytes:
from writing a message to the server's stdin to having read and decoded the answer from its
stdout, as an editor sees it. No client-library work (building or validating protocol
objects on this side) is counted as server latency.

* ``didChange`` → ``publishDiagnostics`` for that version, with the debounce set to 0 (so it is
  excluded), against a bare ``ast.parse`` of the same text timed here, interleaved with the
  changes so that both see the same machine load;
* hover round trips on layer constructors;
* the first (uncached) quick-fix request for a diagnostic, each time on a new version;
* the server's resident memory with 50 open documents;
* a 60-cell notebook's change → diagnostics over notebook sync (``notebook_bench``).
"""

from __future__ import annotations

import ast
import itertools
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional, Sequence

from engine_bench import timed
from shapelens.lsp.server import FIX_WARM_UP_SECONDS

CHANGE_RUNS = 41
TOP_RUNS = 12  # even: the text is as it was after them
HOVER_RUNS = 60
FIX_RUNS = 7
OPEN_DOCUMENTS = 50
BUSY_ROUNDS = 5
HOVERS_PER_ROUND = 15
WARM_UP_MARGIN_SECONDS = 1.5
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
Message = dict[str, Any]


class WireClient:
    """Just enough of an LSP client to time a server: frames out, frames in, nothing else."""

    def __init__(self, *command: str) -> None:
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.ids = itertools.count(1)
        # publishDiagnostics by (uri, version): arrival time and diagnostics
        self.published: dict[tuple[str, Optional[int]], tuple[float, list[Message]]] = {}

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, message: Message) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.process.stdin.flush()

    def receive(self) -> Message:
        """Read one message; record diagnostics, answer the server's own requests with null."""
        assert self.process.stdout is not None
        length = None
        while True:
            header = self.process.stdout.readline()
            if not header:
                raise ConnectionError("the server closed its output")
            if header in (b"\r\n", b"\n"):
                break
            name, _, value = header.decode("ascii").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        message = json.loads(self.process.stdout.read(length or 0))
        if message.get("method") == "textDocument/publishDiagnostics":
            params = message["params"]
            self.published[(params["uri"], params.get("version"))] = (time.perf_counter(), params["diagnostics"])
        elif "method" in message and "id" in message:
            self.send({"id": message["id"], "result": None})
        return message

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any) -> Any:
        ident = next(self.ids)
        self.send({"id": ident, "method": method, "params": params})
        while True:
            message = self.receive()
            if message.get("id") == ident and "method" not in message:
                if "error" in message:
                    raise RuntimeError(f"{method} failed: {message['error']}")
                return message.get("result")

    def wait_published(self, uri: str, version: int) -> tuple[float, list[Message]]:
        while (uri, version) not in self.published:
            self.receive()
        return self.published[(uri, version)]

    def wait_republished(self, uri: str, version: int, after: float) -> float:
        """When diagnostics for this version arrived again, after ``after``."""
        while (uri, version) not in self.published or self.published[(uri, version)][0] <= after:
            self.receive()
        return self.published[(uri, version)][0]

    def close(self) -> None:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.process.wait(timeout=10)
        except (OSError, ConnectionError, subprocess.TimeoutExpired):
            self.process.kill()


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def ms(seconds: float) -> float:
    return seconds * 1000


def timed_parse(text: str) -> float:
    return timed(lambda: ast.parse(text))  # from a collected heap, as the engine figures are


def resident_mb(pid: int) -> Optional[float]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def open_document(client: WireClient, uri: str, text: str) -> None:
    client.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}
    )


def toggle_last_line(client: WireClient, uri: str, text: str, version: int) -> None:
    """Add or remove a trailing comment line, so the text alternates between two versions."""
    toggle_line(client, uri, len(text.splitlines()), version, add=version % 2 == 0)


def toggle_line(client: WireClient, uri: str, line: int, version: int, add: bool) -> None:
    """Add a comment line before ``line``, or remove the one added there."""
    end = {"line": line, "character": 0}
    if add:
        change = {"range": {"start": end, "end": end}, "text": "# edited\n"}
    else:
        change = {"range": {"start": end, "end": {"line": end["line"] + 1, "character": 0}}, "text": ""}
    client.notify(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
    )


def hover(client: WireClient, uri: str, position: Message) -> float:
    sent = time.perf_counter()
    client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": position})
    return time.perf_counter() - sent


def measure_file(client: WireClient, path: Path) -> dict[str, float]:
    text = path.read_text(encoding="utf-8") + BROKEN_TAIL
    uri = path.with_name(path.stem + "_server.py").as_uri()
    open_document(client, uri, text)
    client.wait_published(uri, 1)

    change_samples, parse_samples = [], []
    version = 1
    for _ in range(CHANGE_RUNS):
        version += 1
        sent = time.perf_counter()
        toggle_last_line(client, uri, text, version)
        arrived, _ = client.wait_published(uri, version)
        change_samples.append(arrived - sent)
        parse_samples.append(timed_parse(text))

    # A line added at the top moves every statement: the whole text is parsed again.
    top_samples = []
    for change in range(TOP_RUNS):
        version += 1
        sent = time.perf_counter()
        toggle_line(client, uri, 0, version, add=change % 2 == 0)
        arrived, _ = client.wait_published(uri, version)
        top_samples.append(arrived - sent)
        parse_samples.append(timed_parse(text))

    hover_points = [
        {"line": line, "character": match.start() + 2}
        for line, row in enumerate(text.splitlines())
        for match in LAYER_CALL.finditer(row)
    ]
    hover_samples = [hover(client, uri, hover_points[i * len(hover_points) // HOVER_RUNS]) for i in range(HOVER_RUNS)]

    fix_samples = []
    for _ in range(FIX_RUNS):
        version += 1
        toggle_last_line(client, uri, text, version)
        _, diagnostics = client.wait_published(uri, version)
        diagnostic = next(d for d in diagnostics if d.get("code") == "negative-dimension")
        sent = time.perf_counter()
        actions = client.request(
            "textDocument/codeAction",
            {"textDocument": {"uri": uri}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}},
        )
        fix_samples.append(time.perf_counter() - sent)
        assert actions, "no quick fix offered for the benchmark's broken model"

    client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return {
        "lines": len(text.splitlines()),
        "parse": ms(statistics.median(parse_samples)),
        "change_median": ms(statistics.median(change_samples)),
        "change_p95": ms(percentile(change_samples, 0.95)),
        "top_median": ms(statistics.median(top_samples)),
        "hover_median": ms(statistics.median(hover_samples)),
        "hover_p95": ms(percentile(hover_samples, 0.95)),
        "fix_first": ms(fix_samples[0]),
        "fix_median": ms(statistics.median(fix_samples[1:])),
        "fix_max": ms(max(fix_samples[1:])),
    }


def measure_busy_hovers(client: WireClient, small: Path, big: Path) -> tuple[float, float]:
    """Hovers on the small file while the big one is being re-analysed (in the analysis
    thread): what a user feels when hovering during analysis of a long file."""
    small_text, big_text = small.read_text(encoding="utf-8"), big.read_text(encoding="utf-8")
    small_uri = small.with_name(small.stem + "_busy.py").as_uri()
    big_uri = big.with_name(big.stem + "_busy.py").as_uri()
    open_document(client, small_uri, small_text)
    open_document(client, big_uri, big_text)
    client.wait_published(small_uri, 1)
    client.wait_published(big_uri, 1)
    line, row = next((i, row) for i, row in enumerate(small_text.splitlines()) if LAYER_CALL.search(row))
    position = {"line": line, "character": LAYER_CALL.search(row).start() + 2}  # type: ignore[union-attr]
    samples = []
    for version in range(2, 2 + BUSY_ROUNDS):
        toggle_last_line(client, big_uri, big_text, version)
        samples += [hover(client, small_uri, position) for _ in range(HOVERS_PER_ROUND)]
        client.wait_published(big_uri, version)
    return ms(statistics.median(samples)), ms(percentile(samples, 0.95))


def measure_memory(client: WireClient, path: Path) -> Optional[float]:
    text = path.read_text(encoding="utf-8")
    uris = [path.with_name(f"{path.stem}_open_{i}.py").as_uri() for i in range(OPEN_DOCUMENTS)]
    for uri in uris:
        open_document(client, uri, text)
    for uri in uris:
        client.wait_published(uri, 1)
    return resident_mb(client.pid)


SERVER_COMMAND = (sys.executable, "-m", "shapelens", "serve")


def started_server(command: Sequence[str] = SERVER_COMMAND) -> WireClient:
    """A server past ``initialize`` with the debounce set to 0, in steady state."""
    client = WireClient(*command)
    try:
        client.request(
            "initialize",
            {"processId": None, "capabilities": {}, "initializationOptions": {"shapelens": {"debounceMs": 0}}},
        )
    except (OSError, ConnectionError, RuntimeError):
        client.process.kill()
        raise
    client.notify("initialized", {})
    # Steady state: the server imports libcst in the background FIX_WARM_UP_SECONDS after
    # start (about 0.3 s holding the GIL); measuring across it would time that import.
    time.sleep(FIX_WARM_UP_SECONDS + WARM_UP_MARGIN_SECONDS)
    return client


def server_figures(paths: list[Path]) -> list[str]:
    """Printable lines: latency of diagnostics, hovers and quick fixes per file, and memory."""
    from notebook_bench import measure_notebook, notebook_lines

    client = started_server()
    try:
        figures = {path: measure_file(client, path) for path in paths}
        notebook = measure_notebook(client)
        busy = measure_busy_hovers(client, paths[0], paths[-1]) if len(paths) > 1 else None
        memory = measure_memory(client, paths[0])
    finally:
        client.close()

    lines = [
        "",
        f"Language server over stdio, timed at the wire (medians; p95 of {CHANGE_RUNS} changes / {HOVER_RUNS} hovers; "
        f"{FIX_RUNS} uncached quick-fix requests, each on a new version)",
        f"{'file':<26}{'lines':>7}{'ast.parse':>11}{'change→diag':>13}{'p95':>8}{'ratio':>7}"
        f"{'at top':>8}{'ratio':>7}{'hover':>8}{'p95':>7}{'fix':>8}{'max':>8}{'1st fix':>9}",
    ]
    for path, f in figures.items():
        lines.append(
            f"{path.name:<26}{int(f['lines']):>7}{f['parse']:>11.2f}{f['change_median']:>13.2f}"
            f"{f['change_p95']:>8.2f}{f['change_median'] / f['parse']:>7.2f}"
            f"{f['top_median']:>8.2f}{f['top_median'] / f['parse']:>7.2f}{f['hover_median']:>8.2f}"
            f"{f['hover_p95']:>7.2f}{f['fix_median']:>8.1f}{f['fix_max']:>8.1f}{f['fix_first']:>9.1f}"
        )
    lines.append(
        "(times in ms; ratio = change→diagnostics median / median of an ast.parse timed after each change;"
        " files get a broken model appended; the changes add and remove a comment line at the end, after"
        f" the statement they change; 'at top': {TOP_RUNS} changes of the first line instead, after which"
        " every statement is parsed again; '1st fix' is the file's first request; measuring starts after"
        f" the server's background import of libcst, {FIX_WARM_UP_SECONDS:g} s after start)"
    )
    lines += notebook_lines(notebook)
    if busy is not None:
        lines.append(
            f"Hover on {paths[0].name} while {paths[-1].name} is re-analysed: median {busy[0]:.2f} ms, "
            f"p95 {busy[1]:.2f} ms (the engine's ast.parse of the long file holds the GIL)"
        )
    shown = "unavailable" if memory is None else f"{memory:.1f} MB"
    lines.append(f"Server resident memory with {OPEN_DOCUMENTS} open documents ({paths[0].name}): {shown}")
    lines.append(TARGETS)
    return lines
