"""Reading the client's messages from stdin: one thread, one hand-over per message.

pygls' own stdin reader asks its thread pool for every header line and then for the body, so
each message costs three thread round trips before its handler runs (about a millisecond on
the machines here, most of the time between a keystroke's ``didChange`` and its analysis
starting). This reader has one thread cut the byte stream into whole frames and hand each to
the event loop at once; pygls' own ``run_async`` still parses and dispatches them.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections import deque
from typing import Awaitable, Iterator, Optional

# The header pygls' run_async recognises, so that both agree on where every body is.
CONTENT_LENGTH = re.compile(rb"^Content-Length: (\d+)\r\n$")
MAX_HEADER_LINES = 64  # a client that sends lines without a blank one: handed over in batches
CHUNK = 1 << 16


def frames(fd: int) -> Iterator[list[bytes]]:
    """The stream as pygls reads it: header lines up to the blank one, then the body when a
    ``Content-Length`` came before it. Ends at end of file."""
    buffer = bytearray()

    def fill() -> bool:
        chunk = os.read(fd, CHUNK)
        buffer.extend(chunk)
        return bool(chunk)

    lines: list[bytes] = []
    length = 0
    while True:
        end = buffer.find(b"\n")
        if end < 0:
            if not fill():
                return
            continue
        line = bytes(buffer[: end + 1])
        del buffer[: end + 1]
        lines.append(line)
        if not length and (match := CONTENT_LENGTH.fullmatch(line)):
            length = int(match.group(1))
        if length and not line.strip():
            while len(buffer) < length:
                if not fill():
                    return
            lines.append(bytes(buffer[:length]))
            del buffer[:length]
            yield lines
            lines, length = [], 0
        elif len(lines) >= MAX_HEADER_LINES:
            yield lines
            lines = []


class FrameReader:
    """The ``readline`` / ``readexactly`` pair that pygls' ``run_async`` awaits, served from
    whole frames a daemon thread reads from the file descriptor (not from ``sys.stdin``, whose
    buffer lock a blocked daemon thread would hold at interpreter exit)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.pending: deque[bytes] = deque()
        self.queue: Optional[asyncio.Queue[list[bytes]]] = None

    def start(self) -> asyncio.Queue[list[bytes]]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[list[bytes]] = asyncio.Queue()

        def pump() -> None:
            try:
                for frame in frames(self.fd):
                    loop.call_soon_threadsafe(queue.put_nowait, frame)
            except (OSError, ValueError):
                pass  # the descriptor went away: same as end of file
            finally:
                try:
                    loop.call_soon_threadsafe(queue.put_nowait, [b""])
                except RuntimeError:
                    pass  # the loop is already closed

        threading.Thread(target=pump, name="shapelens-stdin", daemon=True).start()
        return queue

    async def next_chunk(self) -> bytes:
        if not self.pending:
            if self.queue is None:
                self.queue = self.start()
            self.pending.extend(await self.queue.get())
        return self.pending.popleft()

    def readline(self) -> Awaitable[bytes]:
        return self.next_chunk()

    def readexactly(self, n: int) -> Awaitable[bytes]:
        return self.next_chunk()  # the frame's body, cut at its Content-Length already
