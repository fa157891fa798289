"""Expressions: what each kind of ``ast`` expression evaluates to (the values decide the rest)."""

from __future__ import annotations

import ast
import math
from functools import lru_cache
from typing import TYPE_CHECKING, Optional

from ..dims import compare, is_dim, matmul_shape
from ..symbolic import Sym
from ..unknown import SomeItems, Unknown, derived, items_of_unknown_length, unknown_length, unpacked_keywords
from .env import Env
from .plugins import unmodelled
from .provenance import NOTED_TYPES, merge, noted, notes_of
from .tensors import Tensor, elementwise
from .values import NAMED_VALUES, ArrayValue, BoundMethod, Function, LambdaValue, QName, Value, is_known

if TYPE_CHECKING:
    from .core import Interpreter

STARRED = "the number of items of a starred value that cannot be iterated statically is not known"
MAX_SEQUENCE = 512  # the longest list a comprehension or `[x] * n` is evaluated for

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
PLAIN_TYPES = (int, float, str, bool, tuple, list, dict)
# f-string conversions by ``FormattedValue.conversion`` (-1, none, formats the value itself)
CONVERSIONS = {ord("s"): str, ord("r"): repr, ord("a"): ascii}
SIZE_COMPARISONS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


def symbolic_binop(op: ast.operator, left: object, right: object) -> object:
    """Arithmetic on sizes where one is symbolic: ``img_size // 4``, ``2 * num_classes``."""
    if not (is_dim(left) and is_dim(right)):
        return Unknown("arithmetic on a size that is not an integer")
    if isinstance(op, ast.Add):
        return left + right  # type: ignore[operator]
    if isinstance(op, ast.Sub):
        return left - right  # type: ignore[operator]
    if isinstance(op, ast.Mult):
        return left * right  # type: ignore[operator]
    if isinstance(op, ast.FloorDiv) and isinstance(right, int) and right > 0:
        return left // right  # type: ignore[operator]
    return Unknown("an operation on a size that depends on the input")


def plain(value: object) -> bool:
    return isinstance(value, PLAIN_TYPES) or value is None


def formattable(value: object) -> bool:
    """A value ``str % value`` formats as the program would (constants only)."""
    items = value if isinstance(value, tuple) else (value,)
    return all(isinstance(item, (int, float, str, bool)) for item in items)


IDENTITY_COMPARISONS = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)


def equal_values(first: object, second: object) -> bool:
    try:
        return (first == second) is True
    except Exception:  # noqa: BLE001 - values without equality
        return False


def same_library_object(left: QName, right: QName) -> Optional[bool]:
    """``norm_layer == nn.InstanceNorm2d``: the same canonical name is the same object, names of
    different classes are not; two paths to one class name may be one object (a re-export)."""
    if left.path == right.path:
        return True
    return None if left.leaf == right.leaf else False


def truth(value: object) -> Optional[bool]:
    """Truth in a condition; ``None`` when undecidable (an unknown, a tensor)."""
    if isinstance(value, Unknown):
        return None
    if isinstance(value, Value):
        return value.truth()
    if (value.__class__ is list or value.__class__ is tuple or value.__class__ is dict) \
            and all(item.__class__ is SomeItems for item in value):  # type: ignore[attr-defined]
        return None if value else False  # items of an unknown number only: there may be none
    try:
        return bool(value)
    except Exception:  # noqa: BLE001 - an object without truth value
        return None


def plain_binop(op: ast.operator, left: object, right: object) -> object:
    """Arithmetic on constants, sizes and sequences (not on values with behaviour of their own)."""
    if not is_known(left):
        return derived(left)  # type: ignore[arg-type]
    if not is_known(right):
        return derived(right)  # type: ignore[arg-type]
    numbers = (int, float)
    try:
        if isinstance(left, Sym) or isinstance(right, Sym):
            return symbolic_binop(op, left, right)
        if isinstance(left, numbers) and isinstance(right, numbers):
            result = NUMERIC_OPS[type(op)](left, right)
            if type(left) in NOTED_TYPES or type(right) in NOTED_TYPES:  # an assumed size stays one
                return noted(result, merge(notes_of(left), notes_of(right)))
            return result
        if isinstance(left, (tuple, list)) and isinstance(right, (tuple, list)) and isinstance(op, ast.Add):
            return left + right if type(left) is type(right) else Unknown("mixed sequences")
        if isinstance(left, (tuple, list)) and isinstance(right, int) and isinstance(op, ast.Mult):
            return left * right if right <= MAX_SEQUENCE else Unknown("a very long sequence")
        if isinstance(left, int) and isinstance(right, (tuple, list)) and isinstance(op, ast.Mult):
            return right * left if left <= MAX_SEQUENCE else Unknown("a very long sequence")
        if isinstance(left, str) and isinstance(right, str) and isinstance(op, ast.Add):
            return left + right
        if isinstance(left, str) and isinstance(op, ast.Mod) and formattable(right):
            return left % right  # "denseblock%d" % (i + 1)
    except (KeyError, ZeroDivisionError, OverflowError, ValueError, TypeError):
        return Unknown("an arithmetic operation that cannot be evaluated")
    return Unknown("an operation the analysis does not evaluate")


