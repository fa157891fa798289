"""Keras normalization layers: BatchNormalization, LayerNormalization, GroupNormalization, Normalization."""

from __future__ import annotations

from ...dims import Dim, Shape, equal, product
from ...rules import Applied, Args, LayerRule, ShapeError, UnknownArgument


def axis_size(shape: Shape, axis: object) -> Dim:
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if not all(isinstance(a, int) and -len(shape) <= a < len(shape) for a in axes):
        raise UnknownArgument(f"axis {axis!r} does not fit the input rank {len(shape)}")
    return product(shape[a] for a in axes)


def normalization(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    """Weights over the normalised axis: gamma and beta, plus the moving statistics of BatchNormalization."""
    shape = inputs[0]
    size = axis_size(shape, args.raw("axis"))
    per_channel = {"gamma": args.bool("scale"), "beta": args.bool("center")}
    moving = 2 if rule.name == "BatchNormalization" else 0  # moving mean and variance: updated, never trained
    count = sum(per_channel.values()) + moving
    if rule.name == "GroupNormalization" and size is not None and equal(size % args.int("groups"), 0) is False:
        raise ShapeError("invalid-argument", f"GroupNormalization: {size} channels are not divisible by groups={args.int('groups')}")
    if size is None:
        return Applied(shape, None, non_trainable=None)
    return Applied(shape, count * size, non_trainable=moving * size)


def adapt_normalization(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    if args.values.get("mean") is not None:
        return Applied(shape, 0)  # given mean and variance are constants, not weights
    size = axis_size(shape, args.raw("axis") if args.raw("axis") is not None else ())
    count = None if size is None else 2 * size + 1  # mean, variance and the sample count: set by `adapt`, never trained
    return Applied(shape, count, non_trainable=count)


NORM_DEFAULTS = {"axis": -1, "center": True, "scale": True}

ROWS = [
    LayerRule("BatchNormalization", normalization, ("axis", "momentum", "epsilon", "center", "scale"), NORM_DEFAULTS,
              weight_axis=-1, keeps_map=True),
    LayerRule("LayerNormalization", normalization, ("axis", "epsilon", "center", "scale"), NORM_DEFAULTS,
              weight_axis=-1, keeps_map=True),
    LayerRule("GroupNormalization", normalization, ("groups", "axis", "epsilon", "center", "scale"),
              {"groups": 32, **NORM_DEFAULTS}, weight_axis=-1, keeps_map=True),
    LayerRule("Normalization", adapt_normalization, ("axis", "mean", "variance", "invert"), {"axis": -1}),
]
