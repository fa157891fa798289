"""Which Keras the analysed code runs with: Keras 2 (``tf_keras``, TensorFlow <= 2.15) or Keras 3.

The code never runs, so the version is read from the environment the server runs in: the
installed distributions' metadata (``importlib.metadata``, nothing is imported) and
``TF_USE_LEGACY_KERAS``. ``detect`` is pure: it takes the lookup of a distribution's version as
a callable, so any environment can be described in a test. Each import root resolves on its own
(``import keras`` is the ``keras`` distribution; ``tensorflow.keras`` is what TensorFlow routes to;
``tf_keras`` is always Keras 2), and a file takes the versions of the roots it imports.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Mapping, Optional, Sequence, Union

# TensorFlow ships under several distribution names; the first one installed is the one.
TENSORFLOW_DISTRIBUTIONS = ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "tensorflow-intel")
LEGACY_VARIABLE = "TF_USE_LEGACY_KERAS"
LEGACY_VALUES = ("true", "True", "1")  # what TensorFlow's lazy loader accepts

FindVersion = Callable[[str], Optional[str]]


@dataclass(frozen=True)
class KerasVersion:
    """The Keras major versions some code may run with: ``{3}``, ``{2}``, or both when it is not
    known; ``why`` says how that was decided."""

    majors: frozenset[int]
    why: str

    @property
    def known(self) -> bool:
        return len(self.majors) == 1

    def describe(self) -> str:
        """The line a model's hover shows: ``Keras 3 semantics (keras 3.15.1 installed)``."""
        if self.known:
            return f"Keras {next(iter(self.majors))} semantics ({self.why})"
        return f"Keras 2 or 3, not known ({self.why}): only what both reject is an error"


def version(major: int, why: str) -> KerasVersion:
    return KerasVersion(frozenset({major}), why)


def unknown(why: str) -> KerasVersion:
    return KerasVersion(frozenset({2, 3}), why)


def major_of(text: str) -> Optional[int]:
    head = text.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def older_than(text: str, major: int, minor: int) -> bool:
    parts = (text.split(".") + ["0"])[:2]
    numbers = [int("".join(ch for ch in part if ch.isdigit()) or 0) for part in parts]
    return (numbers[0], numbers[1]) < (major, minor)


@dataclass(frozen=True)
class KerasSetup:
    """What ``import keras`` and ``tensorflow.keras`` are where the code runs (``tf_keras`` is
    always Keras 2)."""

    keras: KerasVersion
    tensorflow: KerasVersion

    def for_roots(self, roots: Iterable[str]) -> KerasVersion:
        """The version a file's Keras code runs with, from the roots it imports Keras names from."""
        found = [TF_KERAS if root == "tf_keras" else self.tensorflow if root == "tensorflow" else self.keras
                 for root in sorted(set(roots))]
        if not found:
            return self.keras
        majors = frozenset().union(*(v.majors for v in found))
        why = "; ".join(dict.fromkeys(v.why for v in found))
        return KerasVersion(majors, why)

    def for_file(self, tree: ast.Module, lines: Sequence[str] = ()) -> KerasVersion:
        return self.for_roots(keras_roots(tree, lines))


TF_KERAS = version(2, "tf_keras is Keras 2")


def forced(setting: str) -> KerasSetup:
    """The setting ``shapelens.kerasVersion`` (``2`` or ``3``) overrides what is installed."""
    chosen = version(int(setting), f"shapelens.kerasVersion is {setting}")
    return KerasSetup(chosen, chosen)


# ``analyze(source)`` with no options: Keras 3, the version every rule is checked against first.
REFERENCE = KerasSetup(version(3, "Shape Lens' default"), version(3, "Shape Lens' default"))


