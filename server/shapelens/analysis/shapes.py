"""Output-size formulas, each written once (Keras: keras/src/ops/operation_utils.py; torch: its docs).

Every function takes one axis and returns ``(size, arithmetic)``: the output length (``None``
when the input length is unknown) and the arithmetic as a person would write it, for hovers.
A result ``<= 0`` is returned as is; the layer rules decide what error that is. ``over_axes``
runs one of them along every spatial axis of a layer.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence

from .dims import Dim, compare, nonpositive
from .symbolic import Sym

Sized = tuple[Dim, str]
AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def effective_kernel(kernel: int, dilation: int) -> int:
    return dilation * (kernel - 1) + 1


def largest_kernel(n: int, dilation: int = 1) -> int:
    """The largest kernel whose effective size still fits ``n`` (the inverse of the above)."""
    return (n - 1) // dilation + 1


def keras_conv_length(n: Dim, kernel: int, stride: int, padding: str, dilation: int = 1) -> Sized:
    """Keras conv / pool: valid ``floor((n - k_eff) / s) + 1``; same and causal ``ceil(n / s)``."""
    k_eff = effective_kernel(kernel, dilation)
    if n is None:
        return None, ""
    if padding == "valid":
        out = (n - k_eff) // stride + 1
        return out, f"floor(({n} - {k_eff}) / {stride}) + 1 = {out}"
    out = -(-n // stride)
    return out, f"ceil({n} / {stride}) = {out}"


def keras_deconv_length(
    n: Dim, kernel: int, stride: int, padding: str, dilation: int, output_padding: Optional[int]
) -> Sized:
    """Keras transposed conv (``deconv_output_length``)."""
    k_eff = effective_kernel(kernel, dilation)
    if n is None:
        return None, ""
    if output_padding is None:
        if padding == "valid":
            out = n * stride + max(k_eff - stride, 0)
            return out, f"{n} * {stride} + max({k_eff} - {stride}, 0) = {out}"
        out = n * stride
        return out, f"{n} * {stride} = {out}"
    pad = k_eff // 2 if padding == "same" else 0
    out = (n - 1) * stride + k_eff - 2 * pad + output_padding
    return out, f"({n} - 1) * {stride} + {k_eff} - 2 * {pad} + {output_padding} = {out}"


def torch_window_length(
    n: Dim, kernel: int, stride: int, padding: int, dilation: int = 1, ceil_mode: bool = False
) -> Sized:
    """torch conv / pool: ``floor((n + 2p - d(k-1) - 1) / s) + 1``, ceil with ceil_mode."""
    if n is None:
        return None, ""
    span = n + 2 * padding - dilation * (kernel - 1) - 1
    if not ceil_mode:
        out = span // stride + 1
        return out, f"floor(({n} + 2*{padding} - {dilation}*({kernel} - 1) - 1) / {stride}) + 1 = {out}"
    out = -(-span // stride) + 1
    # torch drops the last window when it would start in the right padding; since
    # (out-1)*s <= span+s-1 = n+2p-k_eff+s-1, that never happens when s <= k_eff-p
    never = stride <= effective_kernel(kernel, dilation) - padding
    dropped = False if never else compare((out - 1) * stride, ">=", n + padding)
    if dropped is None:
        return None, f"ceil(({n} + 2*{padding} - {dilation}*({kernel} - 1) - 1) / {stride}) + 1, less one if the last window starts in the padding"
    if dropped:
        out -= 1
    return out, f"ceil(({n} + 2*{padding} - {dilation}*({kernel} - 1) - 1) / {stride}) + 1 = {out}"


def torch_deconv_length(n: Dim, kernel: int, stride: int, padding: int, dilation: int, output_padding: int) -> Sized:
    if n is None:
        return None, ""
    out = (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    return out, f"({n} - 1) * {stride} - 2*{padding} + {dilation}*({kernel} - 1) + {output_padding} + 1 = {out}"


def torch_same_length(n: Dim) -> Sized:
    """torch ``padding='same'`` pads d*(k-1) in total, the odd one on the right: the size is kept."""
    return n, f"padding='same' keeps {n}"


def scaled_length(n: Dim, factor: int) -> Dim:
    return None if n is None else n * factor


def padded_length(n: Dim, before: int, after: int) -> Dim:
    return None if n is None else n + before + after


class Axes:
    """A layer's output along its spatial axes, with the arithmetic, the first axis that
    certainly does not fit (its output is zero or negative), and the axes whose fit depends on
    the sizes (their outputs must be at least 1)."""

    __slots__ = ("sizes", "arithmetic", "failing", "open")

    def __init__(self, sizes: list[Dim], arithmetic: list[str], failing: Optional[int], open_: list[tuple[str, Sym]]) -> None:
        self.sizes = sizes
        self.arithmetic = arithmetic
        self.failing = failing
        self.open = open_


def over_axes(spatial: Sequence[Dim], length: Callable[..., Sized], *per_axis: Sequence[object]) -> Axes:
    """``length(n, *axis_args)`` along every spatial axis (the per-axis loop of every conv and
    pooling rule, Keras' and torch's)."""
    names = AXIS_NAMES[len(spatial)]
    sizes: list[Dim] = []
    arithmetic: list[str] = []
    failing = None
    open_: list[tuple[str, Sym]] = []
    for index, (axis, n, *args) in enumerate(zip(names, spatial, *per_axis)):
        size, text = length(n, *args)
        if type(size) is int:  # the commonest case, decided without the symbolic comparisons
            if failing is None and size <= 0:
                failing = index
        elif failing is None and nonpositive(size):
            failing = index
        elif isinstance(size, Sym) and compare(size, ">=", 1) is None:
            open_.append((axis, size))
        sizes.append(size)
        if text:
            arithmetic.append(f"{axis}: {text}")
    return Axes(sizes, arithmetic, failing, open_)


def scale(n: Dim, factor: float) -> Dim:
    """``floor(n * factor)`` (torch's Upsample); a symbolic size only by a whole factor."""
    if n is None:
        return None
    if isinstance(n, Sym):
        return n * int(factor) if float(factor).is_integer() else None
    return int(n * factor // 1)