@lru_cache(maxsize=None)
def handler_names(cls: type, prefix: str) -> dict[type, str]:
    """A visitor class's methods by the ``ast`` node type they handle (``stmt_If`` handles ``ast.If``)."""
    return {getattr(ast, name[len(prefix):]): name for name in dir(cls)
            if name.startswith(prefix) and hasattr(ast, name[len(prefix):])}


class Evaluator:
    def __init__(self, interp: "Interpreter") -> None:
        self.interp = interp
        self.handlers = {kind: getattr(self, name) for kind, name in handler_names(type(self), "expr_").items()}

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
                value.note_use(self.interp.span(node))  # type: ignore[union-attr]
            return value
        if node is None:
            return None
        handler = self.handlers.get(kind)
        if handler is None:
            return Unknown(f"`{type(node).__name__}` expressions are not evaluated")
        return handler(node, env)

    def expr_Attribute(self, node: ast.Attribute, env: Env) -> object:
        base = self.eval(node.value, env)
        if isinstance(base, Value):
            return base.attribute(self.interp, node.attr)
        if isinstance(base, Unknown):
            return derived(base)
        if isinstance(base, (list, dict)):
            return BoundMethod(base, node.attr)
        if isinstance(base, Sym) and base.name() is not None:
            # a parameter left open (`config`): its attributes are sizes named after them (`config.n_embd`)
            return self.interp.symbols.named(f"{base.name()}.{node.attr}", f"`{base.name()}.{node.attr}`")
        return Unknown(f"attribute `{node.attr}` is not known statically")

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
                items = self.interp.spread(self.eval(elt.value, env))
                if items is None:
                    out.append(SomeItems(STARRED))
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
                else:  # `{**config}` of what cannot be read: keys not known
                    lost = SomeItems(f"the keys `**{self.interp.positions.label(value, 40)}` adds cannot be read statically")
                    out[lost] = Unknown(lost.reason)
            elif isinstance(k, (str, int, float, bool, tuple)) or k is None:
                out[k] = v
        return out

    def expr_JoinedStr(self, node: ast.JoinedStr, env: Env) -> object:
        """``f"conv{i}"``: the string, when every part is a known constant (layer names built in loops)."""
        parts: list[str] = []
        unknown: Optional[Unknown] = None
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append(str(part.value))
                continue
            if not isinstance(part, ast.FormattedValue):
                return Unknown("an f-string")
            # every part is evaluated, known or not: a call in a later one (``{model(x).shape}``) is checked too
            value = self.eval(part.value, env)
            spec = self.eval(part.format_spec, env) if part.format_spec is not None else ""
            if unknown is not None:
                continue
            if not isinstance(value, (int, float, str, bool)) or not isinstance(spec, str):
                unknown = Unknown("an f-string with a value that is not known")
                continue
            conversion = CONVERSIONS.get(part.conversion)
            try:
                parts.append(format(value if conversion is None else conversion(value), spec))
            except (ValueError, TypeError):
                unknown = Unknown("an f-string with a format the analysis does not read")
        return "".join(parts) if unknown is None else unknown

    def expr_Lambda(self, node: ast.Lambda, env: Env) -> object:
        return LambdaValue(node, env, self.interp.classes.function_defaults(node, env))  # type: ignore[arg-type]

    def expr_IfExp(self, node: ast.IfExp, env: Env) -> object:
        mark = len(self.interp.reads)
        test = truth(self.eval(node.test, env))
        if test is not None:
            if len(self.interp.reads) > mark:  # decided by an assumed value
                with self.interp.assuming(tuple(self.interp.reads[mark:])):
                    return noted(self.eval(node.body if test else node.orelse, env), self.interp.active_notes())
            return self.eval(node.body if test else node.orelse, env)
        with self.interp.undecided(node.test):
            body, orelse = self.eval(node.body, env), self.eval(node.orelse, env)
        return body if equal_values(body, orelse) and is_known(body) else Unknown("depends on a condition")

    def expr_NamedExpr(self, node: ast.NamedExpr, env: Env) -> object:
        value = self.eval(node.value, env)
        self.interp.assign(node.target, value, env)
        return value

    def expr_Starred(self, node: ast.Starred, env: Env) -> object:
        return self.eval(node.value, env)

    def expr_UnaryOp(self, node: ast.UnaryOp, env: Env) -> object:
        operand = self.eval(node.operand, env)
        if isinstance(node.op, ast.Not):
            value = truth(operand)
            return Unknown("negated unknown") if value is None else not value
        if isinstance(operand, (int, float)) and not isinstance(operand, bool):
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return operand
        if isinstance(operand, Tensor):
            return Tensor(operand.shape, operand.reason, None, (operand,))
        if isinstance(operand, Value):
            return operand.binary(self.interp, 0)  # `-x`: the shape of an element-wise operation
        return Unknown("an operation on an unknown value")

    def expr_BinOp(self, node: ast.BinOp, env: Env) -> object:
        return self.binop(node.op, self.eval(node.left, env), self.eval(node.right, env))

    def binop(self, op: ast.operator, left: object, right: object) -> object:
        if isinstance(left, Tensor) or isinstance(right, Tensor):
            return tensor_arithmetic(self.interp, op, left, right)
        if isinstance(op, ast.MatMult) and (isinstance(left, Value) or isinstance(right, Value)):
            return array_product(left, right)
        if isinstance(left, Value):
            return left.binary(self.interp, right)
        if isinstance(right, Value):
            return right.binary(self.interp, left)
        return plain_binop(op, left, right)

    def expr_BoolOp(self, node: ast.BoolOp, env: Env) -> object:
        values = [self.eval(v, env) for v in node.values]
        if not all(is_known(v) and truth(v) is not None for v in values):
            return Unknown("a condition on unknown values")
        result = values[0]
        for value in values[1:]:
            result = (result and value) if isinstance(node.op, ast.And) else (result or value)
        return result

    def expr_Compare(self, node: ast.Compare, env: Env) -> object:
        left = self.eval(node.left, env)
        for op, comparator in zip(node.ops, node.comparators):
            right = self.eval(comparator, env)
            if len(node.ops) == 1 and not isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) and (
                    isinstance(left, Value) or isinstance(right, Value)) and not (
                    left.__class__ is QName and right.__class__ is QName):
                # `y > 0.5` on an array: an element-wise comparison, shaped like the operands
                if isinstance(left, Tensor) or isinstance(right, Tensor):
                    return elementwise(left, right)
                return left.compare(self.interp, right) if isinstance(left, Value) else right.compare(self.interp, left)  # type: ignore[union-attr]
            if isinstance(op, (ast.Is, ast.IsNot)) and (left is None or right is None):
                result = (left is right) if isinstance(op, ast.Is) else (left is not right)
            elif left.__class__ is QName is right.__class__ and type(op) in IDENTITY_COMPARISONS and (
                    same := same_library_object(left, right)) is not None:  # type: ignore[arg-type]
                result = same == (type(op) in (ast.Eq, ast.Is))
            elif (isinstance(left, Sym) or isinstance(right, Sym)) and type(op) in SIZE_COMPARISONS:
                decided = compare(left, SIZE_COMPARISONS[type(op)], right) if is_dim(left) and is_dim(right) else None
                if decided is None:
                    return Unknown("a comparison of sizes that depends on the input")
                result = decided
            elif not is_known(left) or not is_known(right) or not plain(left) or not plain(right):
                return Unknown("a comparison with unknown values")
            else:
                try:
                    result = COMPARE_OPS[type(op)](left, right)
                except Exception:  # noqa: BLE001
                    return Unknown("a comparison that cannot be evaluated")
                if (type(op) is ast.In or type(op) is ast.NotIn) and isinstance(right, (list, tuple, dict)) \
                        and unknown_length(right) and left not in right:
                    return Unknown("whether an item is in a list whose items are not known statically")
            if not result:
                return False
            left = right
        return True

    def expr_Subscript(self, node: ast.Subscript, env: Env) -> object:
        base = self.eval(node.value, env)
        index = self.eval(node.slice, env)
        if isinstance(base, Value):
            return base.subscript(self.interp, index)
        if isinstance(base, (tuple, list, str)) and is_known(index):
            try:
                if isinstance(index, slice) or (isinstance(index, int) and not isinstance(index, bool)):
                    if not isinstance(base, str) and unknown_length(base):
                        return items_of_unknown_length(base, index)
                    return base[index]
            except (IndexError, TypeError, ValueError):
                return Unknown("an index out of range")
        if isinstance(base, dict) and is_known(index):
            try:
                return base.get(index, Unknown("a missing key"))
            except TypeError:
                return Unknown("an unhashable key")
        if isinstance(base, Unknown):
            return derived(base)
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
        items = self.interp.iterate(self.eval(generator.iter, env))
        if items is None or len(items) > MAX_SEQUENCE:
            return Unknown("a comprehension over an unknown sequence")
        scope = Env(env)
        out = []
        for item in items:
            self.interp.assign(generator.target, item, scope)
            conditions = [self.eval(cond, scope) for cond in generator.ifs]
            if any(not is_known(c) for c in conditions):
                return Unknown("a comprehension with an unknown condition")
            if all(conditions):
                out.append(self.eval(node.elt, scope))
        return out

    def expr_DictComp(self, node: ast.DictComp, env: Env) -> object:
        """``{name: Dense(units) for name, units in tasks.items()}``: pairs made like a list's items."""
        pairs = self.expr_ListComp(ast.ListComp(elt=ast.Tuple(elts=[node.key, node.value], ctx=ast.Load()),
                                                generators=node.generators), env)
        if not isinstance(pairs, list):
            return pairs
        out: dict = {}
        for key, value in pairs:
            out[key if plain(key) and not isinstance(key, (list, dict)) else Unknown("an unknown key")] = value
        return out

    def expr_GeneratorExp(self, node: ast.GeneratorExp, env: Env) -> object:
        value = self.expr_ListComp(node, env)  # type: ignore[arg-type]
        return tuple(value) if isinstance(value, list) else value

    def expr_Call(self, node: ast.Call, env: Env) -> object:
        evaluate = self.eval
        func = evaluate(node.func, env)
        args: list = []
        for arg in node.args:
            kind = type(arg)
            if kind is ast.Constant:  # the commonest argument, inline
                args.append(arg.value)  # type: ignore[attr-defined]
            elif kind is ast.Starred:
                items = self.interp.spread(evaluate(arg.value, env))  # type: ignore[attr-defined]
                if items is None:
                    args.append(SomeItems(STARRED))
                else:
                    args.extend(items)
            else:
                args.append(evaluate(arg, env))
        kwargs: dict = {}
        for keyword in node.keywords:
            given = keyword.value
            value = given.value if type(given) is ast.Constant else evaluate(given, env)  # type: ignore[attr-defined]
            if keyword.arg is None:
                kwargs.update(unpacked_keywords(value, f"**{self.interp.positions.label(given, 40)}"))
            else:
                kwargs[keyword.arg] = value
        if isinstance(func, Value):
            interp = self.interp
            if env is interp.module and isinstance(func, Function):
                interp.note_module_call(func, args, kwargs)
            interp.sites.append(node)
            try:
                return func.call(interp, args, kwargs, node)
            finally:
                interp.sites.pop()
        if isinstance(func, Unknown):
            return unmodelled(func.reason, args, kwargs, opaque=True)
        return unmodelled("a call of something the analysis does not model", args, kwargs, opaque=True)


