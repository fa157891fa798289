"""The Keras fixture corpus: plain user scripts, and the diagnostics each one must produce.

A fixture marks the line the engine must flag with a trailing comment::

    layers.MaxPooling2D(2),  # expect-error: negative-dimension
    model.add(layers.Dense(10))  # expect-warning: dense-on-rank>2

A fixture with an ``expect-error`` marker is broken (real Keras must reject it); any other
fixture is valid (real Keras must build and run it).
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FIXTURES_ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "keras"
CORPUS_FOLDERS = ("valid", "broken", "seeds")

ERROR_CODES = frozenset(
    {"negative-dimension", "rank-mismatch", "merge-mismatch", "reshape-size", "input-mismatch", "invalid-argument",
     "loss-target"}
)
WARNING_CODES = frozenset({"dense-on-rank>2", "spatial-collapse", "input-mismatch", "merge-mismatch"})
# Codes of a failure in a statement that runs a model (``fit``, ``predict``), not in one of its layers.
STATEMENT_CODES = frozenset({"input-mismatch", "loss-target"})

_MARKER = re.compile(r"#\s*expect-(error|warning):\s*(\S+)\s*$")


class MarkerError(ValueError):
    """A fixture's marker comment is malformed or names an unknown code."""


@dataclass(frozen=True)
class Expectation:
    line: int  # 1-based, as in an editor and in tracebacks
    severity: str  # "error" or "warning"
    code: str


@dataclass(frozen=True)
class Fixture:
    path: Path
    source: str
    expectations: tuple[Expectation, ...]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def folder(self) -> str:
        return self.path.parent.name

    @property
    def expected_errors(self) -> tuple[Expectation, ...]:
        return tuple(e for e in self.expectations if e.severity == "error")

    @property
    def expected_warnings(self) -> tuple[Expectation, ...]:
        return tuple(e for e in self.expectations if e.severity == "warning")

    @property
    def is_broken(self) -> bool:
        return bool(self.expected_errors)


def parse_expectations(source: str) -> tuple[Expectation, ...]:
    """The ``# expect-error: CODE`` / ``# expect-warning: CODE`` comments, read as real comments."""
    expectations = []
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type != tokenize.COMMENT or "expect-" not in token.string:
            continue
        match = _MARKER.search(token.string)
        line = token.start[0]
        if match is None:
            raise MarkerError(f"line {line}: malformed marker {token.string!r}")
        severity, code = match.groups()
        known = ERROR_CODES if severity == "error" else WARNING_CODES
        if code not in known:
            raise MarkerError(f"line {line}: unknown {severity} code {code!r}; known: {sorted(known)}")
        expectations.append(Expectation(line=line, severity=severity, code=code))
    return tuple(expectations)


def load_fixture(path: Path) -> Fixture:
    source = path.read_text(encoding="utf-8")
    return Fixture(path=path, source=source, expectations=parse_expectations(source))


@lru_cache(maxsize=None)
def load_corpus() -> tuple[Fixture, ...]:
    paths = sorted(p for folder in CORPUS_FOLDERS for p in (FIXTURES_ROOT / folder).glob("*.py"))
    return tuple(load_fixture(p) for p in paths)


def valid_fixtures() -> tuple[Fixture, ...]:
    return tuple(f for f in load_corpus() if not f.is_broken)


def broken_fixtures() -> tuple[Fixture, ...]:
    return tuple(f for f in load_corpus() if f.is_broken)
