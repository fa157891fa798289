"""The fix providers, one family of fixes per module, in the order their candidates are tried
(a diagnostic's fixes are then ranked by what verification shows and by each one's rank)."""

from __future__ import annotations

from shapelens.fixes.providers import (
    contiguous_view,
    dummy_input,
    flatten,
    lazy_linear,
    loss_swap,
    match_input,
    padding_same,
    reduce_window,
    upstream_strides,
)
from shapelens.fixes.provider import Provider

PROVIDERS: tuple[Provider, ...] = (
    dummy_input.PROVIDER,
    match_input.PROVIDER,
    lazy_linear.PROVIDER,
    padding_same.PROVIDER,
    reduce_window.PROVIDER,
    upstream_strides.PROVIDER,
    flatten.PROVIDER,
    loss_swap.PROVIDER,
    contiguous_view.PROVIDER,
)
