"""What every Keras rule shares: Keras' InputSpec rank check, in the words of the row's version."""

from __future__ import annotations

from typing import Optional

from ...dims import Dim, Shape
from ...rules import Args, LayerRule
from ..dialect import dialect_of, snake_case


def check_rank(rule: LayerRule, args: Args, shape: Shape, ndim: Optional[int] = None,
               min_ndim: Optional[int] = None) -> None:
    """Keras' InputSpec check."""
    if (ndim is not None and len(shape) != ndim) or (ndim is None and min_ndim is not None and len(shape) < min_ndim):
        raise dialect_of(rule).rank_error(rule.name, shape, ndim, min_ndim, layer_name(rule, args))


def layer_name(rule: LayerRule, args: Args) -> str:
    """The layer's name as Keras messages print it: its ``name=``, else the one Keras gave it."""
    name = args.values.get("name")
    return name if isinstance(name, str) else snake_case(rule.name)


def bias(args: Args, count: Dim) -> Dim:
    """The bias' share of a parameter count: ``count`` with ``use_bias``, 0 without, None when not known."""
    flag = args.flag("use_bias")
    return None if flag is None else count if flag else 0
