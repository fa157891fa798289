"""The stdin reader cuts the byte stream where pygls' own loop would, whatever the reads return."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import threading

import pytest

from shapelens.lsp.server import CollectorPause
from shapelens.lsp.transport import MAX_HEADER_LINES, frames


def frame(message: dict, extra_header: bytes = b"") -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n%s\r\n%s" % (len(body), extra_header, body)


def read_all(*writes: bytes) -> list[list[bytes]]:
    """Frames read from a pipe fed by ``writes``, one write() each, then closed."""
    read_end, write_end = os.pipe()

    def feed() -> None:
        for chunk in writes:
            os.write(write_end, chunk)
        os.close(write_end)

    feeder = threading.Thread(target=feed)
    feeder.start()
    try:
        return list(frames(read_end))
    finally:
        feeder.join()
        os.close(read_end)


def test_each_message_comes_as_its_headers_then_its_body():
    first, second = {"id": 1, "method": "a"}, {"method": "b", "params": {"text": "é\n😀"}}
    got = read_all(frame(first) + frame(second))
    assert [json.loads(f[-1]) for f in got] == [first, second]
    assert got[0][:-1] == [b"Content-Length: %d\r\n" % len(json.dumps(first)), b"\r\n"]


def test_a_body_split_across_reads_and_a_large_body_arrive_whole():
    big = {"method": "didOpen", "params": {"text": "x = 1\n" * 200_000}}  # 1.2 MB
    data = frame({"id": 1}) + frame(big)
    got = read_all(*(data[i:i + 1000] for i in range(0, 5000, 1000)), data[5000:])
    assert json.loads(got[1][-1]) == big


def test_other_headers_are_kept_for_pygls_to_skip():
    got = read_all(frame({"id": 7}, b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"))
    assert got[0][1].startswith(b"Content-Type") and json.loads(got[0][-1]) == {"id": 7}


def test_lines_without_a_header_are_handed_over_in_batches_and_end_of_input_stops():
    got = read_all(b"garbage\n" * (MAX_HEADER_LINES + 1) + b"Content-Length: 50\r\n\r\n{\"cut")
    assert [len(f) for f in got] == [MAX_HEADER_LINES]  # the cut-off message never comes


def test_the_server_answers_over_stdio_and_exits_when_asked():
    server = subprocess.Popen([sys.executable, "-m", "shapelens", "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out, _ = server.communicate(
        frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
        + frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        + frame({"jsonrpc": "2.0", "method": "exit"}),
        timeout=60,
    )
    assert server.returncode == 0
    assert b'"hoverProvider"' in out and b'"id": 2' in out.replace(b'"id":2', b'"id": 2')


def test_the_collector_is_held_off_until_the_last_holder_leaves():
    pause = CollectorPause()
    assert gc.isenabled()
    with pause.held():
        with pause.held():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), pause.held():
        1 / 0
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    pause = CollectorPause()
    gc.disable()
    try:
        with pause.held():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
