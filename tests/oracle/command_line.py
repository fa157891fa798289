"""How the oracle harnesses run a fixture script: as ``python script.py`` with no command-line
arguments, so that argparse gives every option its default (the engine assumes the same); and
where in the script an exception arose. No library is imported here: the Keras 2 harness, in its
own environment, uses it too."""

from __future__ import annotations

import contextlib
import sys
from typing import Iterator, Optional


@contextlib.contextmanager
def script_arguments(script_file: str) -> Iterator[None]:
    saved = sys.argv
    sys.argv = [script_file]
    try:
        yield
    finally:
        sys.argv = saved


def exception_chain(error: BaseException) -> set[int]:
    """The ids of the exception and of those it was raised from or during: Keras re-raises with
    added context as a new exception, and the original stays in ``__context__``."""
    seen: set[int] = set()
    pending: list[Optional[BaseException]] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        pending.extend([current.__context__, current.__cause__])
    return seen


def innermost_script_line(error: BaseException, script_file: str) -> Optional[int]:
    """The script's line nearest to where the exception was raised."""
    line = None
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == script_file:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line
