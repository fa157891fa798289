"""``x.transpose(1, 2).view(B, T, C)`` that torch refuses on transposed values: ``.contiguous()``
before the view (what nanoGPT writes; the values are copied into row order first), or
``.reshape(...)`` instead of ``.view(...)`` (which copies only when it must)."""

from __future__ import annotations

from typing import Iterator

import libcst as cst
import libcst.matchers as m

from shapelens.analysis.report import Diagnostic
from shapelens.fixes.context import Candidate, FixContext
from shapelens.fixes.provider import Provider

VIEW_CALL = m.Call(func=m.Attribute(attr=m.Name("view")))


def candidates(context: FixContext, diag: Diagnostic) -> Iterator[Candidate]:
    region = context.region(diag.span.start_line)
    call = region.call_at(diag.span) if region is not None else None
    if region is None or call is None or not m.matches(call, VIEW_CALL):
        return
    func: cst.Attribute = call.func  # type: ignore[assignment]
    made_contiguous = cst.Call(func=cst.Attribute(value=func.value, attr=cst.Name("contiguous")))
    yield Candidate("contiguous-view", "Add .contiguous() before .view(...)",
                    region.replacing({call: call.with_changes(func=func.with_changes(value=made_contiguous))}), rank=0)
    yield Candidate("contiguous-view", "Use .reshape(...) instead of .view(...)",
                    region.replacing({call: call.with_changes(func=func.with_changes(attr=cst.Name("reshape")))}), rank=1)


PROVIDER = Provider("contiguous-view", frozenset({"view-not-contiguous"}), frozenset({"torch"}), candidates)
