"""Keras pooling: MaxPooling / AveragePooling 1D-3D and their global forms."""

from __future__ import annotations

from ... import shapes
from ...dims import Shape, format_numpy
from ...rules import Applied, Args, LayerRule, assemble, fits, spatial_layout
from ..dialect import dialect_of
from .common import check_rank


def pool(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    rank = rule.rank
    shape = inputs[0]
    dialect = dialect_of(rule)
    check_rank(rule, args, shape, ndim=rank + 2)
    if args.values.get("pool_size") is None:
        raise dialect.missing_pool_size(rule)
    pool_size = args.ints("pool_size", rank)
    strides = pool_size if args.raw("strides") is None else args.ints("strides", rank)
    padding = args.str("padding").lower()
    first, spatial, channels = spatial_layout(args, shape, rank)
    axes = shapes.over_axes(spatial, shapes.keras_conv_length, pool_size, strides, (padding,) * rank)
    if axes.failing is not None:
        i = axes.failing
        raise dialect.window_error(
            rule.name, "pool_size", "pool_size", shapes.AXIS_NAMES[rank][i], pool_size[i], spatial[i], shape,
            f"Received: inputs.shape={format_numpy(shape)}, pool_size={format_numpy(pool_size)}, "
            f"strides={strides}, padding={padding}",
        )
    return Applied(assemble(shape[0], axes.sizes, channels, first), 0, tuple(axes.arithmetic), (), fits(rule.name, axes.open))


def global_pool(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule, args, shape, ndim=rule.rank + 2)
    first, _, channels = spatial_layout(args, shape, rule.rank)
    if args.bool("keepdims"):
        return Applied(assemble(shape[0], [1] * rule.rank, channels, first), 0)
    return Applied((shape[0], channels), 0)


POOL_ARGS = ("pool_size", "strides", "padding", "data_format")
DATA_FORMAT = {"data_format": None}
AVERAGE_DEFAULTS = {"strides": None, "padding": "valid", **DATA_FORMAT}
# Keras 3 requires AveragePooling's pool_size; Keras 2 defaults it to 2 along every axis.
KERAS2 = {f"AveragePooling{r}D": {"defaults": {**AVERAGE_DEFAULTS, "pool_size": (2,) * r if r > 1 else 2}}
          for r in (1, 2, 3)}

ROWS = [
    row
    for r in (1, 2, 3)
    for row in (
        LayerRule(f"MaxPooling{r}D", pool, POOL_ARGS,
                  {"pool_size": (2,) * r if r > 1 else 2, "strides": None, "padding": "valid", **DATA_FORMAT},
                  r, (f"MaxPool{r}D",), window=True, shrinks=True, ndim=r + 2),
        LayerRule(f"AveragePooling{r}D", pool, POOL_ARGS, AVERAGE_DEFAULTS,
                  r, (f"AvgPool{r}D",), window=True, shrinks=True, ndim=r + 2),
        LayerRule(f"GlobalMaxPooling{r}D", global_pool, ("data_format", "keepdims"), {"keepdims": False, **DATA_FORMAT},
                  r, (f"GlobalMaxPool{r}D",), ndim=r + 2),
        LayerRule(f"GlobalAveragePooling{r}D", global_pool, ("data_format", "keepdims"), {"keepdims": False, **DATA_FORMAT},
                  r, (f"GlobalAvgPool{r}D",), ndim=r + 2),
    )
]
