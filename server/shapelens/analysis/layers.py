"""The table of Keras layer rules: one row per class, with Keras' own argument order and defaults.

A row names its *family*; a family is a small function from bound arguments and input shapes
to output shape, parameter count and the arithmetic behind them. The formulas themselves live
in ``shapes.py``. Adding a layer of a known family is adding a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping, NamedTuple, Optional, Sequence

from . import shapes
from .dims import format_numpy, format_shape
from .report import OutputShape, Shape

# ----------------------------------------------------------------------------- values


class Unknown:
    """A value the analysis cannot know statically, with the reason shown to the user."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


class UnknownArgument(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ShapeError(Exception):
    """What real Keras would reject. ``code`` is the diagnostic code, ``data`` helps quick fixes."""

    def __init__(self, code: str, message: str, **data: object) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class Applied(NamedTuple):  # a NamedTuple: built for every layer application, so cheap to make
    output: OutputShape
    params: Optional[int]
    arithmetic: tuple[str, ...] = ()
    warnings: tuple[tuple[str, str], ...] = ()  # (code, message)


class Args:
    """Bound constructor arguments with typed accessors that raise on unknown values."""

    def __init__(self, class_name: str, values: Mapping[str, object]) -> None:
        self.class_name = class_name
        self.values = dict(values)

    def raw(self, name: str) -> object:
        value = self.values.get(name)
        if isinstance(value, Unknown):
            raise UnknownArgument(f"argument `{name}` of {self.class_name} is not a constant ({value.reason})")
        return value

    def int(self, name: str) -> int:
        value = self.raw(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise UnknownArgument(f"argument `{name}` of {self.class_name} is not an integer: {value!r}")
        return value

    def optional_int(self, name: str) -> Optional[int]:
        return None if self.raw(name) is None else self.int(name)

    def ints(self, name: str, rank: int) -> tuple[int, ...]:
        """An int-or-tuple argument (``kernel_size=3`` or ``(3, 3)``) as a tuple of ``rank`` ints."""
        value = self.raw(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return (value,) * rank
        if isinstance(value, (tuple, list)) and len(value) == rank:
            if all(isinstance(v, int) and not isinstance(v, bool) for v in value):
                return tuple(value)
            raise UnknownArgument(f"argument `{name}` of {self.class_name} is not a constant: {value!r}")
        if isinstance(value, (tuple, list)) and len(value) == 1 and isinstance(value[0], int):
            return (value[0],) * rank
        raise UnknownArgument(f"argument `{name}` of {self.class_name} has an unexpected value {value!r}")

    def pairs(self, name: str, rank: int) -> tuple[tuple[int, int], ...]:
        """Padding/cropping: ``1``, ``(1, 2)`` per axis, or ``((1, 1), (2, 2))``."""
        value = self.raw(name)
        if isinstance(value, int):
            return ((value, value),) * rank
        if isinstance(value, (tuple, list)):
            if rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
                return ((value[0], value[1]),)
            if len(value) == rank:
                out = []
                for item in value:
                    if isinstance(item, int):
                        out.append((item, item))
                    elif isinstance(item, (tuple, list)) and len(item) == 2 and all(isinstance(v, int) for v in item):
                        out.append((item[0], item[1]))
                    else:
                        raise UnknownArgument(f"argument `{name}` of {self.class_name} is not a constant")
                return tuple(out)
        raise UnknownArgument(f"argument `{name}` of {self.class_name} has an unexpected value {value!r}")

    def str(self, name: str) -> str:
        value = self.raw(name)
        if not isinstance(value, str):
            raise UnknownArgument(f"argument `{name}` of {self.class_name} is not a string: {value!r}")
        return value

    def optional_str(self, name: str) -> Optional[str]:
        return None if self.raw(name) is None else self.str(name)

    def bool(self, name: str) -> bool:
        return bool(self.raw(name))

    def layer(self, name: str) -> "LayerSpec":
        value = self.raw(name)
        value = getattr(value, "spec", value)  # a constructed layer object carries its spec
        if not isinstance(value, LayerSpec):
            raise UnknownArgument(f"argument `{name}` of {self.class_name} is not a known layer")
        return value


@dataclass(eq=False)
class LayerSpec:
    """A constructed (not yet applied) layer: its rule and bound arguments."""

    rule: "LayerRule"
    args: Args
    class_name: str  # as written by the user (an alias keeps its own name)


# ----------------------------------------------------------------------------- helpers


AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def spatial_layout(args: Args, shape: Shape, rank: int) -> tuple[bool, tuple, Optional[int]]:
    """(channels_first, spatial dims, channels) for a conv/pool input."""
    data_format = args.values.get("data_format")
    first = data_format == "channels_first"
    if first:
        return True, tuple(shape[2:]), shape[1]
    return False, tuple(shape[1:-1]), shape[-1]


def assemble(batch, spatial, channels, channels_first: bool) -> Shape:
    return (batch, channels, *spatial) if channels_first else (batch, *spatial, channels)


fmt_shape = format_shape
np_shape = format_numpy


def check_rank(class_name: str, shape: Shape, ndim: Optional[int] = None, min_ndim: Optional[int] = None) -> None:
    """Keras' InputSpec check, in Keras 3's words."""
    if ndim is not None and len(shape) != ndim:
        expected = f"ndim={ndim}"
    elif min_ndim is not None and len(shape) < min_ndim:
        expected = f"min_ndim={min_ndim}"
    else:
        return
    raise ShapeError(
        "rank-mismatch",
        f"{class_name} expects a {ndim or min_ndim}-D input{'' if ndim else ' or more'} but receives "
        f"{fmt_shape(shape)} ({len(shape)}-D); Keras fails with \"expected {expected}, found "
        f"ndim={len(shape)}. Full shape received: {fmt_shape(shape)}\"",
        expected_ndim=ndim or min_ndim,
    )


def bias(args: Args, count: int) -> int:
    return count if args.values.get("use_bias", True) else 0


def window_error(
    class_name: str, kind: str, arg: str, axis: str, window: int, n: int, shape: Shape, detail: str
) -> ShapeError:
    k2 = f"Negative dimension size caused by subtracting {window} from {n}"
    return ShapeError(
        "negative-dimension",
        f"{class_name}: {kind} {window} does not fit input {axis} {n} (input {fmt_shape(shape)}); "
        f"Keras fails with \"Computed output size would be zero or negative\" ({detail}; "
        f"TF 2.x: \"{k2}\")",
        arg=arg,
        axis=axis,
        window=window,
        size=n,
    )


# ----------------------------------------------------------------------------- families


def conv(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    rank = rule.rank
    shape = inputs[0]
    check_rank(rule.name, shape, min_ndim=rank + 2)
    depthwise = rule.family in ("depthwise",)
    filters = None if depthwise else args.int("filters")
    kernel = args.ints("kernel_size", rank)
    if len(shape) > rank + 2:
        kernel_shape = (*kernel, shape[-1], filters or shape[-1])
        raise ShapeError(
            "rank-mismatch",
            f"{rule.name} convolves {rank}-D inputs ({rank + 2}-D with batch and channels) but receives "
            f"{fmt_shape(shape)} ({len(shape)}-D); Keras fails with \"Kernel shape must have the same length as input, "
            f"but received kernel of shape {fmt_shape(kernel_shape)} and input of shape {fmt_shape(shape)}.\"",
            expected_ndim=rank + 2,
        )
    strides = args.ints("strides", rank)
    dilation = args.ints("dilation_rate", rank)
    padding = args.str("padding").lower()
    allowed = ("valid", "same", "causal") if rank == 1 and rule.family != "depthwise" else ("valid", "same")
    if padding not in allowed:
        raise ShapeError(
            "invalid-argument",
            f"{rule.name}: padding '{padding}' is not supported; Keras fails with \"The `padding` "
            f"argument must be a list/tuple or one of {set(allowed)}. Received: {padding}\"",
            arg="padding",
        )
    if max(strides) > 1 and max(dilation) > 1:
        raise ShapeError(
            "invalid-argument",
            f"{rule.name}: strides {strides} together with dilation_rate {dilation}; Keras fails with "
            f"\"`strides > 1` not supported in conjunction with `dilation_rate > 1`\"",
            arg="strides",
        )
    first, spatial, channels = spatial_layout(args, shape, rank)
    out, arithmetic = [], []
    for axis, n, k, s, d in zip(AXIS_NAMES[rank], spatial, kernel, strides, dilation):
        size, text = shapes.keras_conv_length(n, k, s, padding, d)
        if size is not None and size <= 0:
            k_eff = shapes.effective_kernel(k, d)
            in_ch = channels if channels is not None else "None"
            raise window_error(
                rule.name, "kernel_size" if d == 1 else "dilated kernel", "kernel_size", axis, k_eff, n, shape,
                f"kernel shape=({', '.join(map(str, kernel))}, {in_ch}, {filters or channels}), "
                f"strides={strides}, padding={padding}",
            )
        out.append(size)
        if text:
            arithmetic.append(f"{axis}: {text}")
    if channels is None:
        return Applied(None, None, tuple(arithmetic))
    k_prod = shapes.product(kernel)
    multiplier = args.int("depth_multiplier") if "depth_multiplier" in rule.args else 1
    if rule.family == "conv":
        groups = args.int("groups") if "groups" in rule.args else 1
        params = k_prod * (channels // groups) * filters + bias(args, filters)
        out_channels = filters
    elif rule.family == "conv_transpose":
        params = k_prod * channels * filters + bias(args, filters)
        out_channels = filters
    elif rule.family == "separable":
        params = k_prod * channels * multiplier + channels * multiplier * filters + bias(args, filters)
        out_channels = filters
    else:  # depthwise
        out_channels = channels * multiplier
        params = k_prod * channels * multiplier + bias(args, out_channels)
    return Applied(assemble(shape[0], out, out_channels, first), params, tuple(arithmetic))


def conv_transpose(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    rank = rule.rank
    shape = inputs[0]
    check_rank(rule.name, shape, min_ndim=rank + 2)
    filters = args.int("filters")
    kernel = args.ints("kernel_size", rank)
    strides = args.ints("strides", rank)
    dilation = args.ints("dilation_rate", rank)
    padding = args.str("padding").lower()
    output_padding = None if args.raw("output_padding") is None else args.ints("output_padding", rank)
    if output_padding is not None:
        for axis, (op, s) in enumerate(zip(output_padding, strides)):
            if op >= s:
                raise ShapeError(
                    "invalid-argument",
                    f"{rule.name}: output_padding {op} is not smaller than strides {s}; Keras fails with "
                    f"\"`output_padding` must be strictly less than `strides` for all dimensions. At "
                    f"dimension {axis}, `output_padding` is {op} but `strides` is {s}.\"",
                    arg="output_padding",
                )
    first, spatial, channels = spatial_layout(args, shape, rank)
    out, arithmetic = [], []
    for i, (axis, n, k, s, d) in enumerate(zip(AXIS_NAMES[rank], spatial, kernel, strides, dilation)):
        op = None if output_padding is None else output_padding[i]
        size, text = shapes.keras_deconv_length(n, k, s, padding, d, op)
        out.append(size)
        if text:
            arithmetic.append(f"{axis}: {text}")
    params = None if channels is None else shapes.product(kernel) * channels * filters + bias(args, filters)
    return Applied(assemble(shape[0], out, filters, first), params, tuple(arithmetic))


def pool(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    rank = rule.rank
    shape = inputs[0]
    check_rank(rule.name, shape, ndim=rank + 2)
    if args.values.get("pool_size") is None:
        raise ShapeError("invalid-argument", f"{rule.name}() is missing the required argument `pool_size`", arg="pool_size")
    pool_size = args.ints("pool_size", rank)
    strides = pool_size if args.raw("strides") is None else args.ints("strides", rank)
    padding = args.str("padding").lower()
    first, spatial, channels = spatial_layout(args, shape, rank)
    out, arithmetic = [], []
    for axis, n, p, s in zip(AXIS_NAMES[rank], spatial, pool_size, strides):
        size, text = shapes.keras_conv_length(n, p, s, padding)
        if size is not None and size <= 0:
            raise window_error(
                rule.name, "pool_size", "pool_size", axis, p, n, shape,
                f"Received: inputs.shape={np_shape(shape)}, pool_size={np_shape(pool_size)}, "
                f"strides={strides}, padding={padding}",
            )
        out.append(size)
        if text:
            arithmetic.append(f"{axis}: {text}")
    return Applied(assemble(shape[0], out, channels, first), 0, tuple(arithmetic))


def global_pool(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule.name, shape, ndim=rule.rank + 2)
    first, spatial, channels = spatial_layout(args, shape, rule.rank)
    if args.bool("keepdims"):
        return Applied(assemble(shape[0], [1] * rule.rank, channels, first), 0)
    return Applied((shape[0], channels), 0)


def dense(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule.name, shape, min_ndim=2)
    units = args.int("units")
    warnings = ()
    if len(shape) >= 4:
        warnings = ((
            "dense-on-rank>2",
            f"Dense({units}) receives the {len(shape)}-D map {fmt_shape(shape)} and acts on its last axis "
            f"only, giving {fmt_shape((*shape[:-1], units))}; add Flatten() or a global pooling layer "
            f"before it if you meant a classifier head",
        ),)
    if shape[-1] is None:
        raise ShapeError(
            "undefined-dimension",
            f"Dense({units}) needs a known last dimension but receives {fmt_shape(shape)}; Keras fails with "
            f"\"Shapes used to initialize variables must be fully-defined (no `None` dimensions)\" "
            f"(TF 2.x: \"The last dimension of the inputs to a Dense layer should be defined. Found None.\")",
        )
    return Applied((*shape[:-1], units), shape[-1] * units + bias(args, units), warnings=warnings)


def flatten(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    return Applied((shape[0], shapes.product(shape[1:])), 0)


def reshape(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    target = args.raw("target_shape")
    if isinstance(target, int):
        target = (target,)
    if not isinstance(target, (tuple, list)) or not all(isinstance(d, int) for d in target):
        raise UnknownArgument("argument `target_shape` of Reshape is not a constant tuple")
    target = tuple(target)
    if target.count(-1) > 1:
        raise ShapeError("reshape-size", f"Reshape{target}: at most one -1 is allowed in target_shape", arg="target_shape")
    size = shapes.product(shape[1:])
    if size is None:
        return Applied((shape[0], *(None if d == -1 else d for d in target)), 0)
    known = shapes.product(d for d in target if d != -1)
    if -1 in target:
        if known == 0 or size % known:
            raise ShapeError(
                "reshape-size",
                f"Reshape: the input {fmt_shape(shape[1:])} has {size} values, which {fmt_shape(target)} cannot "
                f"hold; Keras fails with \"The total size of the tensor must be unchanged, however, the input "
                f"size cannot by divided by the specified dimensions in target_shape. Received: "
                f"input_shape={fmt_shape(shape[1:])}, target_shape={fmt_shape(target)}\"",
                arg="target_shape",
            )
        target = tuple(size // known if d == -1 else d for d in target)
    elif known != size:
        raise ShapeError(
            "reshape-size",
            f"Reshape: the input {fmt_shape(shape[1:])} has {size} values but target_shape {fmt_shape(target)} "
            f"has {known}; Keras fails with \"The total size of the tensor must be unchanged. Received: "
            f"input_shape={fmt_shape(shape[1:])}, target_shape={fmt_shape(target)}\"",
            arg="target_shape",
        )
    return Applied((shape[0], *target), 0)


def permute(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    dims = args.raw("dims")
    if not isinstance(dims, (tuple, list)) or sorted(dims) != list(range(1, len(shape))):
        raise UnknownArgument("argument `dims` of Permute does not match the input rank")
    return Applied((shape[0], *(shape[d] for d in dims)), 0)


def repeat_vector(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule.name, shape, ndim=2)
    return Applied((shape[0], args.int("n"), shape[1]), 0)


def same_shape(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    if rule.rank:
        check_rank(rule.name, inputs[0], ndim=rule.rank + 2)
    return Applied(inputs[0], 0)


def axis_size(shape: Shape, axis: object) -> Optional[int]:
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if not all(isinstance(a, int) and -len(shape) <= a < len(shape) for a in axes):
        raise UnknownArgument(f"axis {axis!r} does not fit the input rank {len(shape)}")
    return shapes.product(shape[a] for a in axes)


def normalization(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    """BatchNormalization, LayerNormalization, GroupNormalization: weights over the normalised axis."""
    shape = inputs[0]
    size = axis_size(shape, args.raw("axis"))
    per_channel = {"gamma": args.bool("scale"), "beta": args.bool("center")}
    if rule.name == "BatchNormalization":
        per_channel["moving statistics"] = True
        count = sum(per_channel.values()) + 1
    else:
        count = sum(per_channel.values())
    if rule.name == "GroupNormalization" and size is not None and size % args.int("groups"):
        raise ShapeError("invalid-argument", f"GroupNormalization: {size} channels are not divisible by groups={args.int('groups')}")
    return Applied(shape, None if size is None else count * size)


def prelu(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    shared = args.raw("shared_axes") or ()
    shared = (shared,) if isinstance(shared, int) else tuple(shared)
    return Applied(shape, shapes.product(1 if i in shared else d for i, d in enumerate(shape) if i > 0))


def adapt_normalization(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    if args.values.get("mean") is not None:
        return Applied(shape, 0)  # given mean and variance are constants, not weights
    size = axis_size(shape, args.raw("axis") if args.raw("axis") is not None else ())
    return Applied(shape, None if size is None else 2 * size + 1)


def resizing(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule.name, shape, min_ndim=3)
    first, _, channels = spatial_layout(args, shape, 2)
    return Applied(assemble(shape[0], (args.int("height"), args.int("width")), channels, first), 0)


def upsampling(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule.name, shape, ndim=rule.rank + 2)
    size = args.ints("size", rule.rank)
    first, spatial, channels = spatial_layout(args, shape, rule.rank)
    return Applied(assemble(shape[0], [shapes.scaled_length(n, f) for n, f in zip(spatial, size)], channels, first), 0)


def zero_padding(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule.name, shape, ndim=rule.rank + 2)
    pads = args.pairs("padding", rule.rank)
    first, spatial, channels = spatial_layout(args, shape, rule.rank)
    return Applied(assemble(shape[0], [shapes.padded_length(n, a, b) for n, (a, b) in zip(spatial, pads)], channels, first), 0)


def cropping(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule.name, shape, ndim=rule.rank + 2)
    crops = args.pairs("cropping", rule.rank)
    first, spatial, channels = spatial_layout(args, shape, rule.rank)
    out = []
    for axis, n, (a, b) in zip(AXIS_NAMES[rule.rank], spatial, crops):
        if n is not None and a + b >= n:
            raise ShapeError(
                "negative-dimension",
                f"{rule.name}: cropping ({a}, {b}) removes {a + b} of the {n} values along {axis} (input "
                f"{fmt_shape(shape)}); Keras fails with \"Values in `cropping` argument should be smaller than "
                f"the corresponding spatial dimension of the input. Received: input_shape={fmt_shape(shape)}, "
                f"cropping={tuple(crops)}\"",
                arg="cropping",
                axis=axis,
                size=n,
            )
        out.append(shapes.padded_length(n, -a, -b))
    return Applied(assemble(shape[0], out, channels, first), 0)


def center_crop(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    return resizing(rule, args, inputs)


def embedding(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    out_dim = args.int("output_dim")
    return Applied((*inputs[0], out_dim), args.int("input_dim") * out_dim)


RNN_GATES = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}


def rnn_weights(args: Args, name: str, features: int) -> int:
    units = args.int("units")
    gates = RNN_GATES[name]
    use_bias = args.values.get("use_bias", True)
    bias_count = 0
    if use_bias:
        bias_count = gates * units * (2 if name == "GRU" and args.values.get("reset_after", True) else 1)
    return gates * units * (features + units) + bias_count


def rnn(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule.name, shape, ndim=3)
    units = args.int("units")
    output = (shape[0], shape[1], units) if args.bool("return_sequences") else (shape[0], units)
    params = None if shape[2] is None else rnn_weights(args, rule.name, shape[2])
    if args.bool("return_state"):
        states = 2 if rule.name == "LSTM" else 1
        return Applied((output, *([(shape[0], units)] * states)), params)
    return Applied(output, params)


def bidirectional(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    inner = args.layer("layer")
    applied = inner.rule.apply(inner.args, inputs)
    merge_mode = args.raw("merge_mode")
    single = applied.output
    states: tuple = ()
    if single and isinstance(single[0], tuple):
        single, states = single[0], single[1:]
    if merge_mode is None:
        output: OutputShape = (single, single)
    else:
        width = single[-1] * 2 if merge_mode == "concat" and single[-1] is not None else single[-1]
        output = (*single[:-1], width)
    if states:
        output = (output, *states, *states) if merge_mode is not None else (*output, *states, *states)
    params = None if applied.params is None else 2 * applied.params
    return Applied(output, params)


def time_distributed(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    inner = args.layer("layer")
    shape = inputs[0]
    check_rank(rule.name, shape, min_ndim=3)
    applied = inner.rule.apply(inner.args, [(shape[0], *shape[2:])])
    if applied.output is None:
        return Applied(None, applied.params)
    return Applied((shape[0], shape[1], *applied.output[1:]), applied.params, applied.arithmetic)


def lambda_layer(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    output_shape = args.values.get("output_shape")
    if isinstance(output_shape, (tuple, list)) and all(isinstance(d, int) or d is None for d in output_shape):
        return Applied((inputs[0][0], *output_shape), 0)
    if args.values.get("function") == "shape-preserving":
        return Applied(inputs[0], 0)
    raise UnknownArgument("a Lambda's output shape is only known for simple element-wise functions or `output_shape=`")


def concatenate(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    axis = args.raw("axis")
    if not isinstance(axis, int):
        raise UnknownArgument("argument `axis` of Concatenate is not a constant")
    ranks = {len(s) for s in inputs}
    first = inputs[0]
    ax = axis % len(first) if -len(first) <= axis < len(first) else None
    mismatch = len(ranks) > 1 or ax is None
    if not mismatch:
        for other in inputs[1:]:
            for i, (a, b) in enumerate(zip(first, other)):
                if i != ax and a is not None and b is not None and a != b:
                    mismatch = True
    if mismatch:
        listed = ", ".join(fmt_shape(s) for s in inputs)
        raise ShapeError(
            "merge-mismatch",
            f"Concatenate(axis={axis}) needs equal shapes except along axis {axis}, but receives {listed}; "
            f"Keras fails with \"A `Concatenate` layer requires inputs with matching shapes except for the "
            f"concatenation axis. Received: input_shape=[{listed}]\"",
        )
    out = list(first)
    for i in range(len(first)):
        if i != ax:
            out[i] = next((s[i] for s in inputs if s[i] is not None), None)
    out[ax] = None if any(s[ax] is None for s in inputs) else sum(s[ax] for s in inputs)
    return Applied(tuple(out), 0)


def elementwise(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    if rule.name == "Subtract" and len(inputs) != 2:
        raise ShapeError("merge-mismatch", f"Subtract takes exactly 2 inputs, received {len(inputs)}")
    out = inputs[0][1:]
    for other in inputs[1:]:
        merged = shapes.broadcast(out, other[1:])
        if merged is None:
            raise ShapeError(
                "merge-mismatch",
                f"{rule.name} of {' and '.join(fmt_shape(s) for s in inputs)}: the shapes differ and do not "
                f"broadcast; Keras fails with \"Inputs have incompatible shapes. Received shapes "
                f"{fmt_shape(out)} and {fmt_shape(other[1:])}\"",
            )
        out = merged
    return Applied((inputs[0][0], *out), 0)


def attention(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    if len(inputs) < 2:
        raise UnknownArgument("Attention is called with [query, value] or [query, value, key]")
    query, value = inputs[0], inputs[1]
    params = int(args.bool("use_scale")) + int(args.values.get("score_mode") == "concat")
    return Applied((*query[:-1], value[-1]), params)


def multi_head_attention(rule: "LayerRule", args: Args, inputs: list[Shape]) -> Applied:
    query, value = inputs[0], inputs[1] if len(inputs) > 1 else inputs[0]
    key = inputs[2] if len(inputs) > 2 else value
    heads, key_dim = args.int("num_heads"), args.int("key_dim")
    value_dim = args.optional_int("value_dim") or key_dim
    out_dim = args.raw("output_shape")
    if isinstance(out_dim, (tuple, list)):
        out_dim = out_dim[-1] if len(out_dim) == 1 else None
    out_dim = out_dim if isinstance(out_dim, int) else query[-1]
    use_bias = args.values.get("use_bias", True)
    dims = (query[-1], key[-1], value[-1])
    if any(d is None for d in dims) or out_dim is None:
        return Applied((*query[:-1], out_dim), None)
    params = (
        query[-1] * heads * key_dim + key[-1] * heads * key_dim + value[-1] * heads * value_dim
        + heads * value_dim * out_dim
    )
    if use_bias:
        params += 2 * heads * key_dim + heads * value_dim + out_dim
    return Applied((*query[:-1], out_dim), params)


# ----------------------------------------------------------------------------- the table


Family = Callable[["LayerRule", Args, list], Applied]


@dataclass(frozen=True)
class LayerRule:
    name: str
    family: str
    args: tuple[str, ...]  # positional order, as in Keras' __init__
    defaults: Mapping[str, object] = field(default_factory=dict)
    rank: int = 0
    aliases: tuple[str, ...] = ()
    merge: bool = False  # called on a list of tensors
    # The input axis whose size is baked into the weights at build time: a later call with a
    # different size fails (Keras' InputSpec axes check).
    weight_axis: Optional[int] = None

    def apply(self, args: Args, inputs: list[Shape]) -> Applied:
        return FAMILIES[self.family](self, args, inputs)

    def bind(self, positional: Sequence[object], keywords: Mapping[str, object]) -> Args:
        values = dict(self.defaults)
        for name, value in zip(self.args, positional):
            values[name] = value
        values.update(keywords)
        return Args(self.name, values)


FAMILIES: dict[str, Family] = {
    "conv": conv,
    "separable": conv,
    "depthwise": conv,
    "conv_transpose": conv_transpose,
    "pool": pool,
    "global_pool": global_pool,
    "dense": dense,
    "flatten": flatten,
    "reshape": reshape,
    "permute": permute,
    "repeat_vector": repeat_vector,
    "same_shape": same_shape,
    "normalization": normalization,
    "prelu": prelu,
    "adapt_normalization": adapt_normalization,
    "resizing": resizing,
    "center_crop": center_crop,
    "upsampling": upsampling,
    "zero_padding": zero_padding,
    "cropping": cropping,
    "embedding": embedding,
    "rnn": rnn,
    "bidirectional": bidirectional,
    "time_distributed": time_distributed,
    "lambda": lambda_layer,
    "concatenate": concatenate,
    "elementwise": elementwise,
    "attention": attention,
    "multi_head_attention": multi_head_attention,
}

CONV_ARGS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups", "activation", "use_bias")
CONV_DEFAULTS = {"strides": 1, "padding": "valid", "data_format": None, "dilation_rate": 1, "groups": 1, "use_bias": True}
DECONV_ARGS = ("filters", "kernel_size", "strides", "padding", "output_padding", "data_format", "dilation_rate", "activation", "use_bias")
DECONV3D_ARGS = ("filters", "kernel_size", "strides", "padding", "data_format", "output_padding", "dilation_rate", "activation", "use_bias")
DECONV_DEFAULTS = {**CONV_DEFAULTS, "output_padding": None}
SEPARABLE_ARGS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "depth_multiplier", "activation", "use_bias")
DEPTHWISE_ARGS = ("kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate", "activation", "use_bias")
WINDOW_DEFAULTS = {**CONV_DEFAULTS, "depth_multiplier": 1}
POOL_ARGS = ("pool_size", "strides", "padding", "data_format")
RNN_ARGS = ("units", "activation")
RNN_DEFAULTS = {"return_sequences": False, "return_state": False, "use_bias": True, "reset_after": True}
NORM_DEFAULTS = {"axis": -1, "center": True, "scale": True}
DATA_FORMAT = {"data_format": None}


def _rows() -> list[LayerRule]:
    rows: list[LayerRule] = []
    for r in (1, 2, 3):
        d = f"{r}D"
        rows += [
            LayerRule(f"Conv{d}", "conv", CONV_ARGS, CONV_DEFAULTS, r, (f"Convolution{d}",), weight_axis=-1),
            LayerRule(f"Conv{d}Transpose", "conv_transpose", DECONV3D_ARGS if r == 3 else DECONV_ARGS,
                      DECONV_DEFAULTS, r, (f"Convolution{d}Transpose",), weight_axis=-1),
            LayerRule(f"MaxPooling{d}", "pool", POOL_ARGS,
                      {"pool_size": (2,) * r if r > 1 else 2, "strides": None, "padding": "valid", **DATA_FORMAT},
                      r, (f"MaxPool{d}",)),
            LayerRule(f"AveragePooling{d}", "pool", POOL_ARGS, {"strides": None, "padding": "valid", **DATA_FORMAT},
                      r, (f"AvgPool{d}",)),
            LayerRule(f"GlobalMaxPooling{d}", "global_pool", ("data_format", "keepdims"),
                      {"keepdims": False, **DATA_FORMAT}, r, (f"GlobalMaxPool{d}",)),
            LayerRule(f"GlobalAveragePooling{d}", "global_pool", ("data_format", "keepdims"),
                      {"keepdims": False, **DATA_FORMAT}, r, (f"GlobalAvgPool{d}",)),
            LayerRule(f"UpSampling{d}", "upsampling", ("size", "data_format"), {"size": 2, **DATA_FORMAT}, r),
            LayerRule(f"ZeroPadding{d}", "zero_padding", ("padding", "data_format"), {"padding": 1, **DATA_FORMAT}, r),
            LayerRule(f"Cropping{d}", "cropping", ("cropping", "data_format"),
                      {"cropping": (0, 0) if r == 2 else 1, **DATA_FORMAT}, r),
            LayerRule(f"SpatialDropout{d}", "same_shape", ("rate",), {}, r),
        ]
    rows += [
        LayerRule("SeparableConv1D", "separable", SEPARABLE_ARGS, WINDOW_DEFAULTS, 1, ("SeparableConvolution1D",), weight_axis=-1),
        LayerRule("SeparableConv2D", "separable", SEPARABLE_ARGS, WINDOW_DEFAULTS, 2, ("SeparableConvolution2D",), weight_axis=-1),
        LayerRule("DepthwiseConv1D", "depthwise", DEPTHWISE_ARGS, WINDOW_DEFAULTS, 1, weight_axis=-1),
        LayerRule("DepthwiseConv2D", "depthwise", DEPTHWISE_ARGS, WINDOW_DEFAULTS, 2, weight_axis=-1),
        LayerRule("Dense", "dense", ("units", "activation", "use_bias"), {"use_bias": True}, weight_axis=-1),
        LayerRule("Flatten", "flatten", ("data_format",), DATA_FORMAT),
        LayerRule("Reshape", "reshape", ("target_shape",)),
        LayerRule("Permute", "permute", ("dims",)),
        LayerRule("RepeatVector", "repeat_vector", ("n",)),
        LayerRule("BatchNormalization", "normalization", ("axis", "momentum", "epsilon", "center", "scale"), NORM_DEFAULTS, weight_axis=-1),
        LayerRule("LayerNormalization", "normalization", ("axis", "epsilon", "center", "scale"), NORM_DEFAULTS, weight_axis=-1),
        LayerRule("GroupNormalization", "normalization", ("groups", "axis", "epsilon", "center", "scale"),
                  {"groups": 32, **NORM_DEFAULTS}, weight_axis=-1),
        LayerRule("PReLU", "prelu", ("shared_axes",), {"shared_axes": None}),
        LayerRule("Normalization", "adapt_normalization", ("axis", "mean", "variance", "invert"), {"axis": -1}),
        LayerRule("Resizing", "resizing", ("height", "width"), DATA_FORMAT),
        LayerRule("CenterCrop", "center_crop", ("height", "width", "data_format"), DATA_FORMAT),
        LayerRule("Embedding", "embedding", ("input_dim", "output_dim")),
        LayerRule("SimpleRNN", "rnn", RNN_ARGS, RNN_DEFAULTS, weight_axis=-1),
        LayerRule("LSTM", "rnn", RNN_ARGS, RNN_DEFAULTS, weight_axis=-1),
        LayerRule("GRU", "rnn", RNN_ARGS, RNN_DEFAULTS, weight_axis=-1),
        LayerRule("Bidirectional", "bidirectional", ("layer", "merge_mode"), {"merge_mode": "concat"}),
        LayerRule("TimeDistributed", "time_distributed", ("layer",)),
        LayerRule("Lambda", "lambda", ("function", "output_shape")),
        LayerRule("Concatenate", "concatenate", ("axis",), {"axis": -1}, merge=True),
        LayerRule("Attention", "attention", ("use_scale", "score_mode"), {"use_scale": False, "score_mode": "dot"}, merge=True),
        LayerRule("MultiHeadAttention", "multi_head_attention",
                  ("num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape"),
                  {"value_dim": None, "use_bias": True, "output_shape": None}),
    ]
    rows += [LayerRule(name, "elementwise", (), merge=True) for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")]
    shape_preserving = {
        "Dropout": ("rate", "noise_shape", "seed"),
        "GaussianNoise": ("stddev", "seed"),
        "GaussianDropout": ("rate", "seed"),
        "AlphaDropout": ("rate", "noise_shape", "seed"),
        "ActivityRegularization": ("l1", "l2"),
        "Activation": ("activation",),
        "ReLU": ("max_value", "negative_slope", "threshold"),
        "LeakyReLU": ("negative_slope",),
        "ELU": ("alpha",),
        "Softmax": ("axis",),
        "Rescaling": ("scale", "offset"),
        "UnitNormalization": ("axis",),
        "Masking": ("mask_value",),
        "RandomFlip": ("mode",),
        "RandomRotation": ("factor",),
        "RandomZoom": ("height_factor", "width_factor"),
        "RandomContrast": ("factor",),
        "RandomTranslation": ("height_factor", "width_factor"),
        "Identity": (),
    }
    rows += [LayerRule(name, "same_shape", args) for name, args in shape_preserving.items()]
    return rows


RULES: dict[str, LayerRule] = {}
for _rule in _rows():
    RULES[_rule.name] = _rule
    for _alias in _rule.aliases:
        RULES[_alias] = _rule

# Functional-API helpers (`layers.concatenate([a, b], axis=-1)`) → the merge layer they build.
MERGE_FUNCTIONS = {
    "concatenate": "Concatenate", "add": "Add", "subtract": "Subtract", "multiply": "Multiply",
    "average": "Average", "maximum": "Maximum", "minimum": "Minimum",
}

# Layers whose output is 1x1 for the spatial-collapse warning are the windowed ones.
WINDOWED_FAMILIES = {"conv", "separable", "depthwise", "conv_transpose", "pool"}
