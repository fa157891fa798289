"""torch convolutions: Conv1d-3d, ConvTranspose1d-3d and their lazy forms."""

from __future__ import annotations

from math import prod

from ... import shapes
from ...dims import Shape, add, compare, differ, format_shape
from ...rules import Applied, Args, LayerRule, ShapeError, UnknownArgument, equal_to, fits
from .common import dims_text, rejoin, split_batch


def padding_of(args: Args, rank: int, kernel, dilation, stride) -> tuple[int, ...]:
    padding = args.raw("padding")
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * rank
        if padding == "same":
            if max(stride) > 1:
                raise ShapeError("invalid-argument", "torch fails with \"padding='same' is not supported for strided convolutions\"", arg="padding")
            return tuple((d * (k - 1)) // 2 for k, d in zip(kernel, dilation))
        raise UnknownArgument(f"padding '{padding}' is not a torch padding mode")
    return args.ints("padding", rank)


def channel_error(rule: LayerRule, args: Args, shape: Shape, expected: int, got: int, weight: list) -> ShapeError:
    return ShapeError(
        "in-channels",
        f"{rule.name} expects {expected} input channels (in_channels={expected}) but receives {got} "
        f"(input {format_shape(shape)}); torch fails with \"Given groups={args.values.get('groups', 1)}, weight of size "
        f"{dims_text(weight)}, expected input{dims_text(shape)} to have {expected} channels, but got {got} channels instead\"",
        arg="in_channels",
        expected=got,
    )


def per_channel(dims) -> str:
    return " x ".join("N" if d is None else str(d) for d in dims)


def transposed_axes(rule: LayerRule, args: Args, inputs: list, shape: Shape, kernel, stride, dilation) -> shapes.Axes:
    rank = rule.rank
    padding = args.ints("padding", rank)
    output_padding = args.ints("output_padding", rank)
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= s and op >= d:
            raise ShapeError(
                "invalid-argument",
                f"{rule.name}: output_padding {op} must be smaller than stride {s} or dilation {d}; torch fails with "
                f"\"output padding must be smaller than either stride or dilation\"",
                arg="output_padding",
            )
    axes = shapes.over_axes(shape[2:], shapes.torch_deconv_length, kernel, stride, padding, dilation, output_padding)
    if axes.failing is not None:
        raise ShapeError(
            "negative-dimension",
            f"{rule.name}: the output would be {format_shape(tuple(axes.sizes))} (input {format_shape(inputs[0])}, padding "
            f"{padding}); torch fails with \"Given input size per channel: ({per_channel(shape[2:])}). Calculated "
            f"output size per channel: ({per_channel(axes.sizes)}). Output size is too small\"",
            arg="padding",
        )
    return axes


def sliding_axes(rule: LayerRule, args: Args, inputs: list, shape: Shape, kernel, stride, dilation) -> shapes.Axes:
    rank = rule.rank
    if args.raw("padding") == "same":
        padding_of(args, rank, kernel, dilation, stride)  # rejects strides
        return shapes.over_axes(shape[2:], shapes.torch_same_length)
    padding = padding_of(args, rank, kernel, dilation, stride)
    axes = shapes.over_axes(shape[2:], shapes.torch_window_length, kernel, stride, padding, dilation)
    for axis, n, k, p, d in zip(shapes.AXIS_NAMES[rank], shape[2:], kernel, padding, dilation):
        if compare(add(n, 2 * p), "<", d * (k - 1) + 1) is True:
            padded = " x ".join(str(m + 2 * q) if m is not None else "N" for m, q in zip(shape[2:], padding))
            kernel_text = " x ".join(str(e * (c - 1) + 1) for c, e in zip(kernel, dilation))
            raise ShapeError(
                "negative-dimension",
                f"{rule.name}: kernel_size {d * (k - 1) + 1} does not fit input {axis} {n + 2 * p} (input "
                f"{format_shape(inputs[0])}, padding {p}); torch fails with \"Calculated padded input size per channel: "
                f"({padded}). Kernel size: ({kernel_text}). Kernel size can't be greater than actual input size\"",
                arg="kernel_size", axis=axis, window=d * (k - 1) + 1, size=n + 2 * p,
            )
    return axes


def torch_conv(rule: LayerRule, args: Args, inputs: list) -> Applied:
    rank = rule.rank
    batched, shape = split_batch(rule, inputs[0], rank, f"conv{rank}d")
    lazy = rule.name.startswith("Lazy")
    transpose = "Transpose" in rule.name
    out_channels = args.size("out_channels")
    kernel = args.ints("kernel_size", rank)
    stride = args.ints("stride", rank)
    dilation = args.ints("dilation", rank)
    groups = args.int("groups")
    channels = shape[1]
    in_channels = channels if lazy else args.size("in_channels")
    requires = () if lazy else equal_to(channels, in_channels, f"{rule.name} in_channels", "in-channels")
    if not lazy and differ(channels, in_channels):
        weight = [in_channels, out_channels // groups, *kernel] if transpose else [out_channels, in_channels // groups, *kernel]
        raise channel_error(rule, args, inputs[0], in_channels, channels, weight)
    if transpose:
        axes = transposed_axes(rule, args, inputs, shape, kernel, stride, dilation)
        params = None if in_channels is None else in_channels * (out_channels // groups) * prod(kernel)
    else:
        axes = sliding_axes(rule, args, inputs, shape, kernel, stride, dilation)
        params = None if in_channels is None else out_channels * (in_channels // groups) * prod(kernel)
    use_bias = args.flag("bias")
    if params is not None and use_bias is not False:
        params = None if use_bias is None else params + out_channels
    requires += fits(rule.name, axes.open)
    return Applied(rejoin(batched, (shape[0], out_channels, *axes.sizes)), params, tuple(axes.arithmetic), (), requires)


CONV = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias")
CONV_T = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "groups", "bias", "dilation")
CONV_DEFAULTS = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True, "output_padding": 0}

ROWS = [
    row
    for r in (1, 2, 3)
    for row in (
        LayerRule(f"Conv{r}d", torch_conv, CONV, CONV_DEFAULTS, r, ndim=r + 2),
        LayerRule(f"ConvTranspose{r}d", torch_conv, CONV_T, CONV_DEFAULTS, r, ndim=r + 2),
        LayerRule(f"LazyConv{r}d", torch_conv, CONV[1:], CONV_DEFAULTS, r, ndim=r + 2),
        LayerRule(f"LazyConvTranspose{r}d", torch_conv, CONV_T[1:], CONV_DEFAULTS, r, ndim=r + 2),
    )
]
