"""What every Keras rule shares: Keras' InputSpec rank check and its window-error wording."""

from __future__ import annotations

from typing import Optional

from ...dims import Shape, format_shape
from ...rules import Args, ShapeError


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
        f"{format_shape(shape)} ({len(shape)}-D); Keras fails with \"expected {expected}, found "
        f"ndim={len(shape)}. Full shape received: {format_shape(shape)}\"",
        expected_ndim=ndim or min_ndim,
    )


def bias(args: Args, count: int) -> int:
    return count if args.values.get("use_bias", True) else 0


def window_error(class_name: str, kind: str, arg: str, axis: str, window: int, n: int, shape: Shape, detail: str) -> ShapeError:
    k2 = f"Negative dimension size caused by subtracting {window} from {n}"
    return ShapeError(
        "negative-dimension",
        f"{class_name}: {kind} {window} does not fit input {axis} {n} (input {format_shape(shape)}); "
        f"Keras fails with \"Computed output size would be zero or negative\" ({detail}; "
        f"TF 2.x: \"{k2}\")",
        arg=arg,
        axis=axis,
        window=window,
        size=n,
    )
