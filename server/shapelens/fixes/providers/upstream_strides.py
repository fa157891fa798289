"""The nearest earlier layer with a literal stride > 1, its stride lowered one step at a time
(the first step that verifies is the fix; at most a few trials)."""

from __future__ import annotations

import ast
from typing import Iterator

import libcst as cst

from shapelens.analysis.report import Diagnostic, Layer
from shapelens.fixes.arguments import Signature, find_argument, literal
from shapelens.fixes.context import Candidate, FixContext
from shapelens.fixes.provider import FRAMEWORKS, Provider
from shapelens.fixes.windows import as_tuple, format_window

MAX_STRIDE_TRIALS = 3


def stride_name(signature: Signature) -> str:
    return "stride" if signature.takes("stride") else "strides"


def reaches_positionally(context: FixContext, layer: Layer, signature: Signature, name: str) -> bool:
    """Whether the call has enough positional arguments to bind ``name`` (cheap: ``ast`` on
    the call's own text)."""
    names = signature.positional or ()
    if name not in names:
        return False
    try:
        call = ast.parse(context.text_of(layer.span).strip(), mode="eval").body
    except SyntaxError:
        return False
    return isinstance(call, ast.Call) and len(call.args) > names.index(name)


def candidates(context: FixContext, diag: Diagnostic) -> Iterator[Candidate]:
    found = context.layer(diag.span)
    if found is None:
        return
    model, layer = found
    position = next((i for i, l in enumerate(model.layers) if l.span == layer.span), None)
    if position is None:
        return
    for upstream in reversed(model.layers[:position]):
        signature = Signature.of(upstream.class_name, model.framework)
        name = stride_name(signature)
        if "stride" not in context.text_of(upstream.span) and not reaches_positionally(context, upstream, signature, name):
            continue
        located = context.call_of(upstream)
        written = find_argument(located[1], signature, name) if located is not None else None
        strides = literal(written.value) if written is not None else None
        flat = as_tuple(strides, len(strides) if isinstance(strides, (tuple, list)) else 1)
        if located is None or written is None or not flat or max(flat) <= 1:
            continue
        region, call = located
        for step in range(1, min(max(flat), MAX_STRIDE_TRIALS + 1)):
            value = format_window(strides, tuple(max(1, s - step) for s in flat))
            new_call = call.deep_replace(written, written.with_changes(value=cst.parse_expression(value)))
            yield Candidate(
                "reduce-strides",
                f"Reduce {name} of {upstream.class_name} (line {upstream.span.start_line + 1}) to {value}",
                region.replacing({call: new_call}),
                rank=2,
                trials="reduce-strides",
            )
        return


PROVIDER = Provider("upstream-strides", frozenset({"negative-dimension"}), FRAMEWORKS, candidates)
