"""What calling a numpy (or pandas) name makes, and what an array's methods make: arrays of known
shape through factories, literals, reshapes, stacking and reductions; data read from files stays
unknown, with the reason."""

from __future__ import annotations

import ast
import math
from typing import TYPE_CHECKING, Callable, Optional

from ..dims import Shape, broadcast, is_dim, product
from ..interpreter.arrays import dtype_name, literal_dtype, literal_shape, make_array
from ..interpreter.provenance import call_notes
from ..interpreter.values import ArrayValue, QName
from ..unknown import Unknown
from . import shapes

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import NumpyPlugin

# canonical callable → how its shape is given (see interpreter/arrays.py)
ARRAY_FACTORIES = {
    "numpy.random.rand": "dims", "numpy.random.randn": "dims",
    "numpy.random.random": "size", "numpy.random.random_sample": "size", "numpy.random.sample": "size",
    "numpy.random.uniform": "size2", "numpy.random.normal": "size2", "numpy.random.randint": "size2",
    "numpy.zeros": "shape", "numpy.ones": "shape", "numpy.empty": "shape", "numpy.full": "shape",
}
INTEGER_FACTORIES = frozenset({"numpy.random.randint"})
# Readers of files: what they give is known only when the script runs.
FILE_READERS = frozenset({
    "numpy.load", "numpy.loadtxt", "numpy.genfromtxt", "numpy.fromfile", "numpy.memmap", "numpy.fromregex",
    "pandas.read_csv", "pandas.read_table", "pandas.read_excel", "pandas.read_parquet", "pandas.read_json",
    "pandas.read_pickle", "pandas.read_feather", "pandas.read_hdf", "pandas.read_sql", "pandas.read_fwf",
})
CONVERSIONS = frozenset({"array", "asarray", "asanyarray", "ascontiguousarray", "copy", "asfarray"})
LIKE = frozenset({"zeros_like", "ones_like", "empty_like", "full_like"})
# Functions (and methods) whose result has their first argument's shape.
ELEMENTWISE = frozenset({
    "sqrt", "exp", "expm1", "log", "log1p", "log2", "log10", "abs", "absolute", "fabs", "tanh", "sin", "cos",
    "floor", "ceil", "round", "around", "rint", "negative", "square", "sign", "clip", "nan_to_num", "float16",
    "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool_",
})
BINARY = frozenset({"add", "subtract", "multiply", "divide", "true_divide", "power", "maximum", "minimum", "where"})
REDUCTIONS = frozenset({
    "mean", "sum", "max", "min", "std", "var", "argmax", "argmin", "median", "prod", "amax", "amin", "nanmean",
    "nansum", "nanmax", "nanmin", "any", "all", "average", "ptp",
})
FromShape = Callable[..., object]


