"""Loops: unrolled where the iterations are known, and otherwise a body run an unknown number of times.

A ``for`` over a known list, and a ``while`` whose test is decided, is unrolled while its
iterations do model work (create layers, models, graph nodes, data calls). A loop whose
iterations do none (a training loop, an RL rollout) is not unrolled step by step: once an
iteration does none and the rest would cost more than ``QUIET_WORK`` statements, or two in a row
do none and the second leaves only values no shape is made of (``PassWatch``: a loss, a log line,
a list of them), the rest is a body run an unknown number of times. So is a loop over an unknown
iterable or with an undecided test: each pass is a choice between running the body and not
(``Executor.exec_uncertain``), so what the body changes becomes unknown, and a body that reads
what an earlier pass changed is passed over again until nothing more changes.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..unknown import Unknown
from .env import BreakSignal, ContinueSignal, Env, stored_names
from .expressions import MAX_SEQUENCE, truth
from .tensors import Tensor
from .values import Builtin, QName, Value, is_known

if TYPE_CHECKING:
    from .core import Interpreter

MAX_UNROLL = MAX_SEQUENCE
# A quiet loop is summarised only when unrolling the rest would cost more statements than this.
QUIET_WORK = 400
# Passes over a body of unknown repetition before what still changes is given up as unknown.
MAX_PASSES = 3
REPEATED = "changes in a loop whose number of passes cannot be told statically"
LONG = "changes in a loop too long to follow pass by pass"
SUMMARISED = "changes in a loop that does no model work, whose passes are not followed one by one"


class LoopStatements:
    """The executor's loop statements (``Executor`` gives ``exec_block``, ``exec_uncertain`` and
    ``bound_names``)."""

    interp: "Interpreter"
    carried: dict[int, frozenset[str]]  # id of a loop body → the names it reads from a pass before

    def stmt_For(self, stmt: ast.For, env: Env) -> None:
        interp = self.interp
        iterable = self.eval(stmt.iter, env)
        items = interp.iterate(iterable)
        if items is None or len(items) > MAX_UNROLL:
            variable = (iterable.loop_variable() if isinstance(iterable, Value) and items is None
                        else Unknown("loop variable of a loop that cannot be unrolled"))
            interp.assign(stmt.target, variable, env)
            self.exec_repeated(stmt, env, REPEATED if items is None else LONG)
            return
        quiet = False  # whether the last pass did no model work
        for position, item in enumerate(items):
            events, budget = interp.events, interp.budget
            remaining = len(items) - position - 1
            interp.assign(stmt.target, item, env)
            watch = PassWatch(interp, env) if quiet and remaining > 2 else None
            try:
                self.exec_block(stmt.body, env)
            except ContinueSignal:
                pass
            except BreakSignal:
                return
            finally:
                if watch is not None:
                    watch.close(interp)
            quiet = interp.events == events
            if quiet and remaining > 2 and ((budget - interp.budget) * remaining > QUIET_WORK or
                                            watch is not None and watch.inert(interp, env, loop_names(stmt.target))):
                interp.assign(stmt.target, Unknown("the loop variable of a later iteration"), env)
                self.exec_repeated(stmt, env, SUMMARISED)
                return
        self.exec_block(stmt.orelse, env)

    stmt_AsyncFor = stmt_For

    def stmt_While(self, stmt: ast.While, env: Env) -> None:
        """Unrolled while its test is decided, like a ``for`` over a known list; from the first
        test that is not, the rest is a body run an unknown number of times. So is a loop on a
        constant (``while True``), which only a ``break`` the interpreter may not decide ends."""
        interp = self.interp
        quiet_work = 0  # statements run by passes that did no model work
        for _ in range(0 if isinstance(stmt.test, ast.Constant) else MAX_UNROLL):
            mark = len(interp.reads)
            go_on = truth(self.eval(stmt.test, env))
            if go_on is None:
                break
            if not go_on:
                self.exec_block(stmt.orelse, env)
                return
            events, budget = interp.events, interp.budget
            try:
                if len(interp.reads) > mark:  # decided by an assumed value: what the pass makes says so
                    with interp.assuming(tuple(interp.reads[mark:])):
                        self.exec_block(stmt.body, env)
                else:
                    self.exec_block(stmt.body, env)
            except ContinueSignal:
                pass
            except BreakSignal:
                return
            if interp.events == events:
                quiet_work += budget - interp.budget
                if quiet_work > QUIET_WORK:
                    self.exec_repeated(stmt, env, SUMMARISED)
                    return
        self.exec_repeated(stmt, env)

    def exec_repeated(self, loop: ast.For | ast.AsyncFor | ast.While, env: Env, why: str = REPEATED) -> None:
        """A loop body run an unknown number of times, none included. Each pass is a choice
        between running the body and not. A name the pass left as it was may still be computed
        otherwise by a later pass, from a name the pass changed that the body reads before it
        binds it; then the body is passed over again (a body that does model work is not: it
        would make its layers twice, and such names become unknown instead)."""
        interp = self.interp
        body = loop.body
        bound = self.bound_names(body)
        for _ in range(MAX_PASSES):
            before = env.vars
            events = interp.events
            self.exec_uncertain([body, []], env, why, self.label(loop))
            changed = {name for name in bound if env.vars.get(name) is not before.get(name)}
            kept = [name for name in bound - changed if name in env.vars and plain_value(env.vars[name])]
            if not changed or not kept or not changed & self.carried_names(body):
                break
            if interp.events != events:
                self.forget(kept, env, why)
                break
        else:
            self.forget(kept, env, why)
        if loop.orelse:  # run when no `break` ended the loop, which cannot be told
            self.exec_uncertain([loop.orelse, []], env, why, self.label(loop))

    def forget(self, names: list[str], env: Env, why: str) -> None:
        for name in names:
            env.vars[name] = self.interp.kept(name, Unknown(f"`{name}` {why}"))

    def carried_names(self, body: list[ast.stmt]) -> frozenset[str]:
        """The names a loop body may read before it binds them: what one pass hands to the next."""
        key = id(body)
        found = self.carried.get(key)
        if found is None:
            bound: set[str] = set()  # bound on every path through the statements so far
            read: set[str] = set()
            for statement in body:
                for node in ast.walk(statement):
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound:
                        read.add(node.id)
                    elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
                        if node.target.id not in bound:
                            read.add(node.target.id)
                if isinstance(statement, ast.Assign):
                    bound.update(t.id for t in statement.targets if isinstance(t, ast.Name))
                elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                    if isinstance(statement.target, ast.Name):
                        bound.add(statement.target.id)
            found = self.carried[key] = frozenset(read)
        return found

    def label(self, loop: ast.For | ast.AsyncFor | ast.While) -> str:
        """What decides how often a loop runs, as findings on one of its paths name it."""
        return self.interp.positions.label(loop.test if isinstance(loop, ast.While) else loop.iter, 80)


class PassWatch:
    """What one pass of a loop body changes: the names it rebinds (against a copy of the scope
    taken before it), the containers and objects it changes in place (the journal's ``watch``),
    and whether it calls the program's own functions or assigns attributes or items."""

    __slots__ = ("names", "calls", "stores", "touched", "outer")

    def __init__(self, interp: "Interpreter", env: Env) -> None:
        self.names = dict(env.vars)
        self.calls = interp.calls
        self.stores = interp.stores
        self.outer = interp.journal.watch
        self.touched: list = []
        interp.journal.watch = self.touched

    def close(self, interp: "Interpreter") -> None:
        interp.journal.watch = self.outer
        if self.outer is not None:
            self.outer.extend(self.touched)

    def inert(self, interp: "Interpreter", env: Env, targets: set[str]) -> bool:
        """Whether the pass left only values no shape is made of: it called none of the
        program's functions, assigned no attribute or item, and what it rebound or changed in
        place (but the loop's own variable) is a float, a string, an unknown, or a list, tuple
        or dict of them. A pass that binds or grows sizes (``h //= 2``, ``sizes.append(h)``)
        is not."""
        if interp.calls != self.calls or interp.stores != self.stores:
            return False
        for container, attributes in self.touched:
            if attributes or not inert(container):
                return False
        before = self.names
        for name, value in env.vars.items():
            if before.get(name, MISSING) is not value and name not in targets and not inert(value):
                return False
        return True


MISSING = object()
INERT_TYPES = (float, str, type(None))
MAX_INERT_ITEMS = 64


def inert(value: object, depth: int = 0) -> bool:
    """A value no shape is made of: a float, a string, ``None``, an unknown, a library name or
    builtin, or a short list, tuple or dict of such. Not a size (an ``int``), a tensor or array,
    or a value of the program's own (a model, a function)."""
    if isinstance(value, INERT_TYPES) or isinstance(value, Unknown):
        return True
    if value.__class__ is list or value.__class__ is tuple:
        return depth < 2 and len(value) <= MAX_INERT_ITEMS and all(inert(item, depth + 1) for item in value)  # type: ignore[attr-defined]
    if value.__class__ is dict:
        return depth < 2 and len(value) <= MAX_INERT_ITEMS and all(  # type: ignore[arg-type]
            inert(key, depth + 1) and inert(item, depth + 1) for key, item in value.items())  # type: ignore[attr-defined]
    return isinstance(value, (QName, Builtin))


def loop_names(target: ast.expr) -> set[str]:
    names: set[str] = set()
    stored_names(target, names)
    return names


def plain_value(value: object) -> bool:
    """A known value that is not a tensor or a value with behaviour (which the merge of passes
    already follows): a size, a string, a tuple of them."""
    return is_known(value) and not isinstance(value, (Tensor, Value))