def detect(find_version: FindVersion, environ: Mapping[str, str]) -> KerasSetup:
    """What the installed distributions make of ``keras`` and ``tensorflow.keras``."""
    keras = find_version("keras")
    tf_keras = find_version("tf-keras")
    tensorflow_dist = next((name for name in TENSORFLOW_DISTRIBUTIONS if find_version(name)), None)
    if keras is None:
        plain = unknown("keras is not installed")
    else:
        plain = version(3 if (major_of(keras) or 3) >= 3 else 2, f"keras {keras} installed")
    if tensorflow_dist is None:
        return KerasSetup(plain, unknown("tensorflow is not installed"))
    tensorflow = find_version(tensorflow_dist) or ""
    installed = f"{tensorflow_dist} {tensorflow}"
    if older_than(tensorflow, 2, 16):
        through_tf = version(2, f"{installed} installed: its tf.keras is Keras 2")
    elif environ.get(LEGACY_VARIABLE) in LEGACY_VALUES:
        if tf_keras is None:
            through_tf = unknown(f"{LEGACY_VARIABLE} is set but tf-keras is not installed")
        else:
            through_tf = version(2, f"{LEGACY_VARIABLE} with tf-keras {tf_keras}")
    elif keras is None:
        through_tf = unknown(f"{installed} installed without keras")
    else:
        major = 3 if (major_of(keras) or 3) >= 3 else 2
        through_tf = version(major, f"{installed} with keras {keras}")
    return KerasSetup(plain, through_tf)


def setup_for(setting: str, find_version: FindVersion, environ: Mapping[str, str]) -> KerasSetup:
    """``auto`` detects; ``2`` or ``3`` is taken as said."""
    return detect(find_version, environ) if setting not in ("2", "3") else forced(setting)


def installed_version(distribution: str) -> Optional[str]:
    """The installed version of a distribution in this interpreter's environment, from its metadata."""
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
    except Exception:  # noqa: BLE001 - a broken metadata file is an unknown version, not a crash
        return None


def import_statements(body: list[ast.stmt], import_lines: Optional[list[int]] = None
                      ) -> Iterator[Union[ast.Import, ast.ImportFrom]]:
    """Every import statement, at any depth of statements (expressions hold none). Given the
    (0-based, ascending) lines where the word ``import`` is written, a block none of whose lines
    has it is not entered: every import statement has it on one of its lines."""
    for statement in body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            yield statement
            continue
        if import_lines is not None:
            at = bisect_left(import_lines, statement.lineno - 1)
            if at == len(import_lines) or import_lines[at] > (statement.end_lineno or statement.lineno) - 1:
                continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field, None)
            if inner:
                yield from import_statements(inner, import_lines)
        for handler in getattr(statement, "handlers", ()):
            yield from import_statements(handler.body, import_lines)
        for case in getattr(statement, "cases", ()):
            yield from import_statements(case.body, import_lines)


def keras_roots(tree: ast.Module, lines: Sequence[str] = ()) -> frozenset[str]:
    """The import roots a file takes Keras names from: ``keras``, ``tf_keras``, ``tensorflow``
    (``from tensorflow import keras``, ``tensorflow.keras...``, or ``tf.keras`` used on an
    imported ``tensorflow``; ``lines``: the source, read for that use when given)."""
    roots: set[str] = set()
    tensorflow_names: set[str] = set()
    import_lines = [number for number, line in enumerate(lines) if "import" in line] if lines else None
    for node in import_statements(tree.body, import_lines):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if top in ("keras", "tf_keras"):
                    roots.add(top)
                elif top == "tensorflow":
                    if alias.name.startswith("tensorflow.keras") or alias.name.startswith("tensorflow.python.keras"):
                        roots.add("tensorflow")
                    tensorflow_names.add(alias.asname or "tensorflow")
        elif node.module and not node.level:
            top = node.module.split(".")[0]
            if top in ("keras", "tf_keras"):
                roots.add(top)
            elif top == "tensorflow" and (".keras" in node.module or any(a.name == "keras" for a in node.names)):
                roots.add("tensorflow")
    if tensorflow_names and "tensorflow" not in roots and uses_keras_attribute(tree, lines, tensorflow_names):
        roots.add("tensorflow")
    return frozenset(roots)


def uses_keras_attribute(tree: ast.Module, lines: Sequence[str], names: set[str]) -> bool:
    """Whether ``<tensorflow>.keras`` is read anywhere. With the source's ``lines``, found in the
    code part of a line (before a ``#``): walking the whole tree of a long file costs as much as
    parsing it."""
    if lines:
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\s*\.\s*keras\b")
        return any(pattern.search(line.split("#", 1)[0]) for line in lines)
    return any(isinstance(node, ast.Attribute) and node.attr == "keras" and isinstance(node.value, ast.Name)
               and node.value.id in names for node in ast.walk(tree))
