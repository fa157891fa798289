"""Statements: assignment, imports, definitions, and control flow.

Control flow is followed where it is decided (a condition on constants, a loop over a literal
list, a ``while`` whose test is known) and otherwise explored: every branch runs, and what the
branches leave is joined (``journal.py``). Loops are ``loops.py``'s.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Optional

from ..unknown import Unknown
from .builtins import list_method
from .env import BreakSignal, BudgetExceeded, ContinueSignal, Env, ReturnSignal, stored_names
from .expressions import handler_names, truth
from .journal import merged_item
from .loops import LoopStatements
from .provenance import noted
from .tensors import Tensor
from .values import ClassValue, Function, QName, Value, is_known

if TYPE_CHECKING:
    from .core import Interpreter

UNDECIDED = "depends on a condition that cannot be decided statically"


class Executor(LoopStatements):
    def __init__(self, interp: "Interpreter") -> None:
        self.interp = interp
        self.eval = interp.evaluator.eval
        self.bound: dict[int, frozenset[str]] = {}  # id of a block → the names it binds
        self.carried: dict[int, frozenset[str]] = {}  # id of a loop body → the names it reads from a pass before
        self.handlers = {kind: getattr(self, name) for kind, name in handler_names(type(self), "stmt_").items()}

    def exec_block(self, body: list[ast.stmt], env: Env, top_level: bool = False) -> None:
        interp = self.interp
        handlers = self.handlers
        for stmt in body:
            interp.budget -= 1
            if interp.budget < 0:
                raise BudgetExceeded()
            handler = handlers.get(type(stmt))
            if handler is None:
                continue
            interp.statement = stmt
            if not top_level:
                handler(stmt, env)
                continue
            try:
                handler(stmt, env)
            except (ReturnSignal, BreakSignal, ContinueSignal, RecursionError):
                continue
            except BudgetExceeded:
                return
            except Exception:  # noqa: BLE001 - one statement the analysis cannot follow
                if interp.strict:
                    raise
                continue

    def stmt_Expr(self, stmt: ast.Expr, env: Env) -> None:
        self.eval(stmt.value, env)

    def stmt_Assign(self, stmt: ast.Assign, env: Env) -> None:
        value = self.eval(stmt.value, env)
        for target in stmt.targets:
            self.interp.assign(target, value, env)

    def stmt_AnnAssign(self, stmt: ast.AnnAssign, env: Env) -> None:
        if stmt.value is not None:
            self.interp.assign(stmt.target, self.eval(stmt.value, env), env)

    def stmt_AugAssign(self, stmt: ast.AugAssign, env: Env) -> None:
        current = self.eval(stmt.target, env)  # a name, an attribute or an item, read
        value = self.eval(stmt.value, env)
        if current.__class__ is list and isinstance(stmt.op, ast.Add):
            # `layers += [...]` extends the list itself: whoever else holds it (a caller) sees the items
            list_method(current, "extend", [value], self.interp)  # type: ignore[arg-type]
            return
        result = self.interp.evaluator.binop(stmt.op, current, value)
        if isinstance(current, Tensor) and isinstance(result, Tensor) and current.framework is not None:
            result = current.framework.in_place(self.interp, current, result)
        self.interp.assign(stmt.target, result, env)

    def stmt_Delete(self, stmt: ast.Delete, env: Env) -> None:
        """``del name``, ``del self.extra`` (a module it no longer holds), ``del config["key"]``."""
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                env.vars.pop(target.id, None)
            elif isinstance(target, ast.Attribute):
                owner = self.eval(target.value, env)
                if isinstance(owner, Value):
                    owner.delete_attribute(self.interp, target.attr)
            elif isinstance(target, ast.Subscript):
                container, key = self.eval(target.value, env), self.eval(target.slice, env)
                if container.__class__ is dict and (key.__class__ in (str, int) and key in container):  # type: ignore[operator]
                    self.interp.journal.touch(container)  # type: ignore[arg-type]
                    del container[key]  # type: ignore[index]

    def stmt_Import(self, stmt: ast.Import, env: Env) -> None:
        frameworks = self.interp.frameworks
        for alias in stmt.names:
            chain = self.interp.modules.absolute(alias.name, stmt)
            if chain is not None:  # the project's own module
                last = chain[-1]
                if alias.asname:
                    env.vars[alias.asname] = last.value if last is not None else Unknown(f"module `{alias.name}` is not found")
                else:
                    env.vars[alias.name.split(".")[0]] = chain[0].value  # type: ignore[union-attr]
            elif alias.asname:
                env.vars[alias.asname] = QName(frameworks.canonical(alias.name))
            else:
                top = alias.name.split(".")[0]
                env.vars[top] = QName(frameworks.canonical(top))

    def stmt_ImportFrom(self, stmt: ast.ImportFrom, env: Env) -> None:
        modules = self.interp.modules
        if stmt.level:
            if modules.project is None:
                return  # a single file: its relative imports lead nowhere it can read
            module = modules.relative(stmt.module, stmt.level, stmt)
        else:
            chain = modules.absolute(stmt.module, stmt) if stmt.module else None
            if chain is None:
                self.import_library(stmt, env)
                return
            module = chain[-1]
        for alias in stmt.names:
            if module is None:  # a relative import the analysis cannot follow binds what it cannot know
                if alias.name != "*":
                    env.vars[alias.asname or alias.name] = Unknown(f"`{alias.name}` comes from a module that is not found")
            elif alias.name == "*":
                env.vars.update(modules.star(module, stmt))
            else:
                env.vars[alias.asname or alias.name] = modules.from_import(module, alias.name, stmt)

    def import_library(self, stmt: ast.ImportFrom, env: Env) -> None:
        frameworks = self.interp.frameworks
        base = frameworks.canonical(stmt.module)  # type: ignore[arg-type]
        for alias in stmt.names:
            if alias.name == "*":
                for name, path in frameworks.star_names(base).items():
                    env.vars[name] = QName(path)
                continue
            env.vars[alias.asname or alias.name] = frameworks.qualified(base, alias.name)

    def stmt_FunctionDef(self, stmt: ast.FunctionDef, env: Env) -> None:
        env.vars[stmt.name] = Function(stmt, env, self.interp.classes.function_defaults(stmt, env), stmt.name)

    stmt_AsyncFunctionDef = stmt_FunctionDef

    def stmt_ClassDef(self, stmt: ast.ClassDef, env: Env) -> None:
        bases = tuple(self.eval(base, env) for base in stmt.bases)
        cls = ClassValue(stmt, env, bases, self.interp.classes.hook_of(bases))
        self.interp.classes.run_body(cls)
        value: object = cls
        for decorator in reversed(stmt.decorator_list):
            function = self.eval(decorator, env)
            if isinstance(function, Value):
                # a decorator the analysis follows (``@dataclass``) makes the class; one it does not
                # follow leaves it as written, as class decorators that register or wrap a class do
                result = function.call(self.interp, [value], {}, decorator)  # type: ignore[arg-type]
                if is_known(result):
                    value = result
        env.vars[stmt.name] = value

    def stmt_Return(self, stmt: ast.Return, env: Env) -> None:
        value = self.eval(stmt.value, env) if stmt.value is not None else None
        raise ReturnSignal(noted(value, self.interp.active_notes()) if self.interp.assumed else value)

    def stmt_Break(self, stmt: ast.Break, env: Env) -> None:
        raise BreakSignal()

    def stmt_Continue(self, stmt: ast.Continue, env: Env) -> None:
        raise ContinueSignal()

    def stmt_Raise(self, stmt: ast.Raise, env: Env) -> None:
        raise ReturnSignal(Unknown("the code raises an exception here"))

    def stmt_If(self, stmt: ast.If, env: Env) -> None:
        interp = self.interp
        mark = len(interp.reads)
        branch = truth(self.eval(stmt.test, env))
        if branch is not None:
            block = stmt.body if branch else stmt.orelse
            if len(interp.reads) > mark:  # decided by an assumed value: what the branch makes says so
                with interp.assuming(tuple(interp.reads[mark:])):
                    self.exec_block(block, env)
            else:
                self.exec_block(block, env)
            return
        with self.interp.undecided(stmt.test):
            self.exec_uncertain([stmt.body, stmt.orelse], env)

    def exec_uncertain(self, blocks: list[list[ast.stmt]], env: Env, why: str = UNDECIDED,
                       condition: Optional[str] = None) -> None:
        """Run every branch, and join what they leave (``journal.py``); ``why`` says why the
        branches were taken, ``condition`` is what decides between them (the innermost undecided
        condition when not given)."""
        if condition is None:
            condition = self.interp.condition()
        before = dict(env.vars)
        results = []
        journal = self.interp.journal  # what the branches change in place (lists, attributes)
        journal.begin()
        self.interp.uncertain += 1
        try:
            for index, block in enumerate(blocks):
                env.vars = dict(before)
                try:
                    self.exec_block(block, env)
                except (BreakSignal, ContinueSignal, ReturnSignal):
                    pass
                finally:
                    journal.end_branch(index)
                results.append(env.vars)
        except BaseException:
            journal.discard()
            raise
        finally:
            self.interp.uncertain -= 1
        merged = dict(before)
        # only a name a branch binds can differ (the module's whole namespace is large); a star
        # import binds names only running it tells
        names = {name for block in blocks for name in self.bound_names(block)}
        if "*" in names:
            names = set().union(*[r.keys() for r in results])
        for name in names:
            if name not in before and not any(name in r for r in results):
                continue  # bound by a statement no branch reached
            merged[name] = self.interp.kept(name, merged_item([r.get(name, before.get(name)) for r in results],
                                                              f"`{name}`", why, condition))
        env.vars = merged
        journal.end(len(blocks), why, condition)

    def bound_names(self, block: list[ast.stmt]) -> frozenset[str]:
        """Every name a block's statements bind or delete (at any depth), once per block."""
        key = id(block)
        found = self.bound.get(key)
        if found is None:
            names: set[str] = set()
            if self.interp.walrus:  # `:=` binds from inside any expression
                for statement in block:
                    names.update(node.target.id for node in ast.walk(statement)
                                 if isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name))
            statements_binding(block, names)
            found = self.bound[key] = frozenset(names)
        return found

    def stmt_With(self, stmt: ast.With, env: Env) -> None:
        for item in stmt.items:
            self.eval(item.context_expr, env)
            if item.optional_vars is not None:
                self.interp.assign(item.optional_vars, Unknown("a context manager's value"), env)
        self.exec_block(stmt.body, env)

    stmt_AsyncWith = stmt_With

    def stmt_Try(self, stmt: ast.Try, env: Env) -> None:
        self.exec_block(stmt.body, env)
        self.exec_block(stmt.orelse, env)
        self.exec_block(stmt.finalbody, env)

    stmt_TryStar = stmt_Try


def statements_binding(block: list[ast.stmt], names: set[str]) -> None:
    """Add the names the statements bind (assignment and loop targets, definitions, imports,
    ``except ... as``, ``match`` captures, ``del``), descending into nested blocks but not into
    function or class bodies."""
    for statement in block:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(statement.name)
            continue
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                names.add("*" if alias.name == "*" else (alias.asname or alias.name).split(".")[0])
            continue
        targets: list[ast.expr] = []
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
            targets = [statement.target]
        elif isinstance(statement, (ast.With, ast.AsyncWith)):
            targets = [item.optional_vars for item in statement.items if item.optional_vars is not None]
        elif isinstance(statement, ast.Delete):
            targets = statement.targets
        for target in targets:
            stored_names(target, names)
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(statement, field, None)
            if inner:
                statements_binding(inner, names)
        for handler in getattr(statement, "handlers", ()):
            if handler.name:
                names.add(handler.name)
            statements_binding(handler.body, names)
        for case in getattr(statement, "cases", ()):
            names.update(node.name for node in ast.walk(case.pattern)
                         if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name)
            names.update(node.rest for node in ast.walk(case.pattern) if isinstance(node, ast.MatchMapping) and node.rest)
            statements_binding(case.body, names)
