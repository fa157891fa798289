"""A dummy input of the wrong shape (``model.predict(np.zeros((1, 28, 28)))``): its literal shape
becomes the one the model expects, keeping the user's own text where the model leaves a
dimension free (the batch)."""

from __future__ import annotations

import ast
from typing import Iterator, Optional, Sequence

import libcst as cst
import libcst.matchers as m

from shapelens.analysis.report import Diagnostic, Span
from shapelens.fixes.context import Candidate, FixContext
from shapelens.fixes.region import Region, code_of
from shapelens.fixes.provider import FRAMEWORKS, Provider

# Functions that make a dummy input from a literal shape: np.zeros((1, 28, 28)), torch.randn(1, 3, 8, 8).
DUMMY_FACTORIES = frozenset(
    {"zeros", "ones", "empty", "rand", "randn", "normal", "uniform", "random", "random_sample",
     "standard_normal", "full", "randint"}
)
# The factories that also take the shape as int varargs: np.random.rand(1, 28, 28), torch.zeros(1, 3, 8, 8).
VARARG_FACTORIES = frozenset({"rand", "randn", "zeros", "ones", "empty"})
_FACTORY_NAME = m.Name(m.MatchIfTrue(lambda name: name in DUMMY_FACTORIES))
FACTORY_CALL = m.Call(func=_FACTORY_NAME | m.Attribute(attr=_FACTORY_NAME))


def factory_name(call: cst.Call) -> Optional[str]:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


def shape_nodes(call: cst.Call) -> Optional[list[cst.BaseExpression]]:
    """The nodes holding a dummy input's shape: a literal tuple/list, or int varargs."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in ("shape", "size"):
            return [arg.value] if isinstance(arg.value, (cst.Tuple, cst.List)) else None
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if positional and isinstance(positional[0].value, (cst.Tuple, cst.List)):
        return [positional[0].value]
    ints = [a.value for a in positional if isinstance(a.value, cst.Integer)]
    if ints and len(ints) == len(positional) and factory_name(call) in VARARG_FACTORIES:
        return ints
    return None


def shape_code(old_elements: Sequence[str], expected: Sequence[object]) -> list[str]:
    """The expected shape, keeping the user's own text where the model leaves a dimension free
    (unknown, or a size symbol: the program does not fix it)."""
    return [
        str(dim) if isinstance(dim, int) else old_elements[position] if position < len(old_elements) else "1"
        for position, dim in enumerate(expected)
    ]


def reshaped(region: Region, call: cst.Call, shape: list[cst.BaseExpression], expected: tuple) -> Candidate:
    """The call with its shape written as ``expected``."""
    if len(shape) == 1 and isinstance(shape[0], (cst.Tuple, cst.List)):
        codes = shape_code([code_of(e.value).strip() for e in shape[0].elements], expected)
        opening, closing = ("[", "]") if isinstance(shape[0], cst.List) else ("(", ")")
        text = opening + ", ".join(codes) + ("," if len(codes) == 1 and opening == "(" else "") + closing
        edits = region.replacing({shape[0]: cst.parse_expression(text)})
    else:
        codes = shape_code([code_of(n).strip() for n in shape], expected)
        keywords = [a for a in call.args if a.keyword is not None]
        new_args = [
            cst.Arg(
                value=cst.parse_expression(code),
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                if keywords or i < len(codes) - 1
                else cst.MaybeSentinel.DEFAULT,
            )
            for i, code in enumerate(codes)
        ]
        edits = region.replacing({call: call.with_changes(args=new_args + keywords)})
        text = "(" + ", ".join(codes) + ")"
    return Candidate("input-shape", f"Change the input's shape to {text}", edits, rank=0)


def assignment_lines(context: FixContext, diag: Diagnostic) -> list[int]:
    """Where the names read on the diagnostic's line were last assigned before it (at the top
    level or in the function that holds the line), latest first."""
    line = diag.span.start_line
    statements = context.statements
    statement = statements.innermost(line)
    if statement is None:
        return []
    names = {n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    scopes = {p for name in names for p in statements.binders.get(name, ()) if statements.statements[p].first_line < line}
    holder = statements.position_at(line)
    if holder is not None:
        scopes.add(holder)
    last: dict[str, int] = {}
    for position in scopes:
        for node in ast.walk(statements.statements[position].node):
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets = [node.target]
            else:
                continue
            for target in targets:
                if isinstance(target, ast.Name) and target.id in names and node.lineno - 1 < line:
                    last[target.id] = max(last.get(target.id, -1), node.lineno - 1)
    return sorted(set(last.values()), reverse=True)


def candidates(context: FixContext, diag: Diagnostic) -> Iterator[Candidate]:
    expected = diag.fact("expected_shape")
    if not isinstance(expected, tuple):
        return
    lines = [diag.span.start_line]
    array_span = diag.fact("array_span")
    if isinstance(array_span, Span):
        lines.append(array_span.start_line)
    lines += assignment_lines(context, diag)
    for line in lines:
        region = context.region(line)
        if region is None:
            continue
        for call in m.findall(region.module, FACTORY_CALL):
            shape = shape_nodes(call)  # type: ignore[arg-type]
            if shape is not None:
                yield reshaped(region, call, shape, expected)  # type: ignore[arg-type]
                return


PROVIDER = Provider("dummy-input", frozenset({"input-mismatch"}), FRAMEWORKS, candidates)
