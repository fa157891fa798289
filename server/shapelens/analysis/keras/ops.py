"""Tensor functions of Keras 3 (``keras.ops``) and TensorFlow (``tf.*``), as custom layers use them
in ``call``: each gives the shape of its result, or a tensor of unknown shape (with the tensors it
was made from, so the model's graph stays connected) when the function or its arguments are not
followed. No error is raised here: these are shape readings, not the library's checks.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Callable, Optional

from .. import dims
from ..dims import Dim, Shape
from ..interpreter.arrays import as_shape, dtype_name, literal_dtype, literal_shape
from ..interpreter.layers import flatten_tensors
from ..interpreter.tensors import Tensor, elementwise, operand_shape
from ..interpreter.values import ArrayValue, QName
from ..unknown import Unknown

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import KerasPlugin

# Packages whose functions act on tensors (their layers and models are the frontend's).
OP_PACKAGES = ("keras.ops.", "keras.activations.", "keras.backend.", "tensorflow.")
ELEMENTWISE = {
    "relu", "relu6", "sigmoid", "tanh", "gelu", "silu", "swish", "elu", "selu", "softplus", "softsign", "leaky_relu",
    "hard_sigmoid", "hard_silu", "mish", "softmax", "log_softmax", "exp", "log", "log1p", "expm1", "sqrt", "rsqrt",
    "square", "abs", "negative", "sign", "floor", "ceil", "round", "sin", "cos", "erf", "reciprocal", "cast",
    "stop_gradient", "identity", "convert_to_tensor", "clip", "clip_by_value", "l2_normalize", "normalize",
    "dropout", "zeros_like", "ones_like", "logical_not",
}
BINARY = {"add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum", "power", "floor_divide",
          "squared_difference", "divide_no_nan", "mod", "equal", "not_equal", "greater", "less"}
REDUCTIONS = {"mean", "sum", "max", "min", "prod", "std", "var", "reduce_mean", "reduce_sum", "reduce_max",
              "reduce_min", "reduce_prod", "reduce_std", "reduce_variance", "logsumexp", "reduce_logsumexp",
              "argmax", "argmin", "any", "all"}

# Functions that make a constant tensor of data (a literal, an array).
CONSTANTS = frozenset({"convert_to_tensor", "constant", "array"})

OpFunction = Callable[[list, dict], object]


def is_op_path(path: str) -> bool:
    return path.startswith(OP_PACKAGES) and ".keras." not in path and not path.startswith("tensorflow.keras")


class TensorFunctions:
    """The call hook for every function under ``OP_PACKAGES``."""

    def __init__(self, plugin: "KerasPlugin") -> None:
        self.plugin = plugin
        self.table: dict[str, OpFunction] = {
            "reshape": reshape, "matmul": matmul, "concatenate": concatenate, "concat": concatenate, "stack": stack,
            "expand_dims": expand_dims, "squeeze": squeeze, "transpose": transpose, "shape": shape_of,
            "arange": arange, "range": arange, "extract_patches": extract_patches, "broadcast_to": broadcast_to,
            "flatten": flatten, "one_hot": one_hot, "tile": tile, "repeat": repeat, "where": where, "pad": pad,
            "einsum": einsum, "take": take,
        }

    def call(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        name = func.leaf
        tensors = flatten_tensors([*args, *kwargs.values()])
        plugin = self.plugin
        if name in ELEMENTWISE and args and isinstance(args[0], Tensor):
            return Tensor(args[0].shape, args[0].reason, None, (args[0],), None, plugin)
        if name in CONSTANTS and args and not tensors:  # `ops.convert_to_tensor([1, 3])`: a constant
            return constant(interp, args[0], kwargs, node)
        if name in BINARY and len(args) >= 2 and tensors:
            return with_framework(elementwise(args[0], args[1]), plugin)
        if name in REDUCTIONS and args and isinstance(args[0], Tensor):
            return with_framework(reduce(name, args, kwargs), plugin)
        if name == "unstack" and tensors:
            return unstack(args, kwargs, plugin)
        if name == "split" and tensors:
            # ``keras.ops.split`` cuts at indices, ``tf.split`` into pieces of the sizes given
            return split(args, kwargs, func.path.startswith("tensorflow."), plugin)
        function = self.table.get(name)
        if function is not None and (tensors or name in ("arange", "range")):
            result = function(args, kwargs)
            if isinstance(result, Tensor):
                if not result.parents:
                    result.parents = tuple(tensors)
                return with_framework(result, plugin)
            return result
        if tensors:
            return Tensor(None, f"`{func.path}` is not followed by Shape Lens", None, tuple(tensors), None, plugin)
        return Unknown(f"`{func.path}(...)` is not modelled")


def constant(interp: "Interpreter", data: object, kwargs: dict, node: ast.Call) -> object:
    """A constant made of data: an array of the literal's shape (or the array's), as numpy makes it."""
    if isinstance(data, ArrayValue):
        return data
    shape = literal_shape(data)
    if shape is None:
        return Unknown("a constant of data whose shape is not known")
    dtype = dtype_name(kwargs.get("dtype")) or literal_dtype(data, "float32")
    # Keras' and TensorFlow's integers are int32 by default
    return ArrayValue(shape, interp.span(node), interp.frameworks.owner("numpy"), "int32" if dtype == "int64" else dtype)  # type: ignore[arg-type]


def with_framework(tensor: Tensor, plugin: "KerasPlugin") -> Tensor:
    tensor.framework = plugin
    return tensor


def unknown(reason: str, *tensors: object) -> Tensor:
    return Tensor(None, reason, None, tuple(t for t in tensors if isinstance(t, Tensor)))


def argument(args: list, kwargs: dict, position: int, *names: str, default: object = None) -> object:
    if len(args) > position:
        return args[position]
    for name in names:
        if name in kwargs:
            return kwargs[name]
    return default


def axis_index(axis: object, rank: int) -> Optional[int]:
    if isinstance(axis, int) and not isinstance(axis, bool) and -rank <= axis < rank:
        return axis % rank
    return None


def reshape(args: list, kwargs: dict) -> Tensor:
    """``ops.reshape(x, (-1, n, d))``; a ``None`` in the target (``ops.shape(x)[0]`` of a symbolic
    batch) is a size nobody knows."""
    x, target = args[0], argument(args, kwargs, 1, "newshape", "new_shape", "shape")
    if not isinstance(x, Tensor) or not isinstance(target, (tuple, list)):
        return unknown("a reshape to a shape that is not known", x)
    if not all(d is None or dims.is_dim(d) for d in target):
        return unknown("a reshape to sizes that are not constant", x)
    if any(isinstance(d, int) and d < -1 for d in target):
        return unknown("a reshape to a negative size", x)
    out: list[Dim] = list(target)
    if out.count(-1) == 1:
        rest = [d for d in out if d != -1]
        total = dims.product(x.shape) if x.shape is not None else None
        known_rest = dims.product(rest)
        fill: Dim = None
        if total is not None and known_rest is not None and dims.equal(known_rest, 0) is False:
            fill = total // known_rest if isinstance(total, int) and isinstance(known_rest, int) else None
        out[out.index(-1)] = fill
    elif out.count(-1) > 1:
        return unknown("a reshape with several -1 sizes", x)
    return Tensor(tuple(out), None, None, (x,))


def matmul(args: list, kwargs: dict) -> Tensor:
    a, b = argument(args, kwargs, 0, "x1", "a"), argument(args, kwargs, 1, "x2", "b")
    if not isinstance(a, Tensor) or not isinstance(b, Tensor) or a.shape is None or b.shape is None:
        return unknown("a matmul of tensors of unknown shape", a, b)
    left, right = list(a.shape), list(b.shape)
    if kwargs.get("transpose_a") is True and len(left) >= 2:
        left[-1], left[-2] = left[-2], left[-1]
    if kwargs.get("transpose_b") is True and len(right) >= 2:
        right[-1], right[-2] = right[-2], right[-1]
    shape = dims.matmul_shape(left, right)
    return unknown(shape, a, b) if isinstance(shape, str) else Tensor(shape, None, None, (a, b))


def concatenate(args: list, kwargs: dict) -> Tensor:
    values = argument(args, kwargs, 0, "xs", "values")
    axis = argument(args, kwargs, 1, "axis", default=0)
    tensors = list(values) if isinstance(values, (list, tuple)) else []
    if not tensors or not all(isinstance(t, Tensor) and t.shape is not None for t in tensors):
        return unknown("a concatenation of tensors of unknown shape", *tensors)
    shapes = [t.shape for t in tensors]
    rank = len(shapes[0])
    where = axis_index(axis, rank)
    if where is None or any(len(s) != rank for s in shapes):
        return unknown("a concatenation the analysis does not follow", *tensors)
    out: list[Dim] = []
    for position in range(rank):
        column = [s[position] for s in shapes]
        if position == where:
            total: Dim = 0
            for size in column:
                total = dims.add(total, size)
            out.append(total)
        else:
            out.append(column[0] if all(dims.equal(c, column[0]) is True for c in column) else None)
    return Tensor(tuple(out), None, None, tuple(tensors))


def stack(args: list, kwargs: dict) -> Tensor:
    values = argument(args, kwargs, 0, "x", "values")
    axis = argument(args, kwargs, 1, "axis", default=0)
    tensors = list(values) if isinstance(values, (list, tuple)) else []
    if not tensors or not all(isinstance(t, Tensor) and t.shape is not None for t in tensors):
        return unknown("a stack of tensors of unknown shape", *tensors)
    first = tensors[0].shape
    where = axis_index(axis, len(first) + 1)
    if where is None:
        return unknown("a stack along an axis the analysis does not follow", *tensors)
    return Tensor((*first[:where], len(tensors), *first[where:]), None, None, tuple(tensors))


def expand_dims(args: list, kwargs: dict) -> Tensor:
    x, axis = args[0], argument(args, kwargs, 1, "axis")
    if not isinstance(x, Tensor) or x.shape is None:
        return unknown("expand_dims of a tensor of unknown shape", x)
    where = axis_index(axis, len(x.shape) + 1)
    if where is None:
        return unknown("expand_dims along an axis the analysis does not follow", x)
    return Tensor((*x.shape[:where], 1, *x.shape[where:]), None, None, (x,))


def squeeze(args: list, kwargs: dict) -> Tensor:
    x, axis = args[0], argument(args, kwargs, 1, "axis")
    if not isinstance(x, Tensor) or x.shape is None:
        return unknown("squeeze of a tensor of unknown shape", x)
    shape = x.shape
    if axis is None:
        if any(d is None for d in shape):
            return unknown("a squeeze of axes of unknown size", x)
        return Tensor(tuple(d for d in shape if dims.equal(d, 1) is not True), None, None, (x,))
    where = axis_index(axis, len(shape))
    if where is None or dims.equal(shape[where], 1) is not True:
        return unknown("a squeeze the analysis does not follow", x)
    return Tensor(shape[:where] + shape[where + 1:], None, None, (x,))


def transpose(args: list, kwargs: dict) -> Tensor:
    x, axes = args[0], argument(args, kwargs, 1, "axes", "perm")
    if not isinstance(x, Tensor) or x.shape is None:
        return unknown("a transpose of a tensor of unknown shape", x)
    shape = x.shape
    if axes is None:
        return Tensor(tuple(reversed(shape)), None, None, (x,))
    order = [axis_index(a, len(shape)) for a in axes] if isinstance(axes, (tuple, list)) else []
    if sorted(o for o in order if o is not None) != list(range(len(shape))) or len(order) != len(shape):
        return unknown("a transpose the analysis does not follow", x)
    return Tensor(tuple(shape[o] for o in order), None, None, (x,))  # type: ignore[index]


def reduce(name: str, args: list, kwargs: dict) -> Tensor:
    x = args[0]
    axis = argument(args, kwargs, 1, "axis")
    keep = argument(args, kwargs, 2, "keepdims", "keep_dims", default=False)
    if x.shape is None or not isinstance(keep, bool):
        return unknown("a reduction the analysis does not follow", x)
    rank = len(x.shape)
    if name.startswith("arg"):
        keep = False
    if axis is None:
        return Tensor((1,) * rank if keep else (), None, None, (x,))
    wanted = [axis_index(a, rank) for a in (axis if isinstance(axis, (tuple, list)) else (axis,))]
    if any(w is None for w in wanted):
        return unknown("a reduction along an axis the analysis does not follow", x)
    out = [1 if i in wanted else d for i, d in enumerate(x.shape)] if keep else \
        [d for i, d in enumerate(x.shape) if i not in wanted]
    return Tensor(tuple(out), None, None, (x,))


def shape_of(args: list, kwargs: dict) -> object:
    x = args[0] if args else None
    if isinstance(x, Tensor) and x.shape is not None:
        return tuple(x.shape)
    if isinstance(x, ArrayValue):
        return tuple(x.shape)
    return Unknown("the shape of a tensor of unknown shape")


def arange(args: list, kwargs: dict) -> object:
    start = argument(args, kwargs, 0, "start", default=0)
    stop = argument(args, kwargs, 1, "stop", "limit")
    step = argument(args, kwargs, 2, "step", "delta", default=1)
    if stop is None:
        start, stop = 0, start
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, stop, step)) or step == 0:
        return Tensor(None, "a range of sizes that are not constant", None, ())
    return Tensor((max(0, -(-(stop - start) // step)),), None, None, ())  # len(range(...)), for any size


def extract_patches(args: list, kwargs: dict) -> Tensor:
    """``ops.image.extract_patches(images, size)`` (channels last): ``(N, H', W', size*size*C)``;
    ``tf.image.extract_patches(images, sizes=[1, p, p, 1], strides=[1, s, s, 1], rates, padding)``."""
    images = args[0]
    size = argument(args, kwargs, 1, "size", "sizes")
    strides = argument(args, kwargs, 2, "strides")
    padding = str(kwargs.get("padding", "valid")).lower()
    if not isinstance(images, Tensor) or images.shape is None or len(images.shape) != 4:
        return unknown("patches of images of unknown shape", images)
    if isinstance(size, (list, tuple)) and len(size) == 4:
        size = tuple(size[1:3])
    if isinstance(strides, (list, tuple)) and len(strides) == 4:
        strides = tuple(strides[1:3])
    sizes = as_shape(size if isinstance(size, (list, tuple)) else (size, size))
    steps = as_shape(strides if isinstance(strides, (list, tuple)) else (strides, strides)) if strides is not None else sizes
    rates = argument(args, kwargs, 3, "dilation_rate", "rates", default=1)
    if sizes is None or steps is None or len(sizes) != 2 or len(steps) != 2 or rates not in (1, [1, 1, 1, 1], (1, 1, 1, 1)):
        return unknown("patches with sizes the analysis does not follow", images)
    if not all(isinstance(v, int) and v > 0 for v in (*sizes, *steps)):
        return unknown("patches with sizes that are not positive", images)
    batch, height, width, channels = images.shape
    spatial = []
    for n, k, s in zip((height, width), sizes, steps):
        if n is None or k is None or s is None or not isinstance(n, int):
            spatial.append(None)
        else:
            size = -(-n // s) if padding == "same" else (n - k) // s + 1
            spatial.append(size if size > 0 else None)
    depth = dims.mul(dims.mul(sizes[0], sizes[1]), channels)
    return Tensor((batch, spatial[0], spatial[1], depth), None, None, (images,))


def broadcast_to(args: list, kwargs: dict) -> Tensor:
    x, target = args[0], argument(args, kwargs, 1, "shape")
    shape = as_shape(target)
    if shape is None:
        return unknown("a broadcast to a shape that is not known", x)
    return Tensor(shape, None, None, (x,) if isinstance(x, Tensor) else ())


def flatten(args: list, kwargs: dict) -> Tensor:
    x = args[0]
    if not isinstance(x, Tensor) or x.shape is None:
        return unknown("a flatten of a tensor of unknown shape", x)
    return Tensor((dims.product(x.shape),), None, None, (x,))


def one_hot(args: list, kwargs: dict) -> Tensor:
    x, classes = args[0], argument(args, kwargs, 1, "num_classes", "depth")
    if not isinstance(x, Tensor) or x.shape is None or not dims.is_dim(classes):
        return unknown("a one-hot encoding the analysis does not follow", x)
    return Tensor((*x.shape, classes), None, None, (x,))  # type: ignore[arg-type]



MAX_PIECES = 64  # a split or unstack into more tensors is not followed


def int_list(value: object) -> Optional[list[int]]:
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in items):
        return items  # type: ignore[return-value]
    return None


def tile(args: list, kwargs: dict) -> Tensor:
    """``ops.tile(x, repeats)``: each size times its repeat, repeats aligned to the last axes (the
    shorter of the two padded with ones in front); ``tf.tile`` takes one repeat per axis. A repeat
    read off a symbolic shape (``ops.shape(x)[0]``, the batch) gives a size nobody knows."""
    x, given = args[0], argument(args, kwargs, 1, "repeats", "multiples")
    repeats = list(given) if isinstance(given, (list, tuple)) else [given]
    if not isinstance(x, Tensor) or x.shape is None or not all(r is None or dims.is_dim(r) for r in repeats):
        return unknown("a tile the analysis does not follow", x)
    shape = list(x.shape)
    rank = max(len(shape), len(repeats))
    shape = [1] * (rank - len(shape)) + shape
    repeats = [1] * (rank - len(repeats)) + repeats
    return Tensor(tuple(dims.mul(d, r) for d, r in zip(shape, repeats)), None, None, (x,))


def repeat(args: list, kwargs: dict) -> Tensor:
    """``ops.repeat(x, n, axis)``: that axis ``n`` times as long; without an axis, the flattened tensor."""
    x, count, axis = args[0], argument(args, kwargs, 1, "repeats"), argument(args, kwargs, 2, "axis")
    if not isinstance(x, Tensor) or x.shape is None or not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return unknown("a repeat the analysis does not follow", x)
    if axis is None:
        return Tensor((dims.mul(dims.product(x.shape), count),), None, None, (x,))
    where = axis_index(axis, len(x.shape))
    if where is None:
        return unknown("a repeat along an axis the analysis does not follow", x)
    return Tensor((*x.shape[:where], dims.mul(x.shape[where], count), *x.shape[where + 1:]), None, None, (x,))


def where(args: list, kwargs: dict) -> Tensor:
    """``ops.where(condition, x1, x2)``: the three broadcast together (with the condition alone,
    the indices of its true entries: as many as the data holds)."""
    operands = [argument(args, kwargs, i, name) for i, name in enumerate(("condition", "x1", "x2"))]
    if operands[1] is None or operands[2] is None:
        return unknown("`where` with a condition alone: as many indices as the data holds", operands[0])
    shapes = [operand_shape(v) for v in operands]
    shape: Optional[tuple] = ()
    for other in shapes:
        shape = None if shape is None or other is None else dims.broadcast(shape, other)
    if shape is None:
        return unknown("a `where` of operands the analysis does not broadcast", *operands)
    return Tensor(tuple(shape), None, None, tuple(v for v in operands if isinstance(v, Tensor)))


def pad(args: list, kwargs: dict) -> Tensor:
    """``ops.pad(x, [[before, after], ...])``: each axis grows by its pair (one pair per axis)."""
    x, widths = args[0], argument(args, kwargs, 1, "pad_width", "paddings")
    if not isinstance(x, Tensor) or x.shape is None or not isinstance(widths, (list, tuple)) or len(widths) != len(x.shape):
        return unknown("a pad the analysis does not follow", x)
    pairs = [int_list(pair) for pair in widths]
    if any(pair is None or len(pair) != 2 for pair in pairs):
        return unknown("a pad of widths that are not known", x)
    return Tensor(tuple(dims.add(d, pair[0] + pair[1]) for d, pair in zip(x.shape, pairs)), None, None, (x,))  # type: ignore[index]


def take(args: list, kwargs: dict) -> Tensor:
    """``ops.take(x, indices, axis)``: the indices' shape in place of that axis (of the flattened
    tensor without one); ``tf.gather`` is the same along axis 0."""
    x, indices, axis = args[0], argument(args, kwargs, 1, "indices"), argument(args, kwargs, 2, "axis")
    picked = operand_shape(indices)
    if picked is None and isinstance(indices, (list, tuple)) and all(isinstance(i, int) for i in indices):
        picked = (len(indices),)
    if not isinstance(x, Tensor) or x.shape is None or picked is None:
        return unknown("a take the analysis does not follow", x, indices)
    parents = tuple(v for v in (x, indices) if isinstance(v, Tensor))
    if axis is None:
        return Tensor(picked, None, None, parents)
    where_ = axis_index(axis, len(x.shape))
    if where_ is None:
        return unknown("a take along an axis the analysis does not follow", x, indices)
    return Tensor((*x.shape[:where_], *picked, *x.shape[where_ + 1:]), None, None, parents)


def split(args: list, kwargs: dict, sizes_given: bool, plugin: "KerasPlugin") -> object:
    """``ops.split(x, n)``: ``n`` equal pieces (a list of tensors); ``ops.split(x, [i, j])`` cuts at
    those indices, ``tf.split(x, [a, b])`` into pieces of those sizes."""
    x = args[0]
    how = argument(args, kwargs, 1, "indices_or_sections", "num_or_size_splits")
    axis = argument(args, kwargs, 2, "axis", default=0)
    where_ = axis_index(axis, len(x.shape)) if isinstance(x, Tensor) and x.shape is not None else None
    if where_ is None:
        return unknown("a split the analysis does not follow", x)
    length = x.shape[where_]
    if isinstance(how, int) and not isinstance(how, bool) and 0 < how <= MAX_PIECES:
        piece = length // how if isinstance(length, int) and length % how == 0 else None
        pieces: list[Dim] = [piece] * how
    elif isinstance(how, (list, tuple)) and int_list(how) is not None and isinstance(length, int) and len(how) < MAX_PIECES:
        cuts = int_list(how) or []
        if sizes_given:
            pieces = list(cuts)
        else:
            bounds = [0, *(min(c, length) for c in cuts), length]
            pieces = [max(0, b - a) for a, b in zip(bounds, bounds[1:])]
    else:
        return unknown("a split into pieces the analysis does not follow", x)
    return [with_framework(Tensor((*x.shape[:where_], size, *x.shape[where_ + 1:]), None, None, (x,)), plugin)
            for size in pieces]


def unstack(args: list, kwargs: dict, plugin: "KerasPlugin") -> object:
    """``ops.unstack(x, axis=a)``: a list of as many tensors as that axis is long, each without it."""
    x, axis = args[0], argument(args, kwargs, 2, "axis", default=0)
    where_ = axis_index(axis, len(x.shape)) if isinstance(x, Tensor) and x.shape is not None else None
    length = x.shape[where_] if where_ is not None else None
    if not isinstance(length, int) or length > MAX_PIECES:
        return unknown("an unstack into more tensors than the analysis follows" if isinstance(length, int) else
                       "an unstack into as many tensors as the data decides", x)
    return [with_framework(Tensor((*x.shape[:where_], *x.shape[where_ + 1:]), None, None, (x,)), plugin)
            for _ in range(length)]


def einsum(args: list, kwargs: dict) -> Tensor:
    """``ops.einsum("bij,bjk->bik", a, b)`` (``dims.einsum_shape``)."""
    spec, operands = (args[0], args[1:]) if args else (None, [])
    tensors = [t for t in operands if isinstance(t, Tensor)]
    shapes = [operand_shape(t) for t in operands]
    if not isinstance(spec, str) or not operands or any(shape is None for shape in shapes):
        return unknown("an einsum the analysis does not follow", *tensors)
    shape = dims.einsum_shape(spec, shapes)  # type: ignore[arg-type]
    return unknown(shape, *tensors) if isinstance(shape, str) else Tensor(shape, None, None, tuple(tensors))


__all__ = ["TensorFunctions", "is_op_path", "Shape"]
