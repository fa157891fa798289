"""The interpreter: a small static interpreter over Python's ``ast`` that finds models.

It never imports or runs user code. It evaluates what is knowable (imports, constants,
arithmetic, tuples, calls of the file's own functions and classes, loops over literal ranges)
and everything else becomes ``Unknown`` with a reason, so shapes are never guessed. It knows no
framework: libraries come in through the plugins of ``Frameworks``.

This object is the interface the parts share (mypy's checker_shared in spirit): statements
(``statements.py``), expressions (``expressions.py``), the file's classes (``classes.py``), layer
applications (``layers.py``) and the plugins all reach each other through it.
"""

from __future__ import annotations

import ast
import os
from contextlib import contextmanager
from typing import TYPE_CHECKING, Iterator, Optional

from ..report import Diagnostic, Span
from ..unknown import NamedUnknown, Unknown, keyword_arguments, known_keywords, positional_arguments, unknown_length
from .builtins import call_builtin, dict_method, list_method, set_item
from .journal import Journal
from .classes import Classes
from .env import OWNER_KEY, SELF_KEY, BreakSignal, BudgetExceeded, ContinueSignal, Env, ReturnSignal
from .expressions import Evaluator
from .layers import LayerCalls
from .modules import Modules
from .plugins import Frameworks
from .positions import STAMP, Positions, ProgramPositions
from .provenance import Notes, merge, noted
from .statements import Executor
from .symbols import Symbols
from .tensors import Tensor
from .values import Function, LambdaValue, ModelRecord, Value

if TYPE_CHECKING:
    from ..sources.project import Project

# Tests set SHAPELENS_STRICT=1 so that an internal error fails loudly instead of being skipped.
STRICT = os.environ.get("SHAPELENS_STRICT") == "1"
MAX_CALL_DEPTH = 24


def safe_key(value: object) -> object:
    return value if isinstance(value, (int, float, str, bool, tuple)) or value is None else id(value)


