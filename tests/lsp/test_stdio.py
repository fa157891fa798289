"""``shapelens serve`` over stdin/stdout, byte for byte: it answers, publishes, and exits cleanly
when asked (with its stdin still open, as an editor leaves it) or when the client goes away."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import IO

from lsp_session import fixture_text, uri_for

SERVE = [sys.executable, "-m", "shapelens", "serve", "--stdio"]


def frame(message: dict) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def send(server: subprocess.Popen, message: dict) -> None:
    stdin: IO[bytes] = server.stdin  # type: ignore[assignment]
    stdin.write(frame(message))
    stdin.flush()


def receive(server: subprocess.Popen) -> dict:
    stdout: IO[bytes] = server.stdout  # type: ignore[assignment]
    length = 0
    while (header := stdout.readline()) not in (b"\r\n", b""):
        name, _, value = header.decode("ascii").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    assert length, "the server closed its output"
    return json.loads(stdout.read(length))


def receive_until(server: subprocess.Popen, wanted) -> dict:
    while not wanted(message := receive(server)):
        if "id" in message and "method" in message:  # a request of the server's: answer it
            send(server, {"id": message["id"], "result": None})
    return message


def started() -> subprocess.Popen:
    server = subprocess.Popen(SERVE, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    send(server, {"id": 1, "method": "initialize", "params": {"capabilities": {}}})
    answer = receive_until(server, lambda m: m.get("id") == 1)
    assert "hoverProvider" in answer["result"]["capabilities"]
    send(server, {"method": "initialized", "params": {}})
    return server


def test_the_server_publishes_over_stdio_and_exits_0_when_asked_with_stdin_still_open():
    server = started()
    try:
        uri, text = uri_for("pool_too_large.py"), fixture_text("pool_too_large.py")
        send(server, {"method": "textDocument/didOpen",
                      "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}}})
        published = receive_until(server, lambda m: m.get("method") == "textDocument/publishDiagnostics")
        assert [d["code"] for d in published["params"]["diagnostics"]] == ["negative-dimension"]

        send(server, {"id": 2, "method": "shutdown"})
        assert receive_until(server, lambda m: m.get("id") == 2)["result"] is None
        send(server, {"method": "exit"})
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()


def test_the_server_stops_when_the_client_closes_its_stdin():
    server = started()
    try:
        server.stdin.close()  # type: ignore[union-attr]
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