class Functions:
    """numpy's functions and array methods, bound to the plugin that owns the arrays they make."""

    def __init__(self, plugin: "NumpyPlugin") -> None:
        self.plugin = plugin

    # --- helpers ---

    def array_of(self, interp: "Interpreter", value: object, node: ast.AST) -> Optional[ArrayValue]:
        """An argument as an array: an array, or a literal that numpy makes one of."""
        if isinstance(value, ArrayValue):
            return value
        shape = literal_shape(value)
        if shape is None:
            return None
        return ArrayValue(shape, interp.span(node), self.plugin, None, call_notes(interp, [value], {}))

    def made(self, interp: "Interpreter", node: ast.AST, source: Optional[ArrayValue], shape: object,
             dtype: Optional[str]) -> object:
        """The array a function makes from ``source`` (a reason string when its shape is not known)."""
        if isinstance(shape, str):
            return Unknown(shape)
        if source is None:
            return ArrayValue(shape, interp.span(node), self.plugin, dtype)  # type: ignore[arg-type]
        return source.derived(shape, dtype, self.plugin, interp.span(node))  # type: ignore[arg-type]

    # --- the call hooks ---

    def hook(self, path: str) -> Optional[Callable]:
        if path in ARRAY_FACTORIES:
            return self.factory
        if path in FILE_READERS:
            return file_reader
        module, _, leaf = path.rpartition(".")
        if path == "numpy.linalg.norm":
            return self.norm
        if module == "numpy.random":
            return {"permutation": self.permutation, "shuffle": returns_none, "choice": self.choice}.get(leaf)
        if module != "numpy":
            return None
        if leaf in CONVERSIONS:
            return self.conversion
        if leaf in LIKE:
            return self.like
        if leaf in ELEMENTWISE:
            return self.elementwise
        if leaf in BINARY:
            return self.binary
        if leaf in REDUCTIONS:
            return self.reduction
        return getattr(self, f"fn_{leaf}", None)

    def factory(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        dtype = "int64" if func.path in INTEGER_FACTORIES else "float64"
        return make_array(interp, self.plugin, func.path, ARRAY_FACTORIES[func.path], args, kwargs, node, dtype)

    def conversion(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        value = args[0] if args else kwargs.get("object", kwargs.get("a"))
        dtype = dtype_name(kwargs.get("dtype", args[1] if len(args) > 1 else None))
        if isinstance(value, ArrayValue):
            return value.derived(value.shape, dtype or value.dtype, self.plugin, interp.span(node), value.ragged)
        source = self.array_of(interp, value, node)
        if source is not None:
            return source.derived(source.shape, dtype or literal_dtype(value, "float64"), self.plugin)
        if dtype == "object" and isinstance(value, (list, tuple)):
            return ArrayValue((len(value),), interp.span(node), self.plugin, "object", ragged=True)
        return Unknown(f"`{func.path}(...)` of a value whose shape is not known")

    def like(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        source = self.array_of(interp, args[0] if args else kwargs.get("a"), node)
        if source is None:
            return Unknown(f"`{func.path}(...)` of a value whose shape is not known")
        return self.made(interp, node, source, source.shape, dtype_name(kwargs.get("dtype")) or source.dtype)

    def elementwise(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        source = self.array_of(interp, args[0] if args else kwargs.get("x", kwargs.get("a")), node)
        if source is None:
            return Unknown(f"`{func.path}(...)` of a value whose shape is not known")
        cast = func.leaf if func.leaf[-1].isdigit() or func.leaf == "bool_" else None
        return self.made(interp, node, source, source.shape, cast or source.dtype)

    def binary(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        operands = [self.array_of(interp, a, node) for a in args[:3]]
        if len(operands) < 2 or any(o is None for o in operands):
            return Unknown(f"`{func.path}(...)` of values whose shapes are not known")
        shape: Optional[Shape] = operands[0].shape  # type: ignore[union-attr]
        for operand in operands[1:]:
            shape = broadcast(shape, operand.shape) if shape is not None else None  # type: ignore[union-attr]
        if shape is None:
            return Unknown(f"operands of `{func.path}` that do not broadcast (numpy raises)")
        return self.made(interp, node, operands[-1], shape, None)

    def reduction(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        value = args[0] if args else kwargs.get("a")
        if func.leaf in ("prod", "sum") and len(args) == 1 and not kwargs and isinstance(value, (tuple, list)) \
                and all(is_dim(v) for v in value):
            # `np.prod(out.size())`: the number of a shape's elements, a size like any other
            return product(value) if func.leaf == "prod" else sum(value[1:], value[0]) if value else 0
        source = self.array_of(interp, value, node)
        if source is None:
            return Unknown(f"`{func.path}(...)` of a value whose shape is not known")
        return self.reduced(interp, node, source, func.leaf, args[1:], kwargs)

    def reduced(self, interp: "Interpreter", node: ast.AST, source: ArrayValue, name: str, args: list,
                kwargs: dict) -> object:
        axis = args[0] if args else kwargs.get("axis")
        shape = shapes.reduce(source.shape, axis, kwargs.get("keepdims", False))
        if shape == ():
            return Unknown(f"the {name} of an array (a number known only when the script runs)")
        dtype = "int64" if name in ("argmax", "argmin") else "bool" if name in ("any", "all") else None
        return self.made(interp, node, source, shape, dtype)

    def norm(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        """``np.linalg.norm(x, ord=None, axis=None, keepdims=False)``: a reduction over ``axis``."""
        source = self.array_of(interp, args[0] if args else kwargs.get("x"), node)
        if source is None:
            return Unknown("`numpy.linalg.norm(...)` of a value whose shape is not known")
        axis = args[2] if len(args) > 2 else kwargs.get("axis")
        keepdims = args[3] if len(args) > 3 else kwargs.get("keepdims", False)
        return self.reduced(interp, node, source, "norm", [axis], {"keepdims": keepdims})

    def permutation(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        value = args[0] if args else kwargs.get("x")
        if isinstance(value, int) and not isinstance(value, bool):
            return ArrayValue((value,), interp.span(node), self.plugin, "int64", call_notes(interp, args, kwargs))
        source = self.array_of(interp, value, node)
        if source is None:
            return Unknown("`numpy.random.permutation(...)` of a value whose shape is not known")
        return self.made(interp, node, source, source.shape, source.dtype)

    def choice(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        size = args[1] if len(args) > 1 else kwargs.get("size")
        if size is None:
            return Unknown("one random choice")
        return make_array(interp, self.plugin, func.path, "size", [size], {}, node)

    # --- numpy functions by name (``fn_<name>``) ---

    def fn_reshape(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        source = self.array_of(interp, args[0] if args else kwargs.get("a"), node)
        target = args[1] if len(args) > 1 else kwargs.get("newshape", kwargs.get("shape"))
        if source is None:
            return Unknown("`numpy.reshape(...)` of a value whose shape is not known")
        return self.made(interp, node, source, shapes.reshape(source.shape, shapes.target_of([target])), source.dtype)

    def fn_expand_dims(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        return self.reshaped(interp, node, args, kwargs, lambda shape, rest: shapes.expand_dims(
            shape, rest[0] if rest else kwargs.get("axis")))

    def fn_squeeze(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        return self.reshaped(interp, node, args, kwargs, lambda shape, rest: shapes.squeeze(
            shape, rest[0] if rest else kwargs.get("axis")))

    def fn_transpose(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        return self.reshaped(interp, node, args, kwargs, lambda shape, rest: shapes.transpose(
            shape, rest[0] if rest else kwargs.get("axes")))

    def fn_moveaxis(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        return self.reshaped(interp, node, args, kwargs, lambda shape, rest: shapes.moveaxis(
            shape, *(rest[:2] if len(rest) >= 2 else (kwargs.get("source"), kwargs.get("destination")))))

    def fn_swapaxes(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        return self.reshaped(interp, node, args, kwargs, lambda shape, rest: shapes.swapaxes(
            shape, *(rest[:2] if len(rest) >= 2 else (kwargs.get("axis1"), kwargs.get("axis2")))))

    def fn_ravel(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        return self.reshaped(interp, node, args, kwargs, lambda shape, rest: (product(shape),))

    def reshaped(self, interp: "Interpreter", node: ast.AST, args: list, kwargs: dict, rule: FromShape) -> object:
        source = self.array_of(interp, args[0] if args else kwargs.get("a"), node)
        if source is None:
            return Unknown("an array operation on a value whose shape is not known")
        return self.made(interp, node, source, rule(source.shape, args[1:]), source.dtype)

    def fn_stack(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        return self.joined(interp, node, args, kwargs, shapes.stack)

    def fn_concatenate(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        return self.joined(interp, node, args, kwargs, shapes.concatenate)

    fn_concat = fn_concatenate

    def fn_vstack(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        return self.joined(interp, node, args, {"axis": 0}, shapes.concatenate, at_least=2)

    def fn_hstack(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        arrays = self.arrays_of(interp, args[0] if args else kwargs.get("tup"), node)
        axis = 0 if arrays and len(arrays[0].shape) == 1 else 1
        return self.joined(interp, node, args, {"axis": axis}, shapes.concatenate)

    def arrays_of(self, interp: "Interpreter", value: object, node: ast.AST) -> Optional[list[ArrayValue]]:
        items = interp.iterate(value) if not isinstance(value, ArrayValue) else None
        if items is None:
            return None
        arrays = [self.array_of(interp, item, node) for item in items]
        return None if any(a is None for a in arrays) else arrays  # type: ignore[return-value]

    def joined(self, interp: "Interpreter", node: ast.AST, args: list, kwargs: dict, rule: FromShape,
               at_least: int = 0) -> object:
        arrays = self.arrays_of(interp, args[0] if args else kwargs.get("arrays", kwargs.get("tup")), node)
        if not arrays:
            return Unknown("a sequence of arrays whose shapes are not known")
        listed = [((1,) * (at_least - len(a.shape)) + a.shape) for a in arrays]
        shape = rule(listed, args[1] if len(args) > 1 else kwargs.get("axis", 0))
        dtype = arrays[0].dtype if all(a.dtype == arrays[0].dtype for a in arrays) else None
        if isinstance(shape, str):
            return Unknown(shape)
        return ArrayValue(shape, interp.span(node), self.plugin, dtype, call_notes(interp, [arrays], {}))

    def fn_arange(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        bounds = list(args[:3])
        if not bounds or not all(isinstance(b, (int, float)) and not isinstance(b, bool) for b in bounds):
            return Unknown("`numpy.arange` with bounds that are not constant")
        start, stop, step = (0, bounds[0], 1) if len(bounds) == 1 else (bounds[0], bounds[1], bounds[2] if len(bounds) > 2 else 1)
        if step == 0:
            return Unknown("`numpy.arange` with a step of 0 (numpy raises)")
        length = max(math.ceil((stop - start) / step), 0)
        dtype = "int64" if all(isinstance(b, int) for b in bounds) else "float64"
        return ArrayValue((length,), interp.span(node), self.plugin, dtype, call_notes(interp, args, kwargs))

    def fn_linspace(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        num = args[2] if len(args) > 2 else kwargs.get("num", 50)
        return make_array(interp, self.plugin, func.path, "size", [num], {}, node, "float64")

    def fn_eye(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        rows = args[0] if args else kwargs.get("N")
        columns = args[1] if len(args) > 1 else kwargs.get("M")
        return make_array(interp, self.plugin, func.path, "shape", [(rows, rows if columns is None else columns)], {},
                          node, "float64")

    def fn_identity(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        return self.fn_eye(interp, func, args[:1], {}, node)

    # --- array methods ---

    def method(self, interp: "Interpreter", array: ArrayValue, name: str, args: list, kwargs: dict,
               node: ast.Call) -> object:
        shape = array.shape
        if name == "astype":
            dtype = dtype_name(args[0] if args else kwargs.get("dtype"))
            return array.derived(shape, dtype, span=interp.span(node), ragged=array.ragged)
        if name in ("copy", "round", "clip", "__abs__"):
            return array.derived(shape, array.dtype, span=interp.span(node), ragged=array.ragged)
        if name == "reshape":
            result: object = shapes.reshape(shape, shapes.target_of(args or [kwargs.get("shape")]))
        elif name in ("flatten", "ravel"):
            result = (product(shape),)
        elif name == "squeeze":
            result = shapes.squeeze(shape, args[0] if args else kwargs.get("axis"))
        elif name == "transpose":
            result = shapes.transpose(shape, shapes.target_of(args) if args else None)
        elif name == "swapaxes" and len(args) == 2:
            result = shapes.swapaxes(shape, args[0], args[1])
        elif name in REDUCTIONS:
            return self.reduced(interp, node, array, name, args, kwargs)
        else:
            return Unknown(f"the result of `.{name}(...)` on an array")
        if array.ragged:
            return Unknown(f"`.{name}(...)` of a ragged array (sequences of different lengths)")
        return self.made(interp, node, array, result, array.dtype)


def file_reader(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    return Unknown(f"data loaded from a file by `{func.path}(...)`: its shape is known only when the script runs")


def returns_none(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    return None