class Interpreter:
    def __init__(self, tree: ast.Module, lines: tuple[str, ...], frameworks: Frameworks, budget: int,
                 options: object = None, path: Optional[str] = None, project: Optional["Project"] = None,
                 text: Optional[str] = None) -> None:
        self.tree = tree
        self.options = options  # the analysis options; each plugin reads its own part in ``start``
        self.lines = lines
        self.text = "\n".join(lines) if text is None else text  # the source, as ``lines`` split it
        self.walrus = ":=" in self.text  # whether expressions may bind names
        self.frameworks = frameworks
        self.positions = ProgramPositions(Positions(lines))
        self.span = self.positions.span
        self.strict = STRICT
        self.module = Env()
        self.module.vars["__name__"] = "__main__"
        self.budget = budget
        self.depth = 0
        self.uncertain = 0
        self.events = 0  # model work done so far: layers, models, graph nodes, data calls
        self.calls = 0  # calls of the program's own functions and methods so far
        self.stores = 0  # assignments to attributes and items so far
        self.contexts: list[str] = []  # the helper calls the interpreter is inside
        self.conditions: list[str] = []  # the undecidable conditions it is inside
        self.reads: list[str] = []  # the notes of every assumed value read so far (argparse defaults, ...)
        self.assumed: list[Notes] = []  # the notes of the decided conditions it is inside
        self.models: list[ModelRecord] = []
        self.diagnostics: list[Diagnostic] = []
        # `owner.name = value` where the owner is not known: (name, where), for frameworks to read
        self.lost_attributes: list[tuple[str, Span]] = []
        self.statement: Optional[ast.stmt] = None  # the statement being run (where a value is reached from)
        self.model_count = 0
        self.module_calls: dict[str, list] = {}  # function name → argument tuples of module-level calls
        self.called: set[int] = set()  # the file's functions that some code called (by their node)
        self.symbols = Symbols()
        self.states = {plugin.name: plugin.new_state() for plugin in frameworks.each()}
        self.sites: list[ast.AST] = []  # the calls (and imports) being evaluated, innermost last
        self.target: Optional[ast.Attribute] = None  # the attribute being assigned (``p.requires_grad``), for its value
        self.model_sites: dict[int, Span] = {}  # model index → the analysed file's call that made it
        self.journal = Journal()  # what undecided branches change in place
        self.evaluator = Evaluator(self)
        self.eval = self.evaluator.eval
        self.executor = Executor(self)
        self.classes = Classes(self)
        self.layers = LayerCalls(self)
        self.modules = Modules(self, project, path)  # the project's modules it imports

    # --- driving ------------------------------------------------------------------------

    def run(self) -> None:
        for plugin in self.frameworks.each():
            plugin.start(self)
        self.executor.exec_block(self.tree.body, self.module, top_level=True)
        self.run_model_functions()
        for plugin in self.frameworks.each():
            try:
                plugin.finish(self)
            except (BudgetExceeded, RecursionError):
                pass
        self.modules.finish()

    def release(self) -> None:
        """Break the reference cycles a run makes (functions and the module names that hold
        them, tensors and the layer calls that made them), so that its objects are freed as
        soon as the report is out instead of waiting for the cycle collector to find them."""
        self.module.vars.clear()
        self.modules.release()
        for node in self.layers.nodes:
            node.outputs = ()
        # the interpreter and its parts refer to each other (and the visitors to their own methods)
        self.evaluator.__dict__.clear()
        self.executor.__dict__.clear()
        self.__dict__.clear()

    def run_model_functions(self) -> None:
        """A top-level function that builds a model is analysed even if nothing calls it: with its
        default arguments, and with a symbol for each parameter that has none."""
        for name, value in list(self.module.vars.items()):
            if not isinstance(value, Function) or value.env is not self.module:
                continue
            required = self.classes.required_names(value)
            if required and id(value.node) in self.called:
                continue  # its callers give it real arguments
            if () in self.module_calls.get(name, []):
                continue  # a module-level call with no arguments already ran it
            if not self.builds_model(value.node):  # read from its text: the dearest test, last
                continue
            with self.symbols.new_scope():
                kwargs = {param: self.symbols.named(param, f"parameter `{param}` of {name}()") for param in required}
                label = f"{name}({', '.join(required)})"
                try:
                    self.call_function(value, [], kwargs, label=label)
                except (BudgetExceeded, RecursionError):
                    return

    def builds_model(self, node: ast.FunctionDef) -> bool:
        """Whether the function calls a model builder (``Sequential(...)``), read from its text."""
        text = self.positions.text(node)
        return self.frameworks.builder_call.search(text) is not None

    # --- the shared interface ---------------------------------------------------------------

    def exec_block(self, body: list[ast.stmt], env: Env) -> None:
        self.executor.exec_block(body, env)

    def place(self, span: Span) -> str:
        """Where a span is, for a message: ``line 12``, or ``models.py:12`` in another file."""
        return self.modules.place(span)

    def lines_of(self, span: Span) -> tuple[str, ...]:
        """The lines of the file a span is in."""
        return self.positions.lines(span)

    def main_site(self) -> Optional[Span]:
        """The innermost call (or import) in the analysed file that is being evaluated: where the
        analysed file hands over to another file's code."""
        for node in reversed(self.sites):
            if getattr(node, STAMP, None) is None:
                return self.span(node)
        return None

    def context_label(self) -> str:
        return " > ".join(self.contexts)

    def condition(self) -> Optional[str]:
        return self.conditions[-1] if self.conditions else None

    def undecided(self, test: ast.expr) -> "OnPath":
        """Code under a condition the interpreter cannot decide (its findings are not errors)."""
        return OnPath(self.conditions, self.positions.label(test, 80))

    def on_path(self, condition: Optional[str]) -> "OnPath":
        """Code on one of the paths an undecided condition chooses between (its findings are not errors)."""
        return OnPath(self.conditions, condition)

    def read_assumption(self, note: str) -> None:
        """An assumed value was read: a condition that reads it is decided by the assumption."""
        self.reads.append(note)

    def active_notes(self) -> Notes:
        return merge(*self.assumed) if self.assumed else ()

    @contextmanager
    def assuming(self, notes: Notes) -> Iterator[None]:
        """Code under a condition decided by assumed values: what it assigns carries their notes."""
        self.assumed.append(notes)
        try:
            yield
        finally:
            self.assumed.pop()

    def register_model(self, record: ModelRecord) -> None:
        self.models.append(record)
        self.events += 1

    def next_model_index(self) -> int:
        self.model_count += 1
        self.events += 1
        if self.sites:  # a model made by another file's code: the analysed file's call that made it
            site = self.main_site()
            if site is not None:
                self.model_sites[self.model_count] = site
        return self.model_count

    def state(self, plugin_name: str) -> object:
        return self.states[plugin_name]

    def iterate(self, value: object) -> Optional[list]:
        """The items a ``for`` over the value goes through; ``None`` when they are not known."""
        if isinstance(value, (tuple, list, dict)):
            return None if unknown_length(value) else list(value)
        if isinstance(value, str):
            return list(value)
        if isinstance(value, Value):
            items = value.iterate()
            return None if items is None or unknown_length(items) else items
        return None

    def spread(self, value: object) -> Optional[list]:
        """The items ``*value`` gives: of a list or tuple, its items, items of an unknown number
        (``SomeItems``) included, so that the items known around them stay known."""
        if value.__class__ is list or value.__class__ is tuple:
            return list(value)  # type: ignore[call-overload]
        return self.iterate(value)

    def kept(self, name: str, value: object) -> object:
        """What a variable or parameter holds once ``value`` is put in it: an unknown value is
        named after it (a layer sized by it has a size of that name)."""
        if value.__class__ is not Unknown:
            return value
        if name not in self.symbols.unknowns:  # what the first unknown value it held was
            self.symbols.unknowns[name] = f"`{name}`, not known statically: {value.reason}"  # type: ignore[attr-defined]
        return NamedUnknown(value.reason, name)  # type: ignore[attr-defined]

    def assign(self, target: ast.expr, value: object, env: Env) -> None:
        if self.assumed:
            value = noted(value, self.active_notes())
        if isinstance(target, ast.Name):
            value = self.kept(target.id, value)
            env.vars[target.id] = value
            if isinstance(value, Value) and value.tracks_name:
                value.note_name(target.id, self.span(target))
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = self.iterate(value)
            starred = [i for i, t in enumerate(target.elts) if isinstance(t, ast.Starred)]
            if items is not None and not starred and len(items) == len(target.elts):
                for sub, item in zip(target.elts, items):
                    self.assign(sub, item, env)
            elif isinstance(value, Tensor):
                # the parts of a tensor the analysis cannot split (what an opaque module returned):
                # tensors of unknown shape made from it, so that the model's graph goes on through them
                for sub in target.elts:
                    inner = sub.value if isinstance(sub, ast.Starred) else sub
                    self.assign(inner, Tensor(None, "a part of a tensor whose parts are not known statically", None,
                                              (value,)), env)
            else:
                for sub in target.elts:
                    inner = sub.value if isinstance(sub, ast.Starred) else sub
                    self.assign(inner, Unknown("unpacking a value of unknown length"), env)
        elif isinstance(target, ast.Attribute):
            self.stores += 1
            owner = self.eval(target.value, env)
            if isinstance(owner, Value):
                self.target = target
                owner.set_attribute(self, target.attr, value)
                self.target = None  # only an assignment in progress has a target
            else:  # a framework may need to know that something it cannot see was changed
                self.lost_attributes.append((target.attr, self.span(target)))
        elif isinstance(target, ast.Subscript):
            self.stores += 1
            self.assign_item(self.eval(target.value, env), self.eval(target.slice, env), value)
        # other targets hold nothing the analysis needs

    def assign_item(self, container: object, key: object, value: object) -> None:
        """``layers["conv1"] = ...``, ``blocks[i] = ...``: a value that keeps items (a model's
        classifier) takes it itself; a list or dict as Python does (``builtins.set_item``)."""
        if isinstance(container, Value):
            container.set_item(self, key, value)
        elif isinstance(container, (dict, list)):
            set_item(self, container, key, value)

    def note_module_call(self, func: Function, args: list, kwargs: dict) -> None:
        calls = self.module_calls.setdefault(func.name, [])
        if keyword_arguments(kwargs) is not None:  # its parameters are unknown: no run with the defaults is needed
            calls.append(())
        calls.append(tuple(map(safe_key, args)) + tuple((k, safe_key(v)) for k, v in sorted(known_keywords(kwargs).items())))

    # --- calls ----------------------------------------------------------------------------

    def call_user_function(self, func: Function, args: list, kwargs: dict, node: ast.Call) -> object:
        self.called.add(id(func.node))
        return self.call_function(func, args, kwargs, label=self.positions.label(node))

    def call_function(self, func: Function, args: list, kwargs: dict, label: Optional[str]) -> object:
        if self.depth >= MAX_CALL_DEPTH:
            return Unknown("calls nested too deeply")
        scope = call_scope(self, func, args, kwargs)
        self.depth += 1
        self.calls += 1
        if label is not None:
            self.contexts.append(label)
        try:
            self.executor.exec_block(func.node.body, scope)
        except ReturnSignal as returned:
            return returned.value
        except (BreakSignal, ContinueSignal):
            return None
        finally:
            self.depth -= 1
            if label is not None:
                self.contexts.pop()
        return None

    def call_lambda(self, func: LambdaValue, args: list, kwargs: dict) -> object:
        if self.depth >= MAX_CALL_DEPTH or func.env is None:
            return Unknown("a lambda the analysis does not call here")
        scope = call_scope(self, func, args, kwargs)  # type: ignore[arg-type]
        self.depth += 1
        try:
            return self.eval(func.node.body, scope)
        finally:
            self.depth -= 1

    def call_builtin(self, name: str, args: list, kwargs: dict) -> object:
        return call_builtin(self, name, args, kwargs)

    def call_method(self, target: object, name: str, args: list, kwargs: dict, node: ast.Call) -> object:
        if isinstance(target, Value):
            return target.method(self, name, args, kwargs, node)
        if isinstance(target, list):
            return list_method(target, name, args, self)
        if isinstance(target, dict):
            return dict_method(target, name, args, kwargs, self)
        return Unknown(f"the result of `.{name}(...)`")


