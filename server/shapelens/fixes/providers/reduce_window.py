"""The largest ``pool_size``, ``kernel_size`` or ``cropping`` that fits the layer's input."""

from __future__ import annotations

from typing import Iterator, Optional

from shapelens.analysis import window_rank
from shapelens.analysis.report import Diagnostic
from shapelens.fixes.arguments import NOT_LITERAL, Signature, find_argument, keyword_literal, literal, set_argument
from shapelens.fixes.context import Candidate, FixContext
from shapelens.fixes.provider import FRAMEWORKS, Provider
from shapelens.fixes.windows import fitting_window, spatial_dims

# The arguments that hold a layer's window, in the order one is looked for.
WINDOW_ARGS = ("pool_size", "cropping", "kernel_size")


def window_arg(signature: Signature, diag: Diagnostic) -> Optional[str]:
    """The argument the diagnostic names, else the layer's first window argument."""
    named = diag.fact("arg")
    if isinstance(named, str) and named in WINDOW_ARGS:
        return named
    return next((arg for arg in WINDOW_ARGS if signature.takes(arg)), None)


def candidates(context: FixContext, diag: Diagnostic) -> Iterator[Candidate]:
    found = context.layer(diag.span)
    if found is None:
        return
    model, layer = found
    signature = Signature.of(layer.class_name, model.framework)
    arg = window_arg(signature, diag)
    located = context.call_of(layer)
    if arg is None or located is None:
        return
    region, call = located
    channels_first = model.framework == "torch" or keyword_literal(call, "data_format") == "channels_first"
    dims = spatial_dims(layer, channels_first, window_rank(model.framework, layer.class_name))
    if dims is None:
        return
    written = find_argument(call, signature, arg)
    current = literal(written.value) if written is not None else signature.default(arg)
    if written is None and isinstance(current, (tuple, list)) and len(set(current)) == 1:
        current = current[0]  # a default the user never wrote: prefer the short form
    dilation_arg = find_argument(call, signature, "dilation_rate") or find_argument(call, signature, "dilation")
    dilation = literal(dilation_arg.value) if dilation_arg is not None else 1
    if current is NOT_LITERAL or dilation is NOT_LITERAL:
        return
    value = fitting_window(arg, current, dims, dilation)
    new_call = set_argument(call, signature, arg, value) if value is not None else None
    if new_call is not None:
        yield Candidate("reduce-window", f"Reduce {arg} to {value}", region.replacing({call: new_call}), rank=1)


PROVIDER = Provider("reduce-window", frozenset({"negative-dimension"}), FRAMEWORKS, candidates)
