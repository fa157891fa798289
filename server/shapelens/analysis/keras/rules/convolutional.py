"""Keras convolutions: Conv1D-3D, their transposes, separable and depthwise convolutions."""

from __future__ import annotations

from ... import shapes
from ...dims import Shape, format_shape, product
from ...rules import Applied, Args, LayerRule, ShapeError, assemble, fits, spatial_layout
from .common import bias, check_rank, window_error


def conv(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    rank = rule.rank
    shape = inputs[0]
    check_rank(rule.name, shape, min_ndim=rank + 2)
    depthwise = rule.family is depthwise_conv
    filters = None if depthwise else args.size("filters")
    kernel = args.ints("kernel_size", rank)
    if len(shape) > rank + 2:
        kernel_shape = (*kernel, shape[-1], filters if filters is not None else shape[-1])
        raise ShapeError(
            "rank-mismatch",
            f"{rule.name} convolves {rank}-D inputs ({rank + 2}-D with batch and channels) but receives "
            f"{format_shape(shape)} ({len(shape)}-D); Keras fails with \"Kernel shape must have the same length as input, "
            f"but received kernel of shape {format_shape(kernel_shape)} and input of shape {format_shape(shape)}.\"",
            expected_ndim=rank + 2,
        )
    strides = args.ints("strides", rank)
    dilation = args.ints("dilation_rate", rank)
    padding = args.str("padding").lower()
    allowed = ("valid", "same", "causal") if rank == 1 and not depthwise else ("valid", "same")
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
    axes = shapes.over_axes(spatial, shapes.keras_conv_length, kernel, strides, (padding,) * rank, dilation)
    if axes.failing is not None:
        i = axes.failing
        k_eff = shapes.effective_kernel(kernel[i], dilation[i])
        in_ch = channels if channels is not None else "None"
        raise window_error(
            rule.name, "kernel_size" if dilation[i] == 1 else "dilated kernel", "kernel_size",
            shapes.AXIS_NAMES[rank][i], k_eff, spatial[i], shape,
            f"kernel shape=({', '.join(map(str, kernel))}, {in_ch}, {filters if filters is not None else channels}), "
            f"strides={strides}, padding={padding}",
        )
    arithmetic = tuple(axes.arithmetic)
    requires = fits(rule.name, axes.open)
    if channels is None:  # the filters are still known
        out_channels = None if depthwise else filters
        return Applied(assemble(shape[0], axes.sizes, out_channels, first), None, arithmetic, (), requires)
    k_prod = product(kernel)
    multiplier = args.size("depth_multiplier") if "depth_multiplier" in rule.args else 1
    if rule.family is conv:
        groups = args.int("groups") if "groups" in rule.args else 1
        params = k_prod * (channels // groups) * filters + bias(args, filters)
        out_channels = filters
    elif rule.family is separable_conv:
        params = k_prod * channels * multiplier + channels * multiplier * filters + bias(args, filters)
        out_channels = filters
    else:
        out_channels = channels * multiplier
        params = k_prod * channels * multiplier + bias(args, out_channels)
    return Applied(assemble(shape[0], axes.sizes, out_channels, first), params, arithmetic, (), requires)


def separable_conv(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    return conv(rule, args, inputs)


def depthwise_conv(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    return conv(rule, args, inputs)


def conv_transpose(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    rank = rule.rank
    shape = inputs[0]
    check_rank(rule.name, shape, min_ndim=rank + 2)
    filters = args.size("filters")
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
    axes = shapes.over_axes(spatial, shapes.keras_deconv_length, kernel, strides, (padding,) * rank, dilation,
                            output_padding or (None,) * rank)
    params = None if channels is None else product(kernel) * channels * filters + bias(args, filters)
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
