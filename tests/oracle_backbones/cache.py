"""Library results cached on disk: one JSON file per (library version, call).

The key is a hash of the library's version and the call's arguments, so a new library version
runs everything again. ``.cache/`` is git-ignored: a fresh clone computes each result once.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = REPO_ROOT / ".cache" / "backbones"


def _path(library: str, version: str, call: Any) -> Path:
    text = json.dumps([library, version, call], sort_keys=True)
    key = hashlib.sha256(text.encode()).hexdigest()[:32]
    return CACHE_DIR / library / f"{key}.json"


def is_cached(library: str, version: str, call: Any) -> bool:
    return _path(library, version, call).exists()


def cached(library: str, version: str, call: Any, compute: Callable[[], Any]) -> Any:
    """``compute()``'s JSON-able result for ``call``, from the disk cache when it is there."""
    path = _path(library, version, call)
    if path.exists():
        return json.loads(path.read_text())["result"]
    result = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"call": call, "result": result}, sort_keys=True))
    temporary.replace(path)  # atomic: a parallel run never reads half a file
    return result
