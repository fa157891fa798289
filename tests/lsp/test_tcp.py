"""``shapelens serve --tcp HOST:PORT`` speaks the same protocol over a socket (for debugging)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

from lsp_session import fixture_text, uri_for


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def send(connection: socket.socket, message: dict) -> None:
    body = json.dumps(message).encode("utf-8")
    connection.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)


def receive(connection: socket.socket) -> dict:
    header = b""
    while not header.endswith(b"\r\n\r\n"):
        header += connection.recv(1)
    length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
    body = b""
    while len(body) < length:
        body += connection.recv(length - len(body))
    return json.loads(body)


def connect(port: int, timeout: float = 20.0) -> socket.socket:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=timeout)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_tcp_server_publishes_diagnostics():
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "shapelens", "serve", "--tcp", f"127.0.0.1:{port}"])
    try:
        with connect(port) as connection:
            send(connection, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
            assert "hoverProvider" in receive(connection)["result"]["capabilities"]
            send(connection, {"jsonrpc": "2.0", "method": "initialized", "params": {}})
            uri = uri_for("pool_too_large.py")
            send(connection, {
                "jsonrpc": "2.0",
                "method": "textDocument/didOpen",
                "params": {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": fixture_text("pool_too_large.py")}},
            })
            message = receive(connection)
            while message.get("method") != "textDocument/publishDiagnostics":
                message = receive(connection)
            assert [d["code"] for d in message["params"]["diagnostics"]] == ["negative-dimension"]
    finally:
        server.terminate()
        server.wait(timeout=10)
