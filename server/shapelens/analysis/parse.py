"""The frontend: a small static interpreter over Python's ``ast`` that finds models.

It never imports or runs user code. It evaluates what is knowable — imports, constants,
arithmetic, tuples, calls of the file's own functions, loops over literal ranges — and
everything else becomes ``Unknown`` with a reason, so shapes are never guessed.
"""

from __future__ import annotations

import ast
import math
import os
from functools import lru_cache
from typing import Optional

from . import layers as rules
from .layers import ShapeError
from .frontend_torch import PASS_THROUGH_METHODS, TorchFrontend
from .propagate import Collected, apply_layer, error_diagnostic, producer_spans, weight_axis_conflict
from .report import Diagnostic, Span
from .values import (
    ArrayValue, BoundMethod, Builtin, ClassValue, Function, FunctionalBuild, InputLayerObj, Instance,
    LambdaValue, LayerObj, Node, QName, SequentialBuild, Tensor, Unknown,
)

# Tests set SHAPELENS_STRICT=1 so that an internal error fails loudly instead of being skipped.
STRICT = os.environ.get("SHAPELENS_STRICT") == "1"
MAX_CALL_DEPTH = 24
MAX_UNROLL = 512
FRAMEWORK_PREFIXES = (
    ("tensorflow.python.keras", "keras"),
    ("tensorflow.keras", "keras"),
    ("tf_keras", "keras"),
    ("keras.api", "keras"),
    ("keras.src", "keras"),
)
BUILTINS = {
    "range", "len", "int", "float", "tuple", "list", "min", "max", "abs", "round", "sum", "print",
    "enumerate", "zip", "reversed", "isinstance", "str", "bool", "dict", "sorted", "super",
}
ARRAY_FACTORIES = {
    # canonical callable → how its shape is given: "dims" (*dims), "shape" (first arg or `shape=`/`size=`)
    "numpy.random.rand": "dims", "numpy.random.randn": "dims",
    "numpy.random.random": "size", "numpy.random.random_sample": "size", "numpy.random.sample": "size",
    "numpy.random.uniform": "size2", "numpy.random.normal": "size2", "numpy.random.randint": "size2",
    "numpy.zeros": "shape", "numpy.ones": "shape", "numpy.empty": "shape", "numpy.full": "shape",
    "tensorflow.random.normal": "shape", "tensorflow.random.uniform": "shape",
    "tensorflow.zeros": "shape", "tensorflow.ones": "shape",
    "keras.random.normal": "shape", "keras.random.uniform": "shape",
    "keras.ops.zeros": "shape", "keras.ops.ones": "shape",
    "torch.randn": "dims", "torch.rand": "dims", "torch.zeros": "dims", "torch.ones": "dims",
    "torch.empty": "dims", "torch.randint": "torch_randint",
}
MODEL_METHODS_WITH_INPUT = {"predict": 0, "fit": 0, "evaluate": 0, "predict_on_batch": 0, "train_on_batch": 0}


class ReturnSignal(Exception):
    def __init__(self, value: object) -> None:
        self.value = value


class BreakSignal(Exception):
    pass


class ContinueSignal(Exception):
    pass


class BudgetExceeded(Exception):
    pass


class Env:
    __slots__ = ("vars", "parent")

    def __init__(self, parent: Optional["Env"] = None) -> None:
        self.vars: dict[str, object] = {}
        self.parent = parent

    def lookup(self, name: str) -> object:
        env: Optional[Env] = self
        while env is not None:
            if name in env.vars:
                return env.vars[name]
            env = env.parent
        if name in BUILTINS:
            return Builtin(name)
        return Unknown(f"`{name}` is not defined in this file")


@lru_cache(maxsize=8192)
def qualified(base: str, attr: str) -> QName:
    """``tf.keras.layers`` + ``Conv2D``: one cached QName per attribute chain."""
    return QName(canonical(f"{base}.{attr}"))


@lru_cache(maxsize=4096)
def canonical(path: str) -> str:
    for prefix, replacement in FRAMEWORK_PREFIXES:
        if path == prefix or path.startswith(prefix + "."):
            return replacement + path[len(prefix):]
    return path


def is_known(value: object) -> bool:
    return not isinstance(value, Unknown)


class Positions:
    """ast columns are UTF-8 byte offsets; the report counts code points."""

    def __init__(self, lines: tuple[str, ...]) -> None:
        self.lines = lines
        self.wide = {i for i, text in enumerate(lines) if not text.isascii()}

    def col(self, line: int, byte_col: int) -> int:
        if line not in self.wide:
            return byte_col
        return len(self.lines[line].encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))

    def span(self, node: ast.AST) -> Span:
        line = node.lineno - 1
        end_line = (node.end_lineno or node.lineno) - 1
        end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset
        return Span(line, self.col(line, node.col_offset), end_line, self.col(end_line, end_col))


