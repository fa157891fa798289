"""torch reshaping layers: Flatten, Unflatten, Upsample, PixelShuffle and PixelUnshuffle."""

from __future__ import annotations

from math import prod

from ... import shapes

from ...dims import differ, equal, format_shape, product
from ...rules import Applied, Args, LayerRule, ShapeError, UnknownArgument


def torch_flatten(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    start, end = args.int("start_dim") % len(shape), args.int("end_dim") % len(shape)
    return Applied((*shape[:start], product(shape[start:end + 1]), *shape[end + 1:]), 0)


def torch_unflatten(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    dim = args.int("dim") % len(shape)
    sizes = tuple(args.raw("unflattened_size"))
    if -1 not in sizes and differ(shape[dim], prod(sizes)):
        raise ShapeError("reshape-size", f"Unflatten: {format_shape(sizes)} does not hold the {shape[dim]} values of dim {dim}")
    if -1 in sizes and shape[dim] is not None:
        known = prod(s for s in sizes if s != -1)
        sizes = tuple(shape[dim] // known if s == -1 else s for s in sizes)  # type: ignore[operator]
    return Applied((*shape[:dim], *sizes, *shape[dim + 1:]), 0)


def torch_upsample(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    spatial = shape[2:]
    size, scale = args.raw("size"), args.raw("scale_factor")
    if size is not None:
        sizes = (size,) * len(spatial) if isinstance(size, int) else tuple(size)
        return Applied((*shape[:2], *sizes), 0)
    if scale is None:
        raise UnknownArgument("Upsample needs size or scale_factor")
    scales = (scale,) * len(spatial) if isinstance(scale, (int, float)) else tuple(scale)
    out = tuple(shapes.scale(n, f) for n, f in zip(spatial, scales))
    return Applied((*shape[:2], *out), 0)


def torch_pixel_shuffle(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    r = args.int("upscale_factor")
    channels = shape[-3]
    if channels is not None and equal(channels % (r * r), 0) is False:
        raise ShapeError("in-channels", f"PixelShuffle({r}) needs channels divisible by {r * r}, got {channels}")
    return Applied((*shape[:-3], None if channels is None else channels // (r * r),
                    *(None if n is None else n * r for n in shape[-2:])), 0)


def torch_pixel_unshuffle(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    r = args.int("downscale_factor")
    for axis, name in ((-2, "height"), (-1, "width")):
        size = shape[axis]
        if isinstance(size, int) and size % r:
            raise ShapeError("reshape-size", f"PixelUnshuffle({r}) needs a {name} divisible by {r}, got {size} (input "
                             f"{format_shape(shape)}); torch fails with \"pixel_unshuffle expects {name} to be divisible "
                             f"by downscale_factor, but input.size({axis})={size} is not divisible by {r}\"")
    channels = shape[-3]
    return Applied((*shape[:-3], None if channels is None else channels * r * r,
                    *(None if n is None else n // r for n in shape[-2:])), 0)


ROWS = [
    LayerRule("Flatten", torch_flatten, ("start_dim", "end_dim"), {"start_dim": 1, "end_dim": -1}, role="flatten"),
    LayerRule("Unflatten", torch_unflatten, ("dim", "unflattened_size")),
    LayerRule("Upsample", torch_upsample, ("size", "scale_factor", "mode", "align_corners"), {"size": None, "scale_factor": None}),
    LayerRule("UpsamplingNearest2d", torch_upsample, ("size", "scale_factor"), {"size": None, "scale_factor": None}),
    LayerRule("UpsamplingBilinear2d", torch_upsample, ("size", "scale_factor"), {"size": None, "scale_factor": None}),
    LayerRule("PixelShuffle", torch_pixel_shuffle, ("upscale_factor",)),
    LayerRule("PixelUnshuffle", torch_pixel_unshuffle, ("downscale_factor",)),
]
