"""Run the library calls a test module needs in two processes before its tests read them.

A cold run (a fresh clone, an empty ``.cache/``) spends its time building models, one at a
time in pure Python; two worker processes halve it on a two-core machine. A warm run finds
everything cached and starts no process.
"""

from __future__ import annotations

import importlib
import multiprocessing
import sys
from pathlib import Path
from typing import Any, Sequence

TESTS_DIR = str(Path(__file__).resolve().parents[1])

Call = tuple[tuple[Any, ...], dict[str, Any]]  # positional and keyword arguments of a probe


def _initialise() -> None:
    if TESTS_DIR not in sys.path:
        sys.path.insert(0, TESTS_DIR)


def _run(task: tuple[str, Call]) -> None:
    module_name, (args, kwargs) = task
    importlib.import_module(module_name).probe(*args, **kwargs)


def prefetch(module_name: str, calls: Sequence[Call], processes: int = 2) -> int:
    """Compute the uncached ``<module>.probe(*args, **kwargs)`` calls; returns their number."""
    module = importlib.import_module(module_name)
    missing = [call for call in calls if not module.probe_is_cached(*call[0], **call[1])]
    if len(missing) > 1:
        context = multiprocessing.get_context("spawn")
        with context.Pool(processes, initializer=_initialise) as pool:
            pool.map(_run, [(module_name, call) for call in missing], chunksize=1)
    return len(missing)
