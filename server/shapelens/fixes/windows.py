"""The arithmetic of "the largest window that fits": pool sizes, kernels, croppings, strides."""

from __future__ import annotations

from typing import Optional

from shapelens.analysis.report import Layer
from shapelens.analysis.shapes import largest_kernel

Dims = tuple[Optional[int], ...]


def spatial_dims(layer: Layer, channels_first: bool, rank: int = 0) -> Optional[Dims]:
    """The spatial sizes of a layer's first input: its last ``rank`` axes beside the channels (a
    ``ConvLSTM2D``'s frames come after the time axis), every axis but the batch and the channels when
    the rank is not known; None unless it has channels and a spatial axis."""
    if not layer.input_shapes:
        return None
    shape = layer.input_shapes[0]
    if shape is None or (shape and isinstance(shape[0], tuple)) or len(shape) < 3:
        return None
    if 0 < rank < len(shape):
        return tuple(shape[-rank:]) if channels_first else tuple(shape[-rank - 1:-1])  # type: ignore[arg-type]
    return tuple(shape[2:]) if channels_first else tuple(shape[1:-1])  # type: ignore[arg-type]


def as_tuple(value: object, rank: int) -> Optional[tuple[int, ...]]:
    """An int or a tuple of ``rank`` ints, as a tuple."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * rank
    if isinstance(value, (tuple, list)) and len(value) == rank and all(isinstance(v, int) for v in value):
        return tuple(value)
    return None


def _cropping_pairs(value: object, rank: int) -> Optional[tuple[tuple[int, int], ...]]:
    if isinstance(value, int) and not isinstance(value, bool):
        return ((value, value),) * rank
    if isinstance(value, (tuple, list)):
        if rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
            return ((value[0], value[1]),)
        if len(value) == rank:
            pairs = []
            for item in value:
                if isinstance(item, int):
                    pairs.append((item, item))
                elif isinstance(item, (tuple, list)) and len(item) == 2 and all(isinstance(v, int) for v in item):
                    pairs.append((item[0], item[1]))
                else:
                    return None
            return tuple(pairs)
    return None


def _fit_pair(pair: tuple[int, int], size: Optional[int]) -> tuple[int, int]:
    """Shrink a (before, after) crop until at least one element is left: larger side first."""
    before, after = pair
    if size is None or before + after < size:
        return pair
    excess = before + after - (size - 1)
    if before >= after:
        cut = min(excess, before - after)
        before, excess = before - cut, excess - cut
    else:
        cut = min(excess, after - before)
        after, excess = after - cut, excess - cut
    after -= (excess + 1) // 2
    before -= excess // 2
    return max(before, 0), max(after, 0)


def format_window(original: object, values: tuple[int, ...]) -> str:
    """Source text for a window, in the original's form (an int stays an int if it can)."""
    if (not isinstance(original, (tuple, list))) and len(set(values)) == 1:
        return str(values[0])
    return "(" + ", ".join(str(v) for v in values) + ("," if len(values) == 1 else "") + ")"


def _format_cropping(original: object, pairs: tuple[tuple[int, int], ...], rank: int) -> str:
    symmetric = all(a == b for a, b in pairs)
    if isinstance(original, int) and symmetric and len({a for a, _ in pairs}) == 1:
        return str(pairs[0][0])
    if rank == 1:
        return f"({pairs[0][0]}, {pairs[0][1]})"
    if symmetric and isinstance(original, (tuple, list)) and all(isinstance(v, int) for v in original):
        return "(" + ", ".join(str(a) for a, _ in pairs) + ")"
    return "(" + ", ".join(f"({a}, {b})" for a, b in pairs) + ")"


def fitting_window(arg: str, current: object, dims: Dims, dilation: object) -> Optional[str]:
    """The largest ``pool_size`` / ``kernel_size`` / ``cropping`` that leaves every spatial
    dimension at least 1 (valid padding), as source text; None if nothing changes."""
    rank = len(dims)
    if arg == "cropping":
        pairs = _cropping_pairs(current, rank)
        if pairs is None:
            return None
        fitted_pairs = tuple(_fit_pair(p, n) for p, n in zip(pairs, dims))
        return None if fitted_pairs == pairs else _format_cropping(current, fitted_pairs, rank)
    window = as_tuple(current, rank)
    dilations = as_tuple(dilation if dilation is not None else 1, rank)
    if window is None or dilations is None:
        return None
    if arg == "kernel_size":  # d·(k−1)+1 ≤ n
        fitted = tuple(
            k if n is None else max(1, min(k, largest_kernel(n, d))) for k, n, d in zip(window, dims, dilations)
        )
    else:  # pool_size ≤ n
        fitted = tuple(p if n is None else max(1, min(p, n)) for p, n in zip(window, dims))
    return None if fitted == window else format_window(current, fitted)
