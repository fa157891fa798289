"""``padding="same"`` for a Keras layer whose window does not fit its input.

Keras only: torch's ``padding="same"`` refuses strides > 1 and means other numbers.
"""

from __future__ import annotations

from typing import Iterator

from shapelens.analysis.report import Diagnostic
from shapelens.fixes.arguments import Signature, find_argument, literal, quote_of, set_argument
from shapelens.fixes.context import Candidate, FixContext
from shapelens.fixes.provider import Provider


def candidates(context: FixContext, diag: Diagnostic) -> Iterator[Candidate]:
    found = context.layer(diag.span)
    if found is None:
        return
    model, layer = found
    signature = Signature.of(layer.class_name, model.framework)
    located = context.call_of(layer) if signature.takes("padding") else None
    if located is None:
        return
    region, call = located
    padding = find_argument(call, signature, "padding")
    if padding is not None and literal(padding.value) == "same":
        return
    quote = quote_of(region)
    new_call = set_argument(call, signature, "padding", f"{quote}same{quote}")
    if new_call is not None:
        yield Candidate("padding-same", f"Use padding={quote}same{quote}", region.replacing({call: new_call}), rank=0)


PROVIDER = Provider("padding-same", frozenset({"negative-dimension"}), frozenset({"keras"}), candidates)