class Interpreter(TorchFrontend):
    def __init__(self, tree: ast.Module, lines: tuple[str, ...], budget: int) -> None:
        self.tree = tree
        self.lines = lines
        self.positions = Positions(lines)
        self.module = Env()
        self.module.vars["__name__"] = "__main__"
        self.budget = budget
        self.depth = 0
        self.uncertain = 0
        self.context: list[str] = []
        self.sequentials: list[SequentialBuild] = []
        self.functionals: list[FunctionalBuild] = []
        self.nodes: list[Node] = []
        self.calls: list = []
        self.diagnostics: list[Diagnostic] = []
        self.model_count = 0
        self.module_calls: dict[str, list] = {}  # function name → argument tuples of module-level calls
        self.span_cache: dict[int, Span] = {}
        self.torch_instances: list[Instance] = []
        self.instantiated: set[str] = set()
        self.functional_errors: list = []  # (layer, error, input) from torch.nn.functional calls

    # ------------------------------------------------------------------ driving

    def run(self) -> Collected:
        self.exec_block(self.tree.body, self.module, top_level=True)
        self.run_model_functions()
        try:
            self.finish_torch()
        except (BudgetExceeded, RecursionError):
            pass
        for layer, error, tensor in self.functional_errors:
            self.diagnostics.append(error_diagnostic(layer, error, tuple(producer_spans([tensor])), (tensor.shape,)))
        return Collected(self.sequentials, self.functionals, self.nodes, self.calls, self.lines, self.diagnostics)

    def release(self) -> None:
        """Break the reference cycles a run makes (functions and the module names that hold
        them, tensors and the layer calls that made them), so that its objects are freed as
        soon as the report is out instead of waiting for the cycle collector to find them."""
        self.module.vars.clear()
        for node in self.nodes:
            node.outputs = ()

    def run_model_functions(self) -> None:
        """A top-level function that builds a model is analysed with its default arguments too."""
        for name, value in list(self.module.vars.items()):
            if not isinstance(value, Function) or value.env is not self.module:
                continue
            params = value.node.args
            positional = params.posonlyargs + params.args
            if len(params.defaults) != len(positional) or any(d is None for d in params.kw_defaults):
                continue
            if not builds_model(value.node):
                continue
            if () in self.module_calls.get(name, []):
                continue  # a module-level call with no arguments already ran it
            try:
                self.call_function(value, [], {}, label=f"{name}()")
            except (BudgetExceeded, RecursionError):
                return

    def span(self, node: ast.AST) -> Span:
        # a helper called several times meets the same nodes again: compute each span once
        key = id(node)
        span = self.span_cache.get(key)
        if span is None:
            span = self.span_cache[key] = self.positions.span(node)
        return span

    # ------------------------------------------------------------------ statements

    def exec_block(self, body: list[ast.stmt], env: Env, top_level: bool = False) -> None:
        for stmt in body:
            if top_level:
                try:
                    self.exec_stmt(stmt, env)
                except (ReturnSignal, BreakSignal, ContinueSignal):
                    continue
                except RecursionError:
                    continue
                except BudgetExceeded:
                    return
                except Exception:  # noqa: BLE001 - one statement the analysis cannot follow
                    if STRICT:
                        raise
                    continue
            else:
                self.exec_stmt(stmt, env)

    def exec_stmt(self, stmt: ast.stmt, env: Env) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise BudgetExceeded()
        handler = STMT_HANDLERS.get(type(stmt))
        if handler is not None:
            handler(self, stmt, env)

    def stmt_Expr(self, stmt: ast.Expr, env: Env) -> None:
        self.eval(stmt.value, env)

    def stmt_Assign(self, stmt: ast.Assign, env: Env) -> None:
        value = self.eval(stmt.value, env)
        for target in stmt.targets:
            self.assign(target, value, env)

    def stmt_AnnAssign(self, stmt: ast.AnnAssign, env: Env) -> None:
        if stmt.value is not None:
            self.assign(stmt.target, self.eval(stmt.value, env), env)

    def stmt_AugAssign(self, stmt: ast.AugAssign, env: Env) -> None:
        current = self.eval(stmt.target, env) if isinstance(stmt.target, ast.Name) else Unknown("augmented target")
        value = self.binop(stmt.op, current, self.eval(stmt.value, env))
        self.assign(stmt.target, value, env)

    def stmt_Import(self, stmt: ast.Import, env: Env) -> None:
        for alias in stmt.names:
            if alias.asname:
                env.vars[alias.asname] = QName(canonical(alias.name))
            else:
                top = alias.name.split(".")[0]
                env.vars[top] = QName(canonical(top)) if top != "tensorflow" else QName("tensorflow")

    def stmt_ImportFrom(self, stmt: ast.ImportFrom, env: Env) -> None:
        if not stmt.module or stmt.level:
            return
        base = canonical(stmt.module)
        for alias in stmt.names:
            if alias.name == "*":
                self.import_star(base, env)
                continue
            env.vars[alias.asname or alias.name] = QName(canonical(f"{base}.{alias.name}"))

    def import_star(self, base: str, env: Env) -> None:
        if base in ("keras.layers", "keras"):
            for name in rules.RULES:
                env.vars[name] = QName(f"keras.layers.{name}")
            for name in ("Input", "InputLayer", *rules.MERGE_FUNCTIONS):
                env.vars[name] = QName(f"keras.layers.{name}")
            if base == "keras":
                for name in ("Sequential", "Model"):
                    env.vars[name] = QName(f"keras.{name}")
        elif base == "keras.models":
            for name in ("Sequential", "Model"):
                env.vars[name] = QName(f"keras.models.{name}")
        elif base in ("torch.nn", "torch"):
            self.torch_star(base, env)

    def stmt_FunctionDef(self, stmt: ast.FunctionDef, env: Env) -> None:
        env.vars[stmt.name] = Function(stmt, env, self.function_defaults(stmt, env), stmt.name)

    stmt_AsyncFunctionDef = stmt_FunctionDef

    def stmt_ClassDef(self, stmt: ast.ClassDef, env: Env) -> None:
        bases = tuple(self.eval(base, env) for base in stmt.bases)
        env.vars[stmt.name] = ClassValue(stmt, env, bases)

    def stmt_Return(self, stmt: ast.Return, env: Env) -> None:
        raise ReturnSignal(self.eval(stmt.value, env) if stmt.value is not None else None)

    def stmt_Break(self, stmt, env) -> None:
        raise BreakSignal()

    def stmt_Continue(self, stmt, env) -> None:
        raise ContinueSignal()

    def stmt_Raise(self, stmt, env) -> None:
        raise ReturnSignal(Unknown("the code raises an exception here"))

    def stmt_If(self, stmt: ast.If, env: Env) -> None:
        test = self.eval(stmt.test, env)
        if is_known(test) and not isinstance(test, (Tensor, LayerObj, SequentialBuild)):
            try:
                branch = bool(test)
            except Exception:  # noqa: BLE001 - an object without truth value
                branch = None
            if branch is not None:
                self.exec_block(stmt.body if branch else stmt.orelse, env)
                return
        self.exec_uncertain([stmt.body, stmt.orelse], env)

    def exec_uncertain(self, blocks: list[list[ast.stmt]], env: Env) -> None:
        """Run every branch; names that end up different become Unknown."""
        before = dict(env.vars)
        results = []
        self.uncertain += 1
        try:
            for block in blocks:
                env.vars = dict(before)
                try:
                    self.exec_block(block, env)
                except (BreakSignal, ContinueSignal):
                    pass
                except ReturnSignal:
                    pass
                results.append(env.vars)
        finally:
            self.uncertain -= 1
        merged = dict(before)
        names = set().union(*[r.keys() for r in results]) if results else set()
        for name in names:
            values = [r.get(name, before.get(name)) for r in results]
            if all(v is values[0] for v in values):
                merged[name] = values[0]
            else:
                merged[name] = Unknown(f"`{name}` depends on a condition that cannot be decided statically")
        env.vars = merged

    def stmt_For(self, stmt: ast.For, env: Env) -> None:
        iterable = self.eval(stmt.iter, env)
        items = self.iterate(iterable)
        if items is None or len(items) > MAX_UNROLL:
            self.assign(stmt.target, Unknown("loop variable of a loop that cannot be unrolled"), env)
            self.exec_uncertain([stmt.body], env)
            return
        for item in items:
            self.assign(stmt.target, item, env)
            try:
                self.exec_block(stmt.body, env)
            except ContinueSignal:
                continue
            except BreakSignal:
                return
        else:
            self.exec_block(stmt.orelse, env)

    stmt_AsyncFor = stmt_For

    def stmt_While(self, stmt: ast.While, env: Env) -> None:
        self.exec_uncertain([stmt.body], env)

    def stmt_With(self, stmt: ast.With, env: Env) -> None:
        for item in stmt.items:
            value = self.eval(item.context_expr, env)
            if item.optional_vars is not None:
                self.assign(item.optional_vars, Unknown("a context manager's value"), env)
        self.exec_block(stmt.body, env)

    stmt_AsyncWith = stmt_With

    def stmt_Try(self, stmt: ast.Try, env: Env) -> None:
        self.exec_block(stmt.body, env)
        self.exec_block(stmt.orelse, env)
        self.exec_block(stmt.finalbody, env)

    stmt_TryStar = stmt_Try

    def assign(self, target: ast.expr, value: object, env: Env) -> None:
        if isinstance(target, ast.Name):
            env.vars[target.id] = value
            if isinstance(value, (SequentialBuild, FunctionalBuild)):
                if not value.name:
                    value.name = target.id
                value.name_spans.append(self.span(target))
            elif isinstance(value, Instance):
                value.attrs.setdefault("__name__", target.id)
                value.attrs.setdefault("__name_spans__", []).append(self.span(target))
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = self.iterate(value)
            starred = [i for i, t in enumerate(target.elts) if isinstance(t, ast.Starred)]
            if items is not None and not starred and len(items) == len(target.elts):
                for sub, item in zip(target.elts, items):
                    self.assign(sub, item, env)
            else:
                for sub in target.elts:
                    inner = sub.value if isinstance(sub, ast.Starred) else sub
                    self.assign(inner, Unknown("unpacking a value of unknown length"), env)
        elif isinstance(target, ast.Attribute):
            owner = self.eval(target.value, env)
            if isinstance(owner, Instance):
                owner.attrs[target.attr] = value
        # subscripts and other targets hold nothing the analysis needs

    # ------------------------------------------------------------------ expressions

    def eval(self, node: Optional[ast.expr], env: Env) -> object:
        kind = type(node)
        if kind is ast.Constant:  # the two commonest nodes, inline: this is the hot path
            return node.value  # type: ignore[union-attr]
        if kind is ast.Name:
            name = node.id  # type: ignore[union-attr]
            scope: Optional[Env] = env
            while scope is not None:
                if name in scope.vars:
                    value = scope.vars[name]
                    break
                scope = scope.parent
            else:
                value = env.lookup(name)
            if value.__class__ in NAMED_VALUES:
                return self.expr_Name(node, env)  # type: ignore[arg-type]
            return value
        if node is None:
            return None
        handler = EXPR_HANDLERS.get(kind)
        if handler is None:
            return Unknown(f"`{type(node).__name__}` expressions are not evaluated")
        return handler(self, node, env)

    def expr_Constant(self, node: ast.Constant, env: Env) -> object:
        return node.value

    def expr_Name(self, node: ast.Name, env: Env) -> object:
        value = env.lookup(node.id)
        if value.__class__ not in NAMED_VALUES:
            return value
        spans = value.name_spans if isinstance(value, (SequentialBuild, FunctionalBuild)) else (
            value.attrs.setdefault("__name_spans__", []) if isinstance(value, Instance) else None)
        if spans is not None:
            span = self.span(node)
            if span not in spans:
                spans.append(span)
        return value

    def expr_Attribute(self, node: ast.Attribute, env: Env) -> object:
        base = self.eval(node.value, env)
        attr = node.attr
        if isinstance(base, QName):
            return qualified(base.path, attr)
        if isinstance(base, Tensor):
            if attr == "shape":
                return base.shape if base.shape is not None else Unknown(base.reason or "unknown tensor shape")
            return BoundMethod(base, attr)
        if isinstance(base, ArrayValue):
            return base.shape if attr == "shape" else BoundMethod(base, attr)
        if isinstance(base, Instance):
            if attr in base.attrs:
                return base.attrs[attr]
            method = self.method_of(base.cls, attr)
            return BoundMethod(base, method) if method is not None else Unknown(f"attribute `{attr}` is not known statically")
        if isinstance(base, (SequentialBuild, FunctionalBuild, list, LayerObj, dict)):
            return BoundMethod(base, attr)
        if isinstance(base, Unknown):
            return base
        return Unknown(f"attribute `{attr}` is not known statically")

    def expr_Tuple(self, node: ast.Tuple, env: Env) -> object:
        return tuple(self.sequence_items(node.elts, env))

    def expr_List(self, node: ast.List, env: Env) -> object:
        return list(self.sequence_items(node.elts, env))

    def expr_Set(self, node: ast.Set, env: Env) -> object:
        return Unknown("a set")

    def sequence_items(self, elts: list[ast.expr], env: Env) -> list:
        out: list = []
        for elt in elts:
            if isinstance(elt, ast.Starred):
                items = self.iterate(self.eval(elt.value, env))
                if items is None:
                    out.append(Unknown("a starred item of unknown length"))
                else:
                    out.extend(items)
            else:
                out.append(self.eval(elt, env))
        return out

    def expr_Dict(self, node: ast.Dict, env: Env) -> object:
        out = {}
        for key, value in zip(node.keys, node.values):
            k = self.eval(key, env) if key is not None else None
            v = self.eval(value, env)
            if key is None:
                if isinstance(v, dict):
                    out.update(v)
            elif isinstance(k, (str, int, float, bool, tuple)) or k is None:
                out[k] = v
        return out

    def expr_JoinedStr(self, node: ast.JoinedStr, env: Env) -> object:
        return Unknown("an f-string")

    def expr_Lambda(self, node: ast.Lambda, env: Env) -> object:
        return LambdaValue(node)

    def expr_IfExp(self, node: ast.IfExp, env: Env) -> object:
        test = self.eval(node.test, env)
        if is_known(test) and not isinstance(test, (Tensor, LayerObj)):
            try:
                return self.eval(node.body if test else node.orelse, env)
            except Exception:  # noqa: BLE001
                pass
        body, orelse = self.eval(node.body, env), self.eval(node.orelse, env)
        return body if body == orelse and is_known(body) else Unknown("depends on a condition")

    def expr_NamedExpr(self, node: ast.NamedExpr, env: Env) -> object:
        value = self.eval(node.value, env)
        self.assign(node.target, value, env)
        return value

    def expr_Starred(self, node: ast.Starred, env: Env) -> object:
        return self.eval(node.value, env)

    def expr_UnaryOp(self, node: ast.UnaryOp, env: Env) -> object:
        operand = self.eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            return Unknown("negated unknown") if not is_known(operand) or isinstance(operand, Tensor) else not operand
        if isinstance(operand, (int, float)) and not isinstance(operand, bool):
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return operand
        if isinstance(operand, Tensor):
            return Tensor(operand.shape, operand.reason, None, (operand,))
        return Unknown("an operation on an unknown value")

    def expr_BinOp(self, node: ast.BinOp, env: Env) -> object:
        return self.binop(node.op, self.eval(node.left, env), self.eval(node.right, env))

    def binop(self, op: ast.operator, left: object, right: object) -> object:
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            return self.tensor_op(left, right)
        if not is_known(left):
            return left
        if not is_known(right):
            return right
        numbers = (int, float)
        try:
            if isinstance(left, numbers) and isinstance(right, numbers):
                return NUMERIC_OPS[type(op)](left, right)
            if isinstance(left, (tuple, list)) and isinstance(right, (tuple, list)) and isinstance(op, ast.Add):
                return left + right if type(left) is type(right) else Unknown("mixed sequences")
            if isinstance(left, (tuple, list)) and isinstance(right, int) and isinstance(op, ast.Mult):
                return left * right if right <= MAX_UNROLL else Unknown("a very long sequence")
            if isinstance(left, int) and isinstance(right, (tuple, list)) and isinstance(op, ast.Mult):
                return right * left if left <= MAX_UNROLL else Unknown("a very long sequence")
            if isinstance(left, str) and isinstance(right, str) and isinstance(op, ast.Add):
                return left + right
        except (KeyError, ZeroDivisionError, OverflowError, ValueError, TypeError):
            return Unknown("an arithmetic operation that cannot be evaluated")
        return Unknown("an operation the analysis does not evaluate")

    def tensor_op(self, left: object, right: object) -> Tensor:
        from .shapes import broadcast

        tensors = [t for t in (left, right) if isinstance(t, Tensor)]
        shapes_ = [t.shape for t in tensors]
        parents = tuple(tensors)
        if any(s is None for s in shapes_):
            return Tensor(None, "an operand's shape is unknown", None, parents)
        if len(shapes_) == 1:
            return Tensor(shapes_[0], None, None, parents)
        merged = broadcast(shapes_[0], shapes_[1])
        if merged is None:
            return Tensor(None, "the operands do not broadcast", None, parents)
        return Tensor(merged, None, None, parents)

    def expr_BoolOp(self, node: ast.BoolOp, env: Env) -> object:
        values = [self.eval(v, env) for v in node.values]
        if not all(is_known(v) and not isinstance(v, Tensor) for v in values):
            return Unknown("a condition on unknown values")
        try:
            result = values[0]
            for value in values[1:]:
                result = (result and value) if isinstance(node.op, ast.And) else (result or value)
            return result
        except Exception:  # noqa: BLE001
            return Unknown("a condition")

    def expr_Compare(self, node: ast.Compare, env: Env) -> object:
        left = self.eval(node.left, env)
        for op, comparator in zip(node.ops, node.comparators):
            right = self.eval(comparator, env)
            if isinstance(op, (ast.Is, ast.IsNot)) and (left is None or right is None):
                result = (left is right) if isinstance(op, ast.Is) else (left is not right)
            elif not is_known(left) or not is_known(right) or not plain(left) or not plain(right):
                return Unknown("a comparison with unknown values")
            else:
                try:
                    result = COMPARE_OPS[type(op)](left, right)
                except Exception:  # noqa: BLE001
                    return Unknown("a comparison that cannot be evaluated")
            if not result:
                return False
            left = right
        return True

    def expr_Subscript(self, node: ast.Subscript, env: Env) -> object:
        base = self.eval(node.value, env)
        index = self.eval(node.slice, env)
        if isinstance(base, Tensor):
            return tensor_index(base, index)
        if isinstance(base, (tuple, list, str)) and is_known(index):
            try:
                if isinstance(index, slice) or (isinstance(index, int) and not isinstance(index, bool)):
                    return base[index]
            except (IndexError, TypeError, ValueError):
                return Unknown("an index out of range")
        if isinstance(base, dict) and is_known(index):
            try:
                return base.get(index, Unknown("a missing key"))
            except TypeError:
                return Unknown("an unhashable key")
        if isinstance(base, Unknown):
            return base
        return Unknown("a subscript the analysis does not evaluate")

    def expr_Slice(self, node: ast.Slice, env: Env) -> object:
        parts = [self.eval(p, env) if p is not None else None for p in (node.lower, node.upper, node.step)]
        if all(p is None or (isinstance(p, int) and not isinstance(p, bool)) for p in parts):
            return slice(*parts)
        return Unknown("a slice with unknown bounds")

    def expr_ListComp(self, node: ast.ListComp, env: Env) -> object:
        if len(node.generators) != 1 or node.generators[0].is_async:
            return Unknown("a comprehension with several loops")
        generator = node.generators[0]
        items = self.iterate(self.eval(generator.iter, env))
        if items is None or len(items) > MAX_UNROLL:
            return Unknown("a comprehension over an unknown sequence")
        scope = Env(env)
        out = []
        for item in items:
            self.assign(generator.target, item, scope)
            conditions = [self.eval(cond, scope) for cond in generator.ifs]
            if any(not is_known(c) for c in conditions):
                return Unknown("a comprehension with an unknown condition")
            if all(conditions):
                out.append(self.eval(node.elt, scope))
        return out

    def expr_GeneratorExp(self, node: ast.GeneratorExp, env: Env) -> object:
        value = self.expr_ListComp(node, env)  # type: ignore[arg-type]
        return tuple(value) if isinstance(value, list) else value

    # ------------------------------------------------------------------ calls

    def expr_Call(self, node: ast.Call, env: Env) -> object:
        func = self.eval(node.func, env)
        args: list = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                items = self.iterate(self.eval(arg.value, env))
                if items is None:
                    args.append(Unknown("starred arguments of unknown length"))
                else:
                    args.extend(items)
            else:
                args.append(self.eval(arg, env))
        kwargs: dict = {}
        for keyword in node.keywords:
            value = self.eval(keyword.value, env)
            if keyword.arg is None:
                if isinstance(value, dict):
                    kwargs.update({k: v for k, v in value.items() if isinstance(k, str)})
            else:
                kwargs[keyword.arg] = value
        return self.call(func, args, kwargs, node, env)

    def call(self, func: object, args: list, kwargs: dict, node: ast.Call, env: Env) -> object:
        if isinstance(func, QName):
            return self.call_library(func, args, kwargs, node)
        if isinstance(func, LayerObj):
            return self.apply(func, args, kwargs, self.span(node))
        if isinstance(func, (SequentialBuild, FunctionalBuild)):
            return self.call_model(func, "__call__", args, kwargs, node)
        if isinstance(func, Function):
            if env is self.module:
                self.module_calls.setdefault(func.name, []).append(tuple(map(safe_key, args)) + tuple(
                    (k, safe_key(v)) for k, v in sorted(kwargs.items())))
            return self.call_function(func, args, kwargs, label=self.call_label(node))
        if isinstance(func, BoundMethod):
            return self.call_method(func, args, kwargs, node)
        if isinstance(func, Builtin):
            return self.call_builtin(func.name, args, kwargs)
        if isinstance(func, ClassValue):
            return self.instantiate(func, args, kwargs, node)
        if isinstance(func, Instance):
            return self.call_instance(func, args, kwargs, node)
        if isinstance(func, Unknown):
            return func
        return Unknown("a call of something the analysis does not model")

    def call_label(self, node: ast.Call) -> str:
        text = self.segment(node)
        text = " ".join(text.split())
        return text if len(text) <= 60 else text[:57] + "..."

    def segment(self, node: ast.AST) -> str:
        span = self.span(node)
        if span.start_line == span.end_line:
            return self.lines[span.start_line][span.start_col:span.end_col]
        parts = [self.lines[span.start_line][span.start_col:]]
        parts += list(self.lines[span.start_line + 1:span.end_line])
        parts.append(self.lines[span.end_line][:span.end_col])
        return "\n".join(parts)

    def call_function(self, func: Function, args: list, kwargs: dict, label: Optional[str]) -> object:
        if self.depth >= MAX_CALL_DEPTH:
            return Unknown("calls nested too deeply")
        scope = Env(func.env)  # type: ignore[arg-type]
        params = func.node.args
        positional = params.posonlyargs + params.args
        for param, value in zip(positional, args):
            scope.vars[param.arg] = value
        if params.vararg is not None:
            scope.vars[params.vararg.arg] = tuple(args[len(positional):])
        extra = {}
        for name, value in kwargs.items():
            if any(p.arg == name for p in positional + params.kwonlyargs):
                scope.vars[name] = value
            else:
                extra[name] = value
        if params.kwarg is not None:
            scope.vars[params.kwarg.arg] = extra
        for param in positional + params.kwonlyargs:
            if param.arg not in scope.vars:
                scope.vars[param.arg] = func.defaults.get(param.arg, Unknown(f"parameter `{param.arg}` has no value here"))
        self.depth += 1
        if label is not None:
            self.context.append(label)
        try:
            self.exec_block(func.node.body, scope)
        except ReturnSignal as returned:
            return returned.value
        except (BreakSignal, ContinueSignal):
            return None
        finally:
            self.depth -= 1
            if label is not None:
                self.context.pop()
        return None

    def call_builtin(self, name: str, args: list, kwargs: dict) -> object:
        if not all(is_known(a) for a in args):
            return Unknown(f"`{name}` of an unknown value")
        try:
            if name == "range":
                if all(isinstance(a, int) for a in args) and len(range(*args)) <= 100_000:
                    return tuple(range(*args))
            elif name == "len" and args and isinstance(args[0], (tuple, list, str, dict)):
                return len(args[0])
            elif name in ("int", "float", "abs", "round", "bool", "str") and all(plain(a) for a in args):
                return {"int": int, "float": float, "abs": abs, "round": round, "bool": bool, "str": str}[name](*args)
            elif name in ("min", "max", "sum") and args:
                items = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
                if all(isinstance(i, (int, float)) for i in items):
                    return {"min": min, "max": max, "sum": sum}[name](items)
            elif name in ("tuple", "list") and args:
                items = self.iterate(args[0])
                if items is not None:
                    return tuple(items) if name == "tuple" else list(items)
            elif name in ("tuple", "list"):
                return () if name == "tuple" else []
            elif name in ("enumerate", "zip", "reversed", "sorted"):
                seqs = [self.iterate(a) for a in args]
                if all(s is not None for s in seqs):
                    if name == "enumerate":
                        return tuple(enumerate(seqs[0]))
                    if name == "zip":
                        return tuple(zip(*seqs))
                    if name == "reversed":
                        return tuple(reversed(seqs[0]))
                    return tuple(sorted(seqs[0]))
            elif name == "print":
                return None
        except Exception:  # noqa: BLE001 - a builtin on odd values
            pass
        return Unknown(f"the result of `{name}(...)`")

    def call_method(self, method: BoundMethod, args: list, kwargs: dict, node: ast.Call) -> object:
        target, name = method.target, method.name
        if isinstance(name, Function):
            return self.call_function(name, [target, *args], kwargs, label=self.call_label(node))
        if isinstance(target, list):
            if name == "append" and args:
                target.append(args[0])
            elif name == "extend" and args:
                items = self.iterate(args[0])
                target.extend(items if items is not None else [Unknown("extended with unknown items")])
            elif name == "insert" and len(args) == 2 and isinstance(args[0], int):
                target.insert(args[0], args[1])
            return None
        if isinstance(target, SequentialBuild):
            if name == "add" and args:
                self.sequential_add(target, args[0])
                return None
            if name == "build" and args:
                shape = as_shape(args[0])
                if shape is not None and target.input_shape is None:
                    target.input_shape = shape
                return None
            return self.call_model(target, name, args, kwargs, node)
        if isinstance(target, FunctionalBuild):
            return self.call_model(target, name, args, kwargs, node)
        if isinstance(target, Tensor):
            return self.tensor_method(target, name, args, kwargs, self.span(node))
        if isinstance(target, (Instance, ArrayValue)) and name in PASS_THROUGH_METHODS:
            return target
        return Unknown(f"the result of `.{name}(...)`")

    def call_model(self, model, method: str, args: list, kwargs: dict, node: ast.Call) -> object:
        if model.framework == "torch" and isinstance(model, SequentialBuild) and method == "__call__" and args:
            return self.call_torch_sequential(model, args[0], node)
        position = 0 if method == "__call__" else MODEL_METHODS_WITH_INPUT.get(method)
        if position is None:
            return Unknown(f"the result of `{method}`")
        value, arg_node = None, None
        if node.args and not any(isinstance(a, ast.Starred) for a in node.args):
            value, arg_node = args[position], node.args[position]
        else:
            for keyword in node.keywords:
                if keyword.arg in ("x", "inputs"):
                    value, arg_node = kwargs.get(keyword.arg), keyword.value
        if isinstance(value, ArrayValue) and arg_node is not None:
            self.calls.append((model, value, self.span(arg_node), method))
            return Unknown("a prediction")
        if isinstance(value, Tensor):
            return Tensor(None, "the output of a nested model", None, (value,))
        return Unknown(f"the result of `{method}`")

    def sequential_add(self, model: SequentialBuild, entry: object) -> None:
        if self.uncertain and model.uncertain_from is None:
            model.uncertain_from = len(model.entries)
        model.entries.append(entry)

    # ------------------------------------------------------------------ library calls

    def call_library(self, func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        path = func.path
        leaf = func.leaf
        if path in ARRAY_FACTORIES:
            return self.array(path, args, kwargs, node)
        if path.startswith("torch") or path == "collections.OrderedDict":
            return self.call_torch(func, args, kwargs, node)
        if not path.startswith("keras"):
            return Unknown(f"`{path}(...)` is not modelled")
        if leaf == "Sequential":
            return self.make_sequential(args, kwargs, node)
        if leaf in ("Model", "Functional"):
            return self.make_functional(args, kwargs, node)
        if leaf == "Input":
            return self.make_input(args, kwargs, node)
        if leaf == "InputLayer":
            shape = kwargs.get("shape", kwargs.get("input_shape", args[0] if args else None))
            batch = kwargs.get("batch_shape", kwargs.get("batch_input_shape"))
            full = as_shape(batch) if batch is not None else (
                (kwargs.get("batch_size") if isinstance(kwargs.get("batch_size"), int) else None, *as_shape(shape))
                if as_shape(shape) is not None else None)
            return InputLayerObj(full, self.span(node))
        if leaf in rules.MERGE_FUNCTIONS and ".layers" in path:
            spec_rule = rules.RULES[rules.MERGE_FUNCTIONS[leaf]]
            layer = self.make_layer(spec_rule.name, spec_rule, [], {k: v for k, v in kwargs.items() if k != "inputs"}, node)
            inputs = args[0] if args else kwargs.get("inputs")
            return self.apply(layer, [inputs], {}, self.span(node))
        if leaf in rules.RULES and (".layers" in path or path == f"keras.{leaf}"):
            return self.make_layer(leaf, rules.RULES[leaf], args, kwargs, node)
        if ".layers." in path and leaf[:1].isupper():
            layer = LayerObj(leaf, self.span(node), None, f"the layer class {leaf} is not modelled by Shape Lens")
            return layer
        return Unknown(f"`{path}(...)` is not modelled")

    def array(self, path: str, args: list, kwargs: dict, node: ast.Call) -> object:
        how = ARRAY_FACTORIES[path]
        if how == "dims":
            if len(args) == 1 and isinstance(args[0], (tuple, list)):
                shape = as_shape(args[0])
            else:
                shape = as_shape(tuple(args)) if args else as_shape(kwargs.get("size"))
        elif how == "size":
            shape = as_shape(args[0] if args else kwargs.get("size"))
        elif how == "size2":
            shape = as_shape(args[2] if len(args) > 2 else kwargs.get("size", kwargs.get("shape")))
        elif how == "torch_randint":
            shape = as_shape(args[-1] if args and isinstance(args[-1], (tuple, list)) else kwargs.get("size"))
        else:
            shape = as_shape(args[0] if args else kwargs.get("shape"))
        if shape is None or any(d is None for d in shape):
            return Unknown(f"`{path}` with a shape that is not constant")
        framework = "torch" if path.startswith("torch") else "numpy"
        return ArrayValue(shape, self.span(node), framework)

    def make_layer(self, class_name: str, rule: rules.LayerRule, args: list, kwargs: dict, node: ast.Call) -> LayerObj:
        declared = None
        if "input_shape" in kwargs:
            shape = as_shape(kwargs["input_shape"])
            declared = (None, *shape) if shape is not None else None
        elif "batch_input_shape" in kwargs:
            declared = as_shape(kwargs["batch_input_shape"])
        elif "input_dim" in kwargs and isinstance(kwargs["input_dim"], int) and rule.name != "Embedding":
            declared = (None, kwargs["input_dim"])
        if rule.family == "lambda":
            function = args[0] if args else kwargs.get("function")
            if isinstance(function, LambdaValue) and shape_preserving(function.node):
                args = ["shape-preserving", *args[1:]]
                kwargs.pop("function", None)
        named = {k: v for k, v in kwargs.items() if k not in ("input_shape", "batch_input_shape", "input_dim", "name")
                 or (k == "input_dim" and rule.name == "Embedding")}
        spec = rules.LayerSpec(rule, rule.bind(args, named), class_name)
        return LayerObj(rule.name, self.span(node), spec, None, declared)  # Keras' own class name

    def make_sequential(self, args: list, kwargs: dict, node: ast.Call) -> SequentialBuild:
        self.model_count += 1
        build = SequentialBuild(self.span(node), " > ".join(self.context), index=self.model_count)
        entries = args[0] if args else kwargs.get("layers")
        items = self.iterate(entries) if entries is not None else []
        if items is None:
            build.uncertain_from = 0
            items = []
        for item in items:
            build.entries.append(item)
        self.sequentials.append(build)
        return build

    def make_functional(self, args: list, kwargs: dict, node: ast.Call) -> object:
        inputs = args[0] if args else kwargs.get("inputs")
        outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
        if inputs is None or outputs is None:
            return Unknown("a subclassed Model")
        self.model_count += 1
        build = FunctionalBuild(self.span(node), " > ".join(self.context), flatten_tensors(inputs),
                                flatten_tensors(outputs), index=self.model_count)
        self.functionals.append(build)
        return build

    def make_input(self, args: list, kwargs: dict, node: ast.Call) -> Tensor:
        batch_shape = kwargs.get("batch_shape")
        if batch_shape is not None:
            shape = as_shape(batch_shape)
        else:
            inner = as_shape(kwargs.get("shape", args[0] if args else None))
            batch = kwargs.get("batch_size", args[1] if len(args) > 1 else None)
            shape = (batch if isinstance(batch, int) else None, *inner) if inner is not None else None
        span = self.span(node)
        return Tensor(shape, None if shape else "the Input's shape is not a constant", None, (), span)

    def apply(self, layer: LayerObj, args: list, kwargs: dict, call_span: Span) -> object:
        """A layer called on tensors: the functional API."""
        tensors = self.layer_inputs(layer, args, kwargs)
        if tensors is None:
            if any(isinstance(a, ArrayValue) for a in args):
                return Unknown("an eager call on an array")
            return Tensor(None, "the layer's input is not a known tensor", None, ())
        if layer.framework == "torch":
            tensors = self.torch_inputs(layer, tensors)
        shapes_ = [t.shape for t in tensors]
        result = apply_layer(layer, shapes_, [t.reason for t in tensors])
        if result.error is not None and layer.framework == "torch":
            result = type(result)(None, None, (), self.example_error(result.error, tensors), result.reason)
        if layer.built_input is None and shapes_ and shapes_[0] is not None:
            layer.built_input = shapes_[0]
        elif shapes_ and shapes_[0] is not None and result.error is None:
            conflict = weight_axis_conflict(layer, shapes_[0])
            if conflict:
                result = type(result)(None, None, (), ShapeError("input-mismatch", conflict), f"{layer.class_name} fails here")
        node_record = Node(layer, tuple(tensors), call_span, len(self.nodes), " > ".join(self.context), result)
        node_record.extra = tuple(flatten_tensors(list(kwargs.values())))
        self.nodes.append(node_record)
        output = result.output
        if output is not None and output and isinstance(output[0], tuple):
            outs = [Tensor(shape, None, node_record) for shape in output]
            node_record.outputs = tuple(outs)
            return outs
        reason = None if output is not None else result.reason
        if result.error is not None:
            reason = f"{layer.class_name} at line {layer.span.start_line + 1} fails"
        tensor = Tensor(output, reason, node_record)
        node_record.outputs = (tensor,)
        if layer.framework == "torch" and layer.spec is not None and layer.spec.rule.family == "torch_rnn":
            return self.rnn_outputs(layer, tensor)
        return tensor

    def layer_inputs(self, layer: LayerObj, args: list, kwargs: dict) -> Optional[list[Tensor]]:
        spec = layer.spec
        first = args[0] if args else kwargs.get("inputs", kwargs.get("query"))
        if spec is not None and spec.rule.family == "multi_head_attention":
            parts = [first, args[1] if len(args) > 1 else kwargs.get("value"), args[2] if len(args) > 2 else kwargs.get("key")]
            tensors = [p for p in parts if p is not None]
        elif layer.framework == "torch":
            tensors = [a for a in args if isinstance(a, Tensor)] or [first]
        elif isinstance(first, (list, tuple)):
            tensors = list(first)
        else:
            tensors = [first]
        if not tensors or not all(isinstance(t, Tensor) for t in tensors):
            return None
        return tensors

    # ------------------------------------------------------------------ helpers

    def iterate(self, value: object) -> Optional[list]:
        if isinstance(value, (tuple, list)):
            return list(value)
        if isinstance(value, dict):
            return list(value.keys())
        if isinstance(value, str):
            return list(value)
        return None


NAMED_VALUES = {SequentialBuild, FunctionalBuild, Instance}
NUMERIC_OPS = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
    ast.Pow: lambda a, b: a ** b if abs(b) <= 64 else math.inf,
}
COMPARE_OPS = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b,
    ast.Gt: lambda a, b: a > b,
    ast.GtE: lambda a, b: a >= b,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: lambda a, b: a is b,
    ast.IsNot: lambda a, b: a is not b,
}


