"""Keras convolutions: Conv1D-3D, their transposes, separable and depthwise convolutions."""

from __future__ import annotations

from typing import Sequence

from ... import shapes
from ...dims import Shape, add, product
from ...rules import Applied, Args, LayerRule, ShapeError, assemble, fits, spatial_layout
from ..dialect import dialect_of
from .common import bias, check_rank, layer_name


def conv(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    rank = rule.rank
    shape = inputs[0]
    dialect = dialect_of(rule)
    check_rank(rule, args, shape, min_ndim=rank + 2)
    if len(shape) > rank + 2:
        if not dialect.extra_batch_axes(rule):
            kernel = args.ints("kernel_size", rank)
            filters = None if rule.family is depthwise_conv else args.size("filters")
            raise dialect.convolution_rank_error(rule, shape, (*kernel, shape[-1], filters if filters is not None else shape[-1]))
        # Keras 2 convolves the last rank + 1 axes and keeps every axis before them as a batch axis
        batch = shape[: len(shape) - rank - 1]
        applied = convolve(rule, args, (None, *shape[len(batch):]), shape)
        output = None if applied.output is None else (*batch, *applied.output[1:])
        return Applied(output, applied.params, applied.arithmetic)  # type: ignore[arg-type]
    return convolve(rule, args, shape, shape)


def convolve(rule: LayerRule, args: Args, shape: Shape, received: Shape) -> Applied:
    """A convolution of one batch axis; ``received`` is the input as the layer got it, for messages."""
    rank = rule.rank
    dialect = dialect_of(rule)
    depthwise = rule.family is depthwise_conv
    filters = None if depthwise else args.size("filters")
    kernel = args.ints("kernel_size", rank)
    strides = args.ints("strides", rank)
    dilation = args.ints("dilation_rate", rank)
    padding = args.str("padding").lower()
    if padding not in dialect.paddings(rule):
        raise dialect.padding_error(rule, padding)
    if max(strides) > 1 and max(dilation) > 1 and dialect.rejects_strided_dilation(rule):
        raise strided_dilation(rule, strides, dilation)
    first, spatial, channels = spatial_layout(args, shape, rank)
    axes = shapes.over_axes(spatial, shapes.keras_conv_length, kernel, strides, (padding,) * rank, dilation)
    if axes.failing is not None:
        in_ch = channels if channels is not None else "None"
        raise kernel_failure(rule, args, axes.failing, kernel, strides, dilation, spatial, received,
                             f"kernel shape=({', '.join(map(str, kernel))}, {in_ch}, "
                             f"{filters if filters is not None else channels}), strides={strides}, padding={padding}")
    arithmetic = tuple(axes.arithmetic)
    requires = fits(rule.name, axes.open)
    if channels is None:  # the filters are still known
        out_channels = None if depthwise else filters
        return Applied(assemble(shape[0], axes.sizes, out_channels, first), None, arithmetic, (), requires)
    k_prod = product(kernel)
    multiplier = args.size("depth_multiplier") if "depth_multiplier" in rule.args else 1
    if rule.family is conv:
        groups = args.int("groups") if "groups" in rule.args else 1
        params = add(k_prod * (channels // groups) * filters, bias(args, filters))
        out_channels = filters
    elif rule.family is separable_conv:
        params = add(k_prod * channels * multiplier + channels * multiplier * filters, bias(args, filters))
        out_channels = filters
    else:
        out_channels = channels * multiplier
        params = add(k_prod * channels * multiplier, bias(args, out_channels))
    return Applied(assemble(shape[0], axes.sizes, out_channels, first), params, arithmetic, (), requires)


def kernel_failure(rule: LayerRule, args: Args, axis: int, kernel: tuple, strides: tuple, dilation: tuple,
                   spatial: Sequence, received: Shape, detail: str) -> ShapeError:
    """A kernel that does not fit the input along ``axis``, in the words of the rule's version
    (``detail``: the kernel and strides as Keras prints them)."""
    return dialect_of(rule).window_error(
        rule.name, "kernel_size" if dilation[axis] == 1 else "dilated kernel", "kernel_size",
        shapes.AXIS_NAMES[rule.rank][axis], shapes.effective_kernel(kernel[axis], dilation[axis]), spatial[axis], received,
        detail, kernel=kernel[axis], dilation=dilation[axis], stride=strides[axis], name=layer_name(rule, args),
    )


def strided_dilation(rule: LayerRule, strides: tuple[int, ...], dilation: tuple[int, ...]) -> ShapeError:
    return ShapeError(
        "invalid-argument",
        f"{rule.name}: strides {strides} together with dilation_rate {dilation}; Keras fails with "
        f"\"`strides > 1` not supported in conjunction with `dilation_rate > 1`\"",
        arg="strides",
    )


def separable_conv(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    return conv(rule, args, inputs)


def depthwise_conv(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    return conv(rule, args, inputs)


def conv_transpose(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    rank = rule.rank
    shape = inputs[0]
    dialect = dialect_of(rule)
    check_rank(rule, args, shape, min_ndim=rank + 2)
    filters = args.size("filters")
    kernel = args.ints("kernel_size", rank)
    if len(shape) > rank + 2:
        raise dialect.convolution_rank_error(rule, shape, (*kernel, filters, shape[-1]))
    strides = args.ints("strides", rank)
    dilation = args.ints("dilation_rate", rank)
    padding = args.str("padding").lower()
    if padding not in ("valid", "same"):
        raise dialect.padding_error(rule, padding)
    if max(strides) > 1 and max(dilation) > 1:
        raise strided_dilation(rule, strides, dilation)
    output_padding = None if args.raw("output_padding") is None else args.ints("output_padding", rank)
    if output_padding is not None:
        for axis, (op, s) in enumerate(zip(output_padding, strides)):
            if op >= s:
                raise dialect.output_padding_error(rule, axis, op, s, output_padding, strides)
    first, spatial, channels = spatial_layout(args, shape, rank)
    axes = shapes.over_axes(spatial, shapes.keras_deconv_length, kernel, strides, (padding,) * rank, dilation,
                            output_padding or (None,) * rank)
    params = None if channels is None else add(product(kernel) * channels * filters, bias(args, filters))
    return Applied(assemble(shape[0], axes.sizes, filters, first), params, tuple(axes.arithmetic), (), fits(rule.name, axes.open))


CONV_ARGS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups", "activation", "use_bias")
CONV_DEFAULTS = {"strides": 1, "padding": "valid", "data_format": None, "dilation_rate": 1, "groups": 1, "use_bias": True}
DECONV_ARGS = ("filters", "kernel_size", "strides", "padding", "output_padding", "data_format", "dilation_rate", "activation", "use_bias")
DECONV3D_ARGS = ("filters", "kernel_size", "strides", "padding", "data_format", "output_padding", "dilation_rate", "activation", "use_bias")
DECONV_DEFAULTS = {**CONV_DEFAULTS, "output_padding": None}
SEPARABLE_ARGS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "depth_multiplier", "activation", "use_bias")
DEPTHWISE_ARGS = ("kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate", "activation", "use_bias")
WINDOW_DEFAULTS = {**CONV_DEFAULTS, "depth_multiplier": 1}
WINDOWED = {"window": True, "shrinks": True, "weight_axis": -1}
# Keras 2's Conv3DTranspose takes output_padding before data_format, like the 1-D and 2-D ones.
KERAS2 = {"Conv3DTranspose": {"args": DECONV_ARGS}}

ROWS = [
    row
    for r in (1, 2, 3)
    for row in (
        LayerRule(f"Conv{r}D", conv, CONV_ARGS, CONV_DEFAULTS, r, (f"Convolution{r}D",), ndim=r + 2, **WINDOWED),
        LayerRule(f"Conv{r}DTranspose", conv_transpose, DECONV3D_ARGS if r == 3 else DECONV_ARGS, DECONV_DEFAULTS, r,
                  (f"Convolution{r}DTranspose",), ndim=r + 2, **WINDOWED),
    )
] + [
    LayerRule("SeparableConv1D", separable_conv, SEPARABLE_ARGS, WINDOW_DEFAULTS, 1, ("SeparableConvolution1D",), ndim=3, **WINDOWED),
    LayerRule("SeparableConv2D", separable_conv, SEPARABLE_ARGS, WINDOW_DEFAULTS, 2, ("SeparableConvolution2D",), ndim=4, **WINDOWED),
    LayerRule("DepthwiseConv1D", depthwise_conv, DEPTHWISE_ARGS, WINDOW_DEFAULTS, 1, ndim=3, **WINDOWED),
    LayerRule("DepthwiseConv2D", depthwise_conv, DEPTHWISE_ARGS, WINDOW_DEFAULTS, 2, ndim=4, **WINDOWED),
]
