"""Keras reshaping layers: Flatten, Reshape, Permute, RepeatVector, and the spatial ones
(UpSampling, ZeroPadding, Cropping, Resizing, CenterCrop, RandomCrop)."""

from __future__ import annotations

from ... import shapes
from ...dims import Shape, compare, differ, equal, product
from ...rules import Applied, Args, LayerRule, UnknownArgument, assemble, at_least, equal_to, spatial_layout
from ..dialect import dialect_of
from .common import check_rank


def flatten(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    return Applied((shape[0], product(shape[1:])), 0)


def reshape(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    target = args.raw("target_shape")
    if isinstance(target, int):
        target = (target,)
    if not isinstance(target, (tuple, list)) or not all(isinstance(d, int) for d in target):
        raise UnknownArgument("argument `target_shape` of Reshape is not a constant tuple")
    target = tuple(target)
    dialect = dialect_of(rule)
    if target.count(-1) > 1:
        raise dialect.two_unknown_dimensions(target)
    size = product(shape[1:])
    if size is None:
        return Applied((shape[0], *(None if d == -1 else d for d in target)), 0)
    known = product(d for d in target if d != -1)
    if -1 in target:
        if known == 0 or equal(size % known, 0) is False:  # type: ignore[operator]
            raise dialect.reshape_error(shape, target, size, known, inferred=True)  # type: ignore[arg-type]
        target = tuple(size // known if d == -1 else d for d in target)  # type: ignore[operator]
        return Applied((shape[0], *target), 0)
    if differ(known, size):
        raise dialect.reshape_error(shape, target, size, known, inferred=False)  # type: ignore[arg-type]
    return Applied((shape[0], *target), 0, requires=equal_to(size, known, "Reshape's target holds every value", "reshape-size"))


def permute(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    dims = args.raw("dims")
    if not isinstance(dims, (tuple, list)) or sorted(dims) != list(range(1, len(shape))):
        raise UnknownArgument("argument `dims` of Permute does not match the input rank")
    return Applied((shape[0], *(shape[d] for d in dims)), 0)


def repeat_vector(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule, args, shape, ndim=2)
    return Applied((shape[0], args.size("n"), shape[1]), 0)


def resizing(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule, args, shape, min_ndim=3)
    first, _, channels = spatial_layout(args, shape, 2)
    return Applied(assemble(shape[0], (args.size("height"), args.size("width")), channels, first), 0)


def upsampling(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule, args, shape, ndim=rule.rank + 2)
    size = args.ints("size", rule.rank)
    first, spatial, channels = spatial_layout(args, shape, rule.rank)
    return Applied(assemble(shape[0], [shapes.scaled_length(n, f) for n, f in zip(spatial, size)], channels, first), 0)


def zero_padding(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule, args, shape, ndim=rule.rank + 2)
    pads = args.pairs("padding", rule.rank)
    first, spatial, channels = spatial_layout(args, shape, rule.rank)
    return Applied(assemble(shape[0], [shapes.padded_length(n, a, b) for n, (a, b) in zip(spatial, pads)], channels, first), 0)


def cropping(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule, args, shape, ndim=rule.rank + 2)
    crops = args.pairs("cropping", rule.rank)
    first, spatial, channels = spatial_layout(args, shape, rule.rank)
    dialect = dialect_of(rule)
    out = []
    requires: tuple = ()
    for axis, n, (a, b) in zip(shapes.AXIS_NAMES[rule.rank], spatial, crops):
        fails = dialect.crops_everything(rule.rank)
        if fails:
            requires += at_least(n, a + b + 1, f"{rule.name} {axis}")
        if compare(n, "<=", a + b) is True:
            if fails:
                raise dialect.cropping_error(rule, axis, n, a, b, shape, crops)  # type: ignore[arg-type]
            out.append(0)  # the slice is empty
            continue
        out.append(shapes.padded_length(n, -a, -b))
    return Applied(assemble(shape[0], out, channels, first), 0, requires=requires)


def center_crop(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    return resizing(rule, args, inputs)


DATA_FORMAT = {"data_format": None}

ROWS = [
    row
    for r in (1, 2, 3)
    for row in (
        LayerRule(f"UpSampling{r}D", upsampling, ("size", "data_format"), {"size": 2, **DATA_FORMAT}, r, ndim=r + 2),
        LayerRule(f"ZeroPadding{r}D", zero_padding, ("padding", "data_format"), {"padding": 1, **DATA_FORMAT}, r, ndim=r + 2),
        LayerRule(f"Cropping{r}D", cropping, ("cropping", "data_format"), {"cropping": (0, 0) if r == 2 else 1, **DATA_FORMAT},
                  r, shrinks=True, ndim=r + 2),
    )
] + [
    LayerRule("Flatten", flatten, ("data_format",), DATA_FORMAT, role="flatten"),
    LayerRule("Reshape", reshape, ("target_shape",)),
    LayerRule("Permute", permute, ("dims",)),
    LayerRule("RepeatVector", repeat_vector, ("n",)),
    LayerRule("Resizing", resizing, ("height", "width"), DATA_FORMAT),
    LayerRule("CenterCrop", center_crop, ("height", "width", "data_format"), DATA_FORMAT),
    # a random window of the size asked in training, the centre one (resized up when the image is smaller) otherwise
    LayerRule("RandomCrop", center_crop, ("height", "width", "seed", "data_format"), DATA_FORMAT),
]
# Keras 2's RandomCrop takes no data_format.
KERAS2 = {"RandomCrop": {"args": ("height", "width", "seed")}}