def plain(value: object) -> bool:
    return isinstance(value, (int, float, str, bool, tuple, list, dict)) or value is None


def safe_key(value: object) -> object:
    return value if isinstance(value, (int, float, str, bool, tuple)) or value is None else id(value)


def as_shape(value: object) -> Optional[tuple]:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if isinstance(value, (tuple, list)) and all(
        (isinstance(d, int) and not isinstance(d, bool)) or d is None for d in value
    ):
        return tuple(value)
    return None


def flatten_tensors(value: object) -> list:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in flatten_tensors(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in flatten_tensors(item)]
    return []


ELEMENTWISE_CALLS = {
    "abs", "relu", "relu6", "sigmoid", "tanh", "exp", "log", "sqrt", "square", "negative", "sign", "softmax",
    "l2_normalize", "normalize", "cast", "clip_by_value", "clip", "gelu", "silu", "swish", "elu", "selu",
    "softplus", "leaky_relu", "floor", "ceil", "round", "rsqrt", "reciprocal", "log1p", "expm1",
}


def shape_preserving(node: ast.Lambda) -> bool:
    """``lambda x: x / 255.0`` and the like: arithmetic of the one argument with constants."""
    if len(node.args.args) != 1:
        return False
    name = node.args.args[0].arg

    def simple(expr: ast.expr) -> bool:
        if isinstance(expr, ast.Name):
            return expr.id == name
        if isinstance(expr, ast.Constant):
            return isinstance(expr.value, (int, float))
        if isinstance(expr, ast.BinOp):
            return simple(expr.left) and simple(expr.right)
        if isinstance(expr, ast.UnaryOp):
            return simple(expr.operand)
        if isinstance(expr, ast.Call) and not expr.keywords:
            func = expr.func
            leaf = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            return leaf in ELEMENTWISE_CALLS and bool(expr.args) and all(simple(a) for a in expr.args)
        return False

    return simple(node.body) and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.body))