def tensor_arithmetic(interp: "Interpreter", op: ast.operator, left: object, right: object,
                      product: str = "matmul") -> Tensor:
    """``x + y``, ``out += identity``, ``x @ w`` with a model's tensor; operands whose sizes do not
    broadcast or multiply are the framework's to report (``Plugin.operands_mismatch``; ``product``:
    the function a matrix product is, ``torch.bmm`` stricter than ``@``)."""
    matrix = isinstance(op, ast.MatMult)
    result = elementwise(left, right, matrix)
    if matrix and result.shape is not None and result.framework is not None:
        result.framework.matrix_product(result)
    if result.shape is None:
        # a data tensor or parameter (``x + self.pos_embed``) counts by its shape
        a, b = (Tensor(v.shape, None, None, ()) if isinstance(v, ArrayValue) else v for v in (left, right))
        framework = result.framework
        if isinstance(a, Tensor) and isinstance(b, Tensor) and a.shape is not None and b.shape is not None \
                and framework is not None:
            framework.operands_mismatch(interp, a, b, result, product if matrix else None)
    return result


def array_product(left: object, right: object) -> object:
    """``features @ weights`` of two data arrays: the matrix product's shape."""
    if not isinstance(left, ArrayValue) or not isinstance(right, ArrayValue):
        return Unknown("a matrix product the analysis does not evaluate")
    shape = matmul_shape(left.shape, right.shape)
    if isinstance(shape, str):
        return Unknown(shape)
    return ArrayValue(shape, left.span, left.framework, left.dtype if left.dtype == right.dtype else None,
                      merge(left.notes, right.notes))
