"""A torch constructor argument that must equal a size of its input, set to that size:
``nn.Linear(300, 10)`` fed 400 features becomes ``nn.Linear(400, 10)`` (likewise
``in_channels`` and ``num_features``). The engine gives the argument and the size as the
diagnostic's facts ``arg`` and ``expected``."""

from __future__ import annotations

from typing import Iterator

from shapelens.analysis.report import Diagnostic
from shapelens.fixes.arguments import Signature, set_argument
from shapelens.fixes.context import Candidate, FixContext
from shapelens.fixes.provider import Provider


def candidates(context: FixContext, diag: Diagnostic) -> Iterator[Candidate]:
    arg, expected = diag.fact("arg"), diag.fact("expected")
    found = context.layer_named_by(diag)
    if not isinstance(arg, str) or not isinstance(expected, int) or found is None:
        return
    model, layer = found
    located = context.call_of(layer)
    if located is None:
        return
    region, call = located
    new_call = set_argument(call, Signature.of(layer.class_name, model.framework), arg, str(expected))
    if new_call is not None:
        yield Candidate("match-input", f"Set {arg} to {expected}", region.replacing({call: new_call}), rank=0)


PROVIDER = Provider(
    "match-input", frozenset({"linear-in-features", "in-channels", "num-features"}), frozenset({"torch"}), candidates
)