def builds_model(node: ast.FunctionDef) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("Sequential", "Model"):
                return True
    return False


STMT_HANDLERS = {
    getattr(ast, name[5:]): function
    for name, function in vars(Interpreter).items()
    if name.startswith("stmt_") and hasattr(ast, name[5:])
}
EXPR_HANDLERS = {
    getattr(ast, name[5:]): function
    for name, function in vars(Interpreter).items()
    if name.startswith("expr_") and hasattr(ast, name[5:])
}


def tensor_index(tensor: Tensor, index: object) -> Tensor:
    """``out[:, -1, :]``, ``x[0]``, ``x[..., :3]``: the shape of a basic index."""
    shape = tensor.shape
    items = index if isinstance(index, tuple) else (index,)
    if shape is None or not all(isinstance(i, (int, slice)) or i is Ellipsis or i is None for i in items):
        return Tensor(None, "an index the analysis does not follow", None, (tensor,))
    if Ellipsis in items:
        at = items.index(Ellipsis)
        fill = len(shape) - (len([i for i in items if i is not None]) - 1)
        items = items[:at] + (slice(None),) * fill + items[at + 1:]
    out: list = []
    dims = iter(shape)
    for item in items:
        if item is None:
            out.append(1)
            continue
        dim = next(dims, "missing")
        if dim == "missing":
            return Tensor(None, "too many indices", None, (tensor,))
        if isinstance(item, slice):
            out.append(None if dim is None else len(range(dim)[item]))
    out.extend(dims)
    return Tensor(tuple(out), None, None, (tensor,))
