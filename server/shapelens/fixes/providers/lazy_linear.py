"""``nn.Linear(1024, 10)`` fed another width becomes ``nn.LazyLinear(10)``: torch infers
``in_features`` at the first call."""

from __future__ import annotations

from typing import Iterator

import libcst as cst
import libcst.matchers as m

from shapelens.analysis import lazy_form
from shapelens.analysis.report import Diagnostic
from shapelens.fixes.context import Candidate, FixContext
from shapelens.fixes.region import code_of
from shapelens.fixes.provider import Provider


def candidates(context: FixContext, diag: Diagnostic) -> Iterator[Candidate]:
    found = context.layer_named_by(diag)
    lazy = lazy_form(found[0].framework, found[1].class_name) if found is not None else None
    if found is None or lazy is None:
        return
    located = context.call_of(found[1])
    if located is None:
        return
    region, call = located
    written = found[1].class_name
    new_func: cst.BaseExpression
    if m.matches(call.func, m.Attribute(attr=m.Name(written))):  # nn.Linear, torch.nn.Linear
        new_func = call.func.with_changes(attr=cst.Name(lazy))
    elif m.matches(call.func, m.Name(written)) and context.statements.imports_name(lazy):
        new_func = cst.Name(lazy)
    else:
        return
    args = list(call.args)
    kept = [a for a in args if not (a.keyword is not None and a.keyword.value == "in_features")]
    if len(kept) == len(args):  # in_features is the first positional argument
        positional = [i for i, a in enumerate(args) if a.keyword is None]
        if not positional:
            return
        kept = args[: positional[0]] + args[positional[0] + 1 :]
    if not kept:
        return
    kept[-1] = kept[-1].with_changes(comma=args[-1].comma)
    new_call = call.with_changes(func=new_func, args=kept)
    title = f"Use {code_of(new_func)} (infers in_features)"
    yield Candidate("lazy-linear", title, region.replacing({call: new_call}), rank=1)


PROVIDER = Provider("lazy-linear", frozenset({"linear-in-features"}), frozenset({"torch"}), candidates)
