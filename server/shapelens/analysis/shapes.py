"""Output-size formulas, each written once (Keras: keras/src/ops/operation_utils.py; torch: its docs).

Every function takes one axis and returns ``(size, arithmetic)``: the output length (``None``
when the input length is unknown) and the arithmetic as a person would write it, for hovers.
A result ``<= 0`` is returned as is; the layer rules decide what error that is.
"""

from __future__ import annotations

from math import ceil, floor, prod
from typing import Iterable, Optional

Length = Optional[int]
Sized = tuple[Length, str]


def effective_kernel(kernel: int, dilation: int) -> int:
    return dilation * (kernel - 1) + 1


def largest_kernel(n: int, dilation: int = 1) -> int:
    """The largest kernel whose effective size still fits ``n`` (the inverse of the above)."""
    return (n - 1) // dilation + 1


def keras_conv_length(n: Length, kernel: int, stride: int, padding: str, dilation: int = 1) -> Sized:
    """Keras conv / pool: valid ``floor((n - k_eff) / s) + 1``; same and causal ``ceil(n / s)``."""
    k_eff = effective_kernel(kernel, dilation)
    if n is None:
        return None, ""
    if padding == "valid":
        out = floor((n - k_eff) / stride) + 1
        return out, f"floor(({n} - {k_eff}) / {stride}) + 1 = {out}"
    out = ceil(n / stride)
    return out, f"ceil({n} / {stride}) = {out}"


def keras_deconv_length(
    n: Length, kernel: int, stride: int, padding: str, dilation: int, output_padding: Optional[int]
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
    n: Length, kernel: int, stride: int, padding: int, dilation: int = 1, ceil_mode: bool = False
) -> Sized:
    """torch conv / pool: ``floor((n + 2p - d(k-1) - 1) / s) + 1``, ceil with ceil_mode."""
    if n is None:
        return None, ""
    span = n + 2 * padding - dilation * (kernel - 1) - 1
    if not ceil_mode:
        out = floor(span / stride) + 1
        return out, f"floor(({n} + 2*{padding} - {dilation}*({kernel} - 1) - 1) / {stride}) + 1 = {out}"
    out = ceil(span / stride) + 1
    # torch drops the last window when it would start in the right padding
    if (out - 1) * stride >= n + padding:
        out -= 1
    return out, f"ceil(({n} + 2*{padding} - {dilation}*({kernel} - 1) - 1) / {stride}) + 1 = {out}"


def torch_deconv_length(
    n: Length, kernel: int, stride: int, padding: int, dilation: int, output_padding: int
) -> Sized:
    if n is None:
        return None, ""
    out = (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    return out, (
        f"({n} - 1) * {stride} - 2*{padding} + {dilation}*({kernel} - 1) + {output_padding} + 1 = {out}"
    )


def scaled_length(n: Length, factor: int) -> Length:
    return None if n is None else n * factor


def padded_length(n: Length, before: int, after: int) -> Length:
    return None if n is None else n + before + after


def product(dims: Iterable[Length]) -> Length:
    dims = list(dims)
    return None if any(d is None for d in dims) else prod(dims)  # type: ignore[arg-type]


def broadcast(left: tuple[Length, ...], right: tuple[Length, ...]) -> Optional[tuple[Length, ...]]:
    """Keras' element-wise merge shape; ``None`` when two known sizes differ and neither is 1."""
    if len(left) < len(right):
        left, right = right, left
    head = left[: len(left) - len(right)]
    out: list[Length] = []
    for a, b in zip(left[len(left) - len(right):], right):
        if a is None or b is None:
            out.append(None)
        elif a == 1:
            out.append(b)
        elif b == 1 or a == b:
            out.append(a)
        else:
            return None
    return tuple(head) + tuple(out)