class OnPath:
    """The context of ``Interpreter.on_path``: the condition is the innermost undecided one while it
    lasts (a plain class: entered at every undecided branch, cheaper than a generator's context)."""

    __slots__ = ("conditions", "condition")

    def __init__(self, conditions: list[str], condition: Optional[str]) -> None:
        self.conditions = conditions
        self.condition = condition

    def __enter__(self) -> None:
        if self.condition is not None:
            self.conditions.append(self.condition)

    def __exit__(self, *exc: object) -> None:
        if self.condition is not None:
            self.conditions.pop()


def call_scope(interp: Interpreter, func: Function, args: list, kwargs: dict) -> Env:
    """A call's arguments bound to the function's parameters, in a new scope of its own."""
    scope = Env(func.env)  # type: ignore[arg-type]
    params = func.node.args
    positional = params.posonlyargs + params.args
    args = positional_arguments(args, len(positional))
    for param, value in zip(positional, args):
        scope.vars[param.arg] = interp.kept(param.arg, value)
    if func.owner is not None and args:
        scope.vars[OWNER_KEY] = func.owner
        scope.vars[SELF_KEY] = args[0]
    if params.vararg is not None:
        scope.vars[params.vararg.arg] = tuple(args[len(positional):])
    extra = {}
    for name, value in kwargs.items():
        if any(p.arg == name for p in positional + params.kwonlyargs):
            scope.vars[name] = interp.kept(name, value)
        else:
            extra[name] = value
    if params.kwarg is not None:
        scope.vars[params.kwarg.arg] = extra
    lost = keyword_arguments(kwargs)  # `f(**config)`: any parameter not given otherwise may be in it
    for param in positional + params.kwonlyargs:
        if param.arg not in scope.vars:
            scope.vars[param.arg] = interp.kept(param.arg, Unknown(lost.reason)) if lost else func.defaults.get(
                param.arg, Unknown(f"parameter `{param.arg}` has no value here"))
    return scope
