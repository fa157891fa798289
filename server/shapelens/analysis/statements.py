"""The top-level statements of a module, from ``ast``: their lines, the names they bind and
use, and the imports.

Framework-neutral and cheap: one ``ast.parse``; what a statement binds is read from its
targets and nested blocks only (never from inside expressions), and what it uses is walked
only when asked for, once. Lines are 0-based; a statement's first line is its first
decorator's.
"""

from __future__ import annotations

import ast
import bisect
import io
import itertools
import re
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator, Optional, Sequence

# Nodes whose code runs later than the statement that holds them.
DEFERRED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.GeneratorExp)
# The fields of a compound statement that hold statements (``match`` cases are read apart).
BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers")


@dataclass(frozen=True)
class ImportedName:
    """One name of an import: ``keras.layers`` in ``import keras.layers``, ``Dense as D`` in
    ``from keras.layers import Dense as D``, or ``*``."""

    name: str
    alias: Optional[str] = None

    @property
    def bound(self) -> str:
        """The name the import binds in the module (``import a.b`` binds ``a``)."""
        return self.alias or self.name.split(".")[0]


@dataclass(frozen=True)
class Import:
    """One ``import`` or ``from ... import`` statement at the top level of the module."""

    module: Optional[str]  # the ``from`` module without its leading dots; None for ``import x``
    level: int  # the leading dots of a relative ``from`` import
    names: tuple[ImportedName, ...]
    first_line: int
    last_line: int

    @property
    def is_from(self) -> bool:
        return self.module is not None or self.level > 0

    @property
    def star(self) -> bool:
        return any(name.name == "*" for name in self.names)

    @property
    def bound_names(self) -> frozenset[str]:
        return frozenset(name.bound for name in self.names if name.name != "*")


@dataclass(frozen=True, eq=False)
class Statement:
    """One top-level statement."""

    node: ast.stmt
    first_line: int
    last_line: int
    binds: frozenset[str]  # names it (re)binds or assigns into, nested blocks included

    @property
    def uses(self) -> frozenset[str]:
        """Every name it reads, function bodies included (a superset of what it needs)."""
        return self._reads[0]

    @property
    def reads_later(self) -> bool:
        """Whether some of its code runs after the statement itself (a function, class or
        lambda body, a generator): that code may read names bound further down the module."""
        return self._reads[1]

    @cached_property
    def _reads(self) -> tuple[frozenset[str], bool]:
        names = set()
        later = False
        for node in ast.walk(self.node):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)  # ``x += 1`` reads the ``x`` bound before
            elif isinstance(node, DEFERRED):
                later = True
        return frozenset(names), later

    @property
    def is_function(self) -> bool:
        return isinstance(self.node, (ast.FunctionDef, ast.AsyncFunctionDef))

    @property
    def is_import(self) -> bool:
        return isinstance(self.node, (ast.Import, ast.ImportFrom))


