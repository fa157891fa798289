"""Python's cycle collector, paused while the engine works."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator


class CollectorPause:
    """Python's cycle collector, held off while an analysis runs (``analyze``) and, in the server,
    while its result is published.

    An analysis allocates tens of thousands of objects that all live until it ends, and the
    automatic collector would walk them several times meanwhile (a tenth of the analysis'
    time) while finding nothing to free: the engine breaks its own reference cycles, so its
    garbage is freed as soon as the report is out. Process-wide, hence counted: several
    documents' analyses can be in flight at once (one running, the others queued for the thread).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holders = 0
        self.was_enabled = True

    @contextmanager
    def held(self) -> Iterator[None]:
        with self.lock:
            if self.holders == 0:
                self.was_enabled = gc.isenabled()
                gc.disable()
            self.holders += 1
        try:
            yield
        finally:
            with self.lock:
                self.holders -= 1
                if self.holders == 0 and self.was_enabled:
                    gc.enable()


@contextmanager
def long_lived() -> Iterator[None]:
    """What the block makes outlives the analysis (the parse tree: the report keeps it for quick
    fixes), so it goes straight to the oldest generation, which the collector walks only in a full
    collection. Otherwise the first young collection after the analysis walks the whole tree, a
    sixth of the time of a long file's analysis, to find nothing.

    Young garbage is collected first (the young generations are small then), so that only what
    the block makes and the young survivors are moved; the move (``freeze`` then ``unfreeze``)
    is a list splice, without a walk."""
    gc.collect(0)
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()


COLLECTOR = CollectorPause()
