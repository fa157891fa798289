"""torch pooling: MaxPool / AvgPool 1d-3d and the adaptive forms."""

from __future__ import annotations

from ... import shapes
from ...dims import Shape, compare, format_shape
from ...rules import Applied, Args, LayerRule, ShapeError, UnknownArgument, at_least, fits
from .common import rejoin, split_batch


def pool_failure(rule: LayerRule, shape: Shape, spatial: list) -> str:
    """torch's own words; 1-D average pooling runs as 2-D with a height of 1."""
    if rule.name == "MaxPool1d":
        return f"max_pool1d() Invalid computed output size: {spatial[0]}"
    before, after = list(shape[2:]), list(spatial)
    if rule.rank == 1:
        before, after = [1, *before], [1, *after]
    as_text = lambda dims: "x".join("N" if d is None else str(d) for d in (shape[1], *dims))  # noqa: E731
    return f"Given input size: ({as_text(before)}). Calculated output size: ({as_text(after)}). Output size is too small"


def torch_pool(rule: LayerRule, args: Args, inputs: list) -> Applied:
    rank = rule.rank
    batched, shape = split_batch(rule, inputs[0], rank, rule.name.lower())
    kernel = args.ints("kernel_size", rank)
    stride = kernel if args.raw("stride") is None else args.ints("stride", rank)
    padding = args.ints("padding", rank)
    dilation = args.ints("dilation", rank) if "dilation" in rule.args else (1,) * rank
    ceil_mode = args.bool("ceil_mode")
    for p, k, d in zip(padding, kernel, dilation):
        if p > (d * (k - 1) + 1) / 2:
            raise ShapeError(
                "invalid-argument",
                f"{rule.name}: padding {p} is more than half the window {k}; torch fails with \"pad should be at most "
                f"half of effective kernel size, but got pad={p}, kernel_size={k} and dilation={d}\"",
                arg="padding",
            )
    if rule.name == "AvgPool3d" and any(compare(n, "<", k) is True for n, k in zip(shape[2:], kernel)):
        # torch's 3-D average pooling checks the unpadded input against the kernel
        sizes = " ".join(f"{a}: {n}" for a, n in zip("THW", shape[2:]))
        kernels = " ".join(f"k{a}: {k}" for a, k in zip("THW", kernel))
        raise ShapeError(
            "negative-dimension",
            f"AvgPool3d: kernel_size {kernel} is larger than the unpadded input {tuple(shape[2:])}; torch fails with "
            f"\"input image ({sizes}) smaller than kernel size ({kernels})\"",
            arg="kernel_size",
        )
    requires: tuple = ()
    if rule.name == "AvgPool3d":
        for axis, n, k in zip(shapes.AXIS_NAMES[rank], shape[2:], kernel):
            requires += at_least(n, k, f"{rule.name} {axis} (unpadded)")
    axes = shapes.over_axes(shape[2:], shapes.torch_window_length, kernel, stride, padding, dilation, (ceil_mode,) * rank)
    if axes.failing is not None:
        i = axes.failing
        axis, n, k = shapes.AXIS_NAMES[rank][i], shape[2 + i], kernel[i]
        raise ShapeError(
            "negative-dimension",
            f"{rule.name}: kernel_size {k} does not fit input {axis} {n} (input {format_shape(inputs[0])}); torch fails "
            f"with \"{pool_failure(rule, shape, axes.sizes)}\"",
            arg="kernel_size", axis=axis, window=k, size=n,
        )
    return Applied(rejoin(batched, (shape[0], shape[1], *axes.sizes)), 0, tuple(axes.arithmetic), (),
                   requires + fits(rule.name, axes.open))


def torch_adaptive_pool(rule: LayerRule, args: Args, inputs: list) -> Applied:
    rank = rule.rank
    batched, shape = split_batch(rule, inputs[0], rank, rule.name.lower())
    size = args.raw("output_size")
    sizes = (size,) * rank if isinstance(size, int) or size is None else tuple(size)
    if len(sizes) != rank:
        raise UnknownArgument("output_size does not match the pooling rank")
    spatial = tuple(n if s is None else s for n, s in zip(shape[2:], sizes))
    return Applied(rejoin(batched, (shape[0], shape[1], *spatial)), 0)


ROWS = [
    row
    for r in (1, 2, 3)
    for row in (
        LayerRule(f"MaxPool{r}d", torch_pool, ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
                  {"stride": None, "padding": 0, "dilation": 1, "ceil_mode": False}, r, ndim=r + 2),
        LayerRule(f"AvgPool{r}d", torch_pool, ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
                  {"stride": None, "padding": 0, "ceil_mode": False}, r, ndim=r + 2),
        LayerRule(f"AdaptiveAvgPool{r}d", torch_adaptive_pool, ("output_size",), {}, r, ndim=r + 2),
        LayerRule(f"AdaptiveMaxPool{r}d", torch_adaptive_pool, ("output_size", "return_indices"), {}, r, ndim=r + 2),
    )
]