@dataclass(frozen=True, eq=False)
class StatementIndex:
    """The module's top-level statements in source order; empty if the source does not parse."""

    statements: tuple[Statement, ...]
    source: str = field(repr=False)
    parsed: bool = True

    @classmethod
    def of(cls, source: str) -> "StatementIndex":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escapes and the like: not ours to report
                tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return cls((), source, parsed=False)
        return cls.of_tree(source, tree)

    @classmethod
    def of_tree(cls, source: str, tree: ast.Module) -> "StatementIndex":
        """The index of a source already parsed (``tree`` is ``ast.parse(source)``)."""
        statements = tuple(
            Statement(node, first_line(node) - 1, last_line(node) - 1, frozenset(bound_names(node)))
            for node in tree.body
        )
        return cls(statements, source)

    def __len__(self) -> int:
        return len(self.statements)

    @cached_property
    def _first_lines(self) -> list[int]:
        return [statement.first_line for statement in self.statements]

    @cached_property
    def imports(self) -> tuple[Import, ...]:
        return tuple(
            imported for statement in self.statements if statement.is_import for imported in imports_of(statement)
        )

    @cached_property
    def binders(self) -> dict[str, tuple[int, ...]]:
        """For each name, the positions of the statements that bind it."""
        found: dict[str, list[int]] = {}
        for position, statement in enumerate(self.statements):
            for name in statement.binds:
                found.setdefault(name, []).append(position)
        return {name: tuple(positions) for name, positions in found.items()}

    @cached_property
    def _line_starts(self) -> list[int]:
        lines = io.StringIO(self.source, newline="").readlines()  # ends at \n, \r\n and \r, as Python does
        return list(itertools.accumulate(map(len, lines), initial=0))

    def users_of(self, names: frozenset[str]) -> set[int]:
        """The positions of the statements that read any of these names."""
        if not names:
            return set()
        mention = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\b")
        # the text is searched first, so that only the statements that mention a name are walked
        lines = {bisect.bisect_right(self._line_starts, m.start()) - 1 for m in mention.finditer(self.source)}
        positions = {p for line in lines if (p := self.position_at(line)) is not None}
        return {p for p in positions if self.statements[p].uses & names}

    def position_at(self, line: int) -> Optional[int]:
        """The position of the top-level statement holding a 0-based line, if any."""
        position = bisect.bisect_right(self._first_lines, line) - 1
        if position < 0 or self.statements[position].last_line < line:
            return None
        return position

    def innermost(self, line: int) -> Optional[ast.stmt]:
        """The innermost statement holding a 0-based line; a compound one only for its header
        (or a line of its body that no inner statement holds)."""
        position = self.position_at(line)
        if position is None:
            return None
        found = self.statements[position].node
        bodies = list(blocks_of(found))
        while bodies:
            body = bodies.pop()
            for stmt in body:
                if first_line(stmt) - 1 <= line <= last_line(stmt) - 1:
                    found = stmt
                    bodies = list(blocks_of(stmt))
                    break
        return found

    def statement_lines(self, line: int) -> Optional[tuple[int, int]]:
        """0-based first and last line of the innermost statement holding a 0-based line."""
        stmt = self.innermost(line)
        return None if stmt is None else (first_line(stmt) - 1, last_line(stmt) - 1)

    def imports_name(self, name: str) -> bool:
        """Whether a top-level import brings ``name`` (or everything, with ``*``) into scope."""
        return any(imported.star or name in imported.bound_names for imported in self.imports)


def first_line(stmt: ast.stmt) -> int:
    """1-based first line of a statement, its decorators included."""
    decorators = getattr(stmt, "decorator_list", None)
    return min([stmt.lineno] + [d.lineno for d in decorators]) if decorators else stmt.lineno


def last_line(stmt: ast.stmt) -> int:
    return stmt.end_lineno or stmt.lineno


def blocks_of(stmt: ast.AST) -> Iterator[list]:
    """The statement lists nested directly in a compound statement."""
    for name in BLOCK_FIELDS:
        value = getattr(stmt, name, None)
        if isinstance(value, list) and value and isinstance(value[0], (ast.stmt, ast.excepthandler)):
            yield value
    for case in getattr(stmt, "cases", ()) or ():
        yield case.body


def target_names(targets: Sequence[ast.AST]) -> set[str]:
    """Names written in assignment targets (``a`` in ``a.x = 1`` and ``a[0] = 1`` too: the
    statement changes what ``a`` holds)."""
    return {node.id for target in targets for node in ast.walk(target) if isinstance(node, ast.Name)}


def bound_names(stmt: ast.AST) -> set[str]:
    """Names a statement binds at its own level, its nested blocks included and function and
    class bodies excluded. Assignment expressions (``:=``) inside expressions are not read."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, ast.Import):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    if isinstance(stmt, ast.ImportFrom):
        return {a.asname or a.name for a in stmt.names if a.name != "*"}
    if isinstance(stmt, ast.Assign):
        names = target_names(stmt.targets)
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        names = target_names([stmt.target])
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        names = target_names([item.optional_vars for item in stmt.items if item.optional_vars is not None])
    elif isinstance(stmt, ast.ExceptHandler):
        names = {stmt.name} if stmt.name else set()
    elif isinstance(stmt, ast.Match):
        names = {
            name
            for case in stmt.cases
            for node in ast.walk(case.pattern)
            for name in (getattr(node, "name", None), getattr(node, "rest", None))
            if isinstance(name, str)
        }
    else:
        names = set()
    for body in blocks_of(stmt):
        for child in body:
            names |= bound_names(child)
    return names


def imports_of(statement: Statement) -> Iterator[Import]:
    node = statement.node
    if isinstance(node, ast.Import):
        names = tuple(ImportedName(a.name, a.asname) for a in node.names)
        yield Import(None, 0, names, statement.first_line, statement.last_line)
    elif isinstance(node, ast.ImportFrom):
        names = tuple(ImportedName(a.name, a.asname) for a in node.names)
        yield Import(node.module, node.level or 0, names, statement.first_line, statement.last_line)
