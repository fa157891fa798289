"""How the oracle harnesses run a fixture script: as ``python script.py`` with no command-line
arguments, so that argparse gives every option its default (the engine assumes the same)."""

from __future__ import annotations

import contextlib
import sys
from typing import Iterator


@contextlib.contextmanager
def script_arguments(script_file: str) -> Iterator[None]:
    saved = sys.argv
    sys.argv = [script_file]
    try:
        yield
    finally:
        sys.argv = saved
