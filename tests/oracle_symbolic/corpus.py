"""The symbolic fixtures and the markers that tell the harness how to build each model at given sizes.

The engine sees none of these markers (they are plain comments); the harness reads them with
``tokenize``. Names in a marker that the script does not define are the engine's symbols::

    def build_model(input_shape, num_classes):  # oracle: build_model(input_shape=(H, W, C), num_classes=num_classes)
    class Net(nn.Module):  # oracle: Net()(torch.randn(N, 3, H, W))
    inputs = keras.Input(shape=(None, None, 3))  # oracle-shape: (H, W, 3)
    y = ops.silu(x)  # oracle-unmodelled

* ``oracle: EXPR``   evaluated after the script ran, with the symbols bound to the chosen sizes:
  it builds (Keras) or builds and runs (torch) the model.
* ``oracle-shape: (...)``  on a line that makes a Keras ``Input`` with ``None`` sizes: that Input
  gets this shape instead (its ``None``s filled in, its fixed sizes unchanged). A script that
  builds its model at module level needs no ``oracle:``; any other fixture has one.
* ``oracle-unmodelled``  on the line of an operation the engine does not model: sizes after it
  may be unknown to the engine (``null``), which the comparison then does not count as wrong.
* ``oracle-sizes: COND, ...``  conditions the sizes must also meet, only in a fixture with an
  unmodelled operation (what that operation needs, which the engine cannot know).
* ``oracle-undecided``  on an ``if`` whose condition depends on the sizes: the engine runs both
  branches, the library the one the sizes pick, so a layer made in that statement may have
  applications in the engine's answer that the library did not make at some sizes.

An open parameter passed whole (``VAEEncoder(cfg)``) stands for the engine's symbols rooted at it
(``cfg.hidden_dim``): the harness passes an object with those attributes.
"""

from __future__ import annotations

import ast
import builtins
import io
import re
import tokenize
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FIXTURES_ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "symbolic"
FRAMEWORKS = ("keras", "torch")

_CALL = re.compile(r"#\s*oracle:\s*(.+?)\s*$")
_SHAPE = re.compile(r"#\s*oracle-shape:\s*(\(.*\))\s*$")
_UNMODELLED = re.compile(r"#\s*oracle-unmodelled\s*$")
_SIZES = re.compile(r"#\s*oracle-sizes:\s*(.+?)\s*$")
_UNDECIDED = re.compile(r"#\s*oracle-undecided\s*$")


class MarkerError(ValueError):
    """A marker is malformed or sits where it means nothing."""


@dataclass(frozen=True)
class Fixture:
    path: Path
    source: str
    framework: str
    calls: tuple[str, ...]  # ``oracle:`` expressions, in file order
    input_shapes: tuple[tuple[int, str], ...]  # (line, shape expression) of ``oracle-shape:`` markers
    unmodelled_lines: tuple[int, ...]
    extra_conditions: tuple[str, ...]
    undecided_lines: frozenset[int]  # every line of the ``if`` statements marked oracle-undecided

    @property
    def name(self) -> str:
        return f"{self.framework}/{self.path.name}"

    def expression_names(self) -> set[str]:
        """Every name the markers use (the symbols, and the script's own names)."""
        names: set[str] = set()
        for text in (*self.calls, *(shape for _, shape in self.input_shapes), *self.extra_conditions):
            names |= {n.id for n in ast.walk(ast.parse(text, mode="eval")) if isinstance(n, ast.Name)}
        return names

    def symbol_names(self) -> set[str]:
        """The names of the markers that the script does not define: the sizes the harness chooses
        (or, for ``cfg``, the object holding them)."""
        defined = module_names(self.source)
        return {n for n in self.expression_names() if n not in defined and not hasattr(builtins, n)}


def module_names(source: str) -> set[str]:
    """The names a script binds at module level: imports, functions, classes, assignments."""
    names: set[str] = set()
    for statement in ast.parse(source).body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
        elif isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.For)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def _comments(source: str) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [(token.start[0], token.string) for token in tokens if token.type == tokenize.COMMENT]


def parse_fixture(path: Path, framework: str) -> Fixture:
    source = path.read_text(encoding="utf-8")
    calls, shapes, unmodelled, extra, undecided = [], [], [], [], set()
    tree = ast.parse(source)
    for line, comment in _comments(source):
        if "oracle" not in comment:
            continue
        if match := _CALL.search(comment):
            calls.append(match.group(1))
        elif match := _SHAPE.search(comment):
            if framework != "keras":
                raise MarkerError(f"{path.name}:{line}: oracle-shape is for a Keras Input")
            shapes.append((line, match.group(1)))
        elif _UNMODELLED.search(comment):
            unmodelled.append(line)
        elif match := _SIZES.search(comment):
            extra.extend(part.strip() for part in match.group(1).split(","))
        elif _UNDECIDED.search(comment):
            branch = next((n for n in ast.walk(tree) if isinstance(n, ast.If) and n.lineno == line), None)
            if branch is None:
                raise MarkerError(f"{path.name}:{line}: oracle-undecided belongs on an `if`")
            undecided |= set(range(branch.lineno, (branch.end_lineno or branch.lineno) + 1))
        else:
            raise MarkerError(f"{path.name}:{line}: malformed marker {comment!r}")
    for text in (*calls, *(s for _, s in shapes), *extra):
        ast.parse(text, mode="eval")  # a marker must be one Python expression
    if not calls and not shapes:
        raise MarkerError(f"{path.name}: no marker says how to build the model at chosen sizes")
    if extra and not unmodelled:
        raise MarkerError(f"{path.name}: oracle-sizes only belongs with an unmodelled operation")
    return Fixture(path, source, framework, tuple(calls), tuple(shapes), tuple(unmodelled), tuple(extra),
                   frozenset(undecided))


@lru_cache(maxsize=None)
def load_corpus() -> tuple[Fixture, ...]:
    return tuple(
        parse_fixture(path, framework)
        for framework in FRAMEWORKS
        for path in sorted((FIXTURES_ROOT / framework).glob("*.py"))
    )
