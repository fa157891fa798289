"""Keras 2 outcomes for fixture scripts, from the harness in ``.venv-keras2`` (a subprocess).

Each outcome is cached under ``.venv-keras2/oracle-cache/``, keyed by the harness (with the
script-running module it shares), the requirements and the fixture's path and text, so a warm
run starts TensorFlow only for fixtures that changed. ``SHAPELENS_KERAS2_PYTHON`` names another interpreter with the same packages.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from oracle.keras_truth import KerasFailure, KerasOutcome

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
HARNESS = HERE / "keras2_truth.py"
SHARED = HERE.parent / "oracle" / "command_line.py"  # the harness runs scripts through it
REQUIREMENTS = HERE / "requirements.txt"
VENV = ROOT / ".venv-keras2"
CACHE = VENV / "oracle-cache"
TIMEOUT_SECONDS = 1800


def keras2_python() -> Optional[Path]:
    """The interpreter of the Keras 2 environment, if it is set up."""
    named = os.environ.get("SHAPELENS_KERAS2_PYTHON")
    path = Path(named) if named else VENV / "bin" / "python"
    return path if path.exists() else None


def required_keras2_python() -> Path:
    """The Keras 2 interpreter for a test; without it the test fails when ``make test`` requires
    Keras 2 (``SHAPELENS_REQUIRE_KERAS2=1``) and skips otherwise."""
    import pytest

    python = keras2_python()
    if python is None:
        message = "the Keras 2 environment is not set up: run `make keras2-oracle`"
        if os.environ.get("SHAPELENS_REQUIRE_KERAS2") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return python


def cache_key(path: Path) -> str:
    digest = hashlib.sha256()
    for part in (HARNESS.read_bytes(), SHARED.read_bytes(), REQUIREMENTS.read_bytes(), str(path.resolve()).encode(),
                 path.read_bytes()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:32]


def outcome_of(record: dict) -> KerasOutcome:
    applications = {}
    for line, class_name, apps in record["applications"]:
        applications[(line, class_name)] = frozenset((shape_of(shape), params) for shape, params in apps)
    failure = record["failure"]
    return KerasOutcome(
        applications=applications,
        failure=None if failure is None else KerasFailure(
            error_type=failure["error_type"], message=failure["message"],
            failing_layer=tuple(failure["failing_layer"]) if failure["failing_layer"] else None,  # type: ignore[arg-type]
            statement_line=failure["statement_line"],
        ),
    )


def shape_of(shape: Optional[list]) -> Optional[tuple]:
    if shape is None:
        return None
    if shape and isinstance(shape[0], list):
        return tuple(tuple(part) for part in shape)
    return tuple(shape)


def run_in_keras2(paths: Sequence[Path], python: Path) -> dict[Path, KerasOutcome]:
    """The Keras 2 outcome of each script: cached ones read, the others run in one subprocess."""
    CACHE.mkdir(parents=True, exist_ok=True)
    records: dict[Path, dict] = {}
    missing = []
    for path in paths:
        cached = CACHE / f"{cache_key(path)}.json"
        if cached.exists():
            records[path] = json.loads(cached.read_text(encoding="utf-8"))
        else:
            missing.append(path)
    if missing:
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(scratch) / "outcomes.json"
            done = subprocess.run([str(python), str(HARNESS), str(out), *map(str, missing)], capture_output=True,
                                  text=True, timeout=TIMEOUT_SECONDS, cwd=ROOT)
            if done.returncode != 0 or not out.exists():
                raise RuntimeError(f"the Keras 2 harness failed ({done.returncode}):\n{done.stderr[-4000:]}")
            for path, record in zip(missing, json.loads(out.read_text(encoding="utf-8"))):
                (CACHE / f"{cache_key(path)}.json").write_text(json.dumps(record), encoding="utf-8")
                records[path] = record
    return {path: outcome_of(record) for path, record in records.items()}
