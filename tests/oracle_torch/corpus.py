"""The torch fixture corpus: plain user scripts, the diagnostic each broken one must draw, and
the input each one runs on.

Markers are real comments (read with ``tokenize``), on the line they are about::

    nn.Linear(16 * 4 * 4, 120),  # expect-error: linear-in-features
    model = nn.Sequential(  # shapelens: input=(N, 3, 32, 32)
    model = Net()  # oracle-input: (2, 3, 32, 32)

``expect-error`` marks the failing layer's constructor line (for ``input-mismatch``, the line of
the call that passes the example input to the model, ``model(x)``). Broken fixtures live in
``broken/`` and carry exactly one; torch must raise in the marked layer.

Where torch's forward comes from:

* the script itself calls ``model(x)`` on a literal example input (most fixtures);
* ``# shapelens: input=(N, C, H, W)`` on the model's line, which the engine reads too. The harness
  runs the model on that shape with N=2 and again with N=3; a dimension that differs between
  the two runs follows the batch, and the engine must report it as unknown (``null``);
* ``# oracle-input: (2, C, H, W)`` on the model's line, which only the harness reads. The engine
  sees no input shape at all, so it can check only what needs none (channel chains, parameter
  counts); the harness still needs a tensor to make torch run.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional, Union

FIXTURES_ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "torch"
CORPUS_FOLDERS = ("valid", "broken")

ERROR_CODES = frozenset(
    {"linear-in-features", "in-channels", "num-features", "negative-dimension", "input-mismatch", "input-size",
     "merge-mismatch", "reshape-size", "rank-mismatch", "view-not-contiguous"}
)

# Stand-ins for the batch size in a ``# shapelens: input=`` comment, and what the harness uses.
BATCH_SYMBOL = "N"
BATCH_SIZES = (2, 3)

_EXPECT_ERROR = re.compile(r"#\s*expect-error:\s*(\S+)\s*$")
_SHAPELENS_INPUT = re.compile(r"#\s*shapelens:\s*input=\(([^)]*)\)")
_ORACLE_INPUT = re.compile(r"#\s*oracle-input:\s*\(([^)]*)\)")

InputDim = Union[int, str]  # an int, or BATCH_SYMBOL


class MarkerError(ValueError):
    """A fixture's marker comment is malformed, names an unknown code, or sits on no model."""


@dataclass(frozen=True)
class Expectation:
    line: int  # 1-based, as in an editor and in tracebacks
    code: str


@dataclass(frozen=True)
class ModelInput:
    """An input shape given by comment, for the model bound to ``model_name`` on ``line``."""

    line: int
    model_name: str
    dims: tuple[InputDim, ...]
    visible_to_engine: bool  # ``# shapelens: input=`` (True) or ``# oracle-input:`` (False)

    def shape_for_batch(self, batch: int) -> tuple[int, ...]:
        return tuple(batch if dim == BATCH_SYMBOL else dim for dim in self.dims)

    @property
    def has_symbolic_batch(self) -> bool:
        return BATCH_SYMBOL in self.dims


@dataclass(frozen=True)
class Fixture:
    path: Path
    source: str
    expected_errors: tuple[Expectation, ...]
    comment_inputs: tuple[ModelInput, ...]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def folder(self) -> str:
        return self.path.parent.name

    @property
    def is_broken(self) -> bool:
        return bool(self.expected_errors)

    @property
    def engine_sees_input(self) -> bool:
        """False when the only input is harness-only: the engine then knows no shape at all."""
        return all(model_input.visible_to_engine for model_input in self.comment_inputs)


def _comments(source: str) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [(token.start[0], token.string) for token in tokens if token.type == tokenize.COMMENT]


def _input_dims(text: str, line: int) -> tuple[InputDim, ...]:
    dims: list[InputDim] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part == BATCH_SYMBOL:
            dims.append(BATCH_SYMBOL)
        elif part.isdigit():
            dims.append(int(part))
        else:
            raise MarkerError(f"line {line}: input dimension {part!r} is neither an int nor {BATCH_SYMBOL}")
    return tuple(dims)


def _assigned_name(tree: ast.Module, line: int) -> Optional[str]:
    """The name bound by the top-level ``name = ...`` statement that spans ``line``."""
    for statement in tree.body:
        if statement.lineno <= line <= (statement.end_lineno or statement.lineno):
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target = statement.targets[0]
                if isinstance(target, ast.Name):
                    return target.id
    return None


def parse_markers(source: str) -> tuple[tuple[Expectation, ...], tuple[ModelInput, ...]]:
    tree = ast.parse(source)
    expectations: list[Expectation] = []
    inputs: list[ModelInput] = []
    for line, comment in _comments(source):
        if "expect-" in comment:
            match = _EXPECT_ERROR.search(comment)
            if match is None:
                raise MarkerError(f"line {line}: malformed marker {comment!r}")
            if match.group(1) not in ERROR_CODES:
                raise MarkerError(f"line {line}: unknown error code {match.group(1)!r}; known: {sorted(ERROR_CODES)}")
            expectations.append(Expectation(line=line, code=match.group(1)))
        for pattern, visible in ((_SHAPELENS_INPUT, True), (_ORACLE_INPUT, False)):
            match = pattern.search(comment)
            if match is None:
                continue
            model_name = _assigned_name(tree, line)
            if model_name is None:
                raise MarkerError(f"line {line}: an input comment must sit on a `model = ...` statement")
            dims = _input_dims(match.group(1), line)
            if not visible and BATCH_SYMBOL in dims:
                raise MarkerError(f"line {line}: an oracle-input shape is literal; write the batch size")
            inputs.append(ModelInput(line=line, model_name=model_name, dims=dims, visible_to_engine=visible))
    return tuple(expectations), tuple(inputs)


def load_fixture(path: Path) -> Fixture:
    source = path.read_text(encoding="utf-8")
    expectations, inputs = parse_markers(source)
    return Fixture(path=path, source=source, expected_errors=expectations, comment_inputs=inputs)


@lru_cache(maxsize=None)
def load_corpus() -> tuple[Fixture, ...]:
    paths = sorted(p for folder in CORPUS_FOLDERS for p in (FIXTURES_ROOT / folder).glob("*.py"))
    return tuple(load_fixture(p) for p in paths)


def valid_fixtures() -> tuple[Fixture, ...]:
    return tuple(f for f in load_corpus() if f.folder == "valid")


def broken_fixtures() -> tuple[Fixture, ...]:
    return tuple(f for f in load_corpus() if f.folder == "broken")
