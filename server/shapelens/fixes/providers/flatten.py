"""Flatten in the wrong place: a conv after a Flatten (move the Flatten down to the first Dense,
or remove it), or a Dense straight after a conv stack (insert a Flatten in front of it).

A layer enters its model in one of three forms, and the edit keeps that form: an element of a
``Sequential([...])`` list, a ``model.add(...)`` statement, or an application ``Layer(...)(x)``.
"""

from __future__ import annotations

from typing import Iterator, Optional

import libcst as cst
import libcst.matchers as m

from shapelens.analysis import layer_role, role_class
from shapelens.analysis.report import Diagnostic, Layer, Model
from shapelens.fixes.arguments import separator_like
from shapelens.fixes.context import Candidate, FixContext
from shapelens.fixes.imports import import_alongside
from shapelens.fixes.region import Region, Replacement, code_of
from shapelens.fixes.provider import FRAMEWORKS, Provider

ADD_CALL = m.Call(func=m.Attribute(attr=m.Name("add")))
FlattenForm = tuple[str, cst.CSTNode]  # "list" | "add" | "applied", and the node that moves


def form_of(region: Region, call: cst.Call) -> Optional[FlattenForm]:
    """How a layer enters its model, with the node to move: its list element, its
    ``model.add(...)`` statement line, or the call that applies it."""
    parent = region.parent(call)
    if isinstance(parent, cst.Element) and isinstance(region.parent(parent), cst.List):
        return "list", parent
    if isinstance(parent, cst.Arg):
        outer = region.parent(parent)
        if outer is not None and m.matches(outer, ADD_CALL):
            expr = region.parent(outer)
            line = region.parent(expr) if isinstance(expr, cst.Expr) else None
            if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
                return "add", line
    if isinstance(parent, cst.Call) and parent.func is call and len(parent.args) == 1:
        return "applied", parent
    return None


def flatten_spelling(dense_call: cst.Call, flatten: str) -> tuple[str, Optional[str]]:
    """``layers.Dense`` → ``layers.Flatten()``; a bare ``Dense`` → ``Flatten()`` plus the
    name that must be imported alongside it."""
    func = dense_call.func
    if isinstance(func, cst.Attribute):
        return f"{code_of(func.value)}.{flatten}()", None
    return f"{flatten}()", code_of(func)


def _move_in_list(
    region: Region, list_element: cst.Element, flatten_form: Optional[FlattenForm], flatten_value: cst.BaseExpression
) -> Optional[cst.Module]:
    list_node = region.parent(list_element)
    if flatten_form is not None and region.parent(flatten_form[1]) is not list_node:
        return None
    elements: list[Optional[cst.Element]] = list(list_node.elements)  # type: ignore[union-attr]
    at = elements.index(list_element)
    comma = elements[at - 1].comma if at > 0 else elements[at].comma  # type: ignore[union-attr]
    new_element = cst.Element(value=flatten_value, comma=separator_like(comma))
    if flatten_form is not None:
        removed = elements.index(flatten_form[1])  # type: ignore[arg-type]
        if removed == len(elements) - 1 and removed > 0:
            elements[removed - 1] = elements[removed - 1].with_changes(comma=elements[removed].comma)  # type: ignore[union-attr]
        elements[removed] = None
    elements.insert(at, new_element)
    return region.replace({list_node: list_node.with_changes(elements=[e for e in elements if e is not None])})  # type: ignore[union-attr, dict-item]


def _move_between_add_statements(
    region: Region, dense_line: cst.SimpleStatementLine, dense_call: cst.Call,
    flatten_form: Optional[FlattenForm], flatten_value: cst.BaseExpression,
) -> Optional[cst.Module]:
    block = region.parent(dense_line)
    body = list(getattr(block, "body", ()))
    if dense_line not in body:
        return None
    new_line = dense_line.deep_replace(dense_call, flatten_value)
    new_line = new_line.with_changes(leading_lines=[], trailing_whitespace=cst.TrailingWhitespace())
    new_body: list = []
    for statement in body:
        if statement is dense_line:
            new_body.append(new_line)
        if flatten_form is None or statement is not flatten_form[1]:
            new_body.append(statement)
    if flatten_form is not None and len(new_body) != len(body):
        return None  # the Flatten is in another block
    return region.replace({block: block.with_changes(body=new_body)})  # type: ignore[union-attr, dict-item]


def drop_application(region: Region, application: cst.Call) -> dict[cst.CSTNode, Replacement]:
    """``x = Flatten()(x)`` goes away whole; anywhere else ``Flatten()(y)`` becomes ``y``."""
    argument = application.args[0].value
    assign = region.parent(application)
    line = region.parent(assign) if assign is not None else None
    if (
        assign is not None
        and m.matches(assign, m.Assign(targets=[m.AssignTarget(target=m.Name())]))
        and isinstance(argument, cst.Name)
        and assign.targets[0].target.value == argument.value  # type: ignore[union-attr]
        and isinstance(line, cst.SimpleStatementLine)
        and len(line.body) == 1
    ):
        return {line: cst.RemoveFromParent()}
    return {application: argument}


def flatten_move(
    region: Region, flatten_call: Optional[cst.Call], dense_call: cst.Call, flatten_code: str
) -> Optional[cst.Module]:
    """Remove ``flatten_call`` (if given) and put ``flatten_code`` right before the Dense."""
    dense_form = form_of(region, dense_call)
    flatten_form = form_of(region, flatten_call) if flatten_call is not None else None
    if dense_form is None or (flatten_call is not None and (flatten_form is None or flatten_form[0] != dense_form[0])):
        return None
    kind, dense_node = dense_form
    flatten_value = cst.parse_expression(flatten_code)
    if kind == "list":
        return _move_in_list(region, dense_node, flatten_form, flatten_value)  # type: ignore[arg-type]
    if kind == "add":
        return _move_between_add_statements(region, dense_node, dense_call, flatten_form, flatten_value)  # type: ignore[arg-type]
    # Functional: Dense(...)(x) becomes Dense(...)(Flatten()(x)).
    argument = dense_node.args[0]  # type: ignore[attr-defined]
    wrapped = cst.Call(func=flatten_value, args=[argument.with_changes(comma=cst.MaybeSentinel.DEFAULT)])
    replacements: dict[cst.CSTNode, Replacement] = {
        argument: argument.with_changes(value=wrapped, keyword=None, equal=cst.MaybeSentinel.DEFAULT)
    }
    if flatten_form is not None:
        replacements.update(drop_application(region, flatten_form[1]))  # type: ignore[arg-type]
    return region.replace(replacements)


def flatten_removal(region: Region, flatten_call: cst.Call) -> Optional[cst.Module]:
    form = form_of(region, flatten_call)
    if form is None:
        return None
    kind, node = form
    if kind == "list":
        list_node = region.parent(node)
        elements = list(list_node.elements)  # type: ignore[union-attr]
        removed = elements.index(node)
        if removed == len(elements) - 1 and removed > 0:
            elements[removed - 1] = elements[removed - 1].with_changes(comma=node.comma)  # type: ignore[attr-defined]
        del elements[removed]
        return region.replace({list_node: list_node.with_changes(elements=elements)})  # type: ignore[union-attr, dict-item]
    if kind == "add":
        return region.replace({node: cst.RemoveFromParent()})
    return region.replace(drop_application(region, node))  # type: ignore[arg-type]


def _next_dense(model: Model, after: Layer) -> Optional[Layer]:
    layers = list(model.layers)
    start = next((i for i, l in enumerate(layers) if l.span == after.span), None)
    if start is None:
        return None
    return next((l for l in layers[start + 1 :] if layer_role(model.framework, l.class_name) == "dense"), None)


def _flatten_producer(context: FixContext, layer: Layer) -> Optional[Layer]:
    for span in layer.inputs_from:
        found = context.layer(span)
        if found is not None and layer_role(found[0].framework, found[1].class_name) == "flatten":
            return found[1]
    return None


def move_or_remove(context: FixContext, model: Model, layer: Layer) -> Iterator[Candidate]:
    """A layer after a Flatten that needs the map: move the Flatten down to the first Dense,
    or drop it."""
    flatten = _flatten_producer(context, layer)
    if flatten is None:
        return
    dense = _next_dense(model, layer)
    region = context.region(flatten.span.start_line, dense.span.start_line) if dense is not None else None
    if dense is not None and region is not None:
        flatten_call, dense_call = region.call_at(flatten.span), region.call_at(dense.span)
        if flatten_call is not None and dense_call is not None:
            moved = flatten_move(region, flatten_call, dense_call, code_of(flatten_call))
            if moved is not None:
                title = f"Move {flatten.class_name} down to just before {dense.class_name}"
                yield Candidate("move-flatten", title, region.edits_for(moved), rank=0)
    located = context.call_of(flatten)
    removed = flatten_removal(*located) if located is not None else None
    if located is not None and removed is not None:
        yield Candidate("remove-flatten", f"Remove {flatten.class_name}", located[0].edits_for(removed), rank=1)


def insert_before(context: FixContext, model: Model, layer: Layer) -> Iterator[Candidate]:
    """A Dense straight after a conv stack: put a Flatten in front of it (imported next to
    the Dense when the Dense is written bare)."""
    located = context.call_of(layer)
    flatten = role_class(model.framework, "flatten")
    if located is None or flatten is None:
        return
    region, dense_call = located
    spelling, bare_name = flatten_spelling(dense_call, flatten)
    new_module = flatten_move(region, None, dense_call, spelling)
    if new_module is None:
        return
    import_edits = import_alongside(context, bare_name, flatten) if bare_name is not None else ()
    if import_edits is not None:
        title = f"Insert {flatten} before {layer.class_name}"
        yield Candidate("insert-flatten", title, import_edits + region.edits_for(new_module), rank=0)


def candidates(context: FixContext, diag: Diagnostic) -> Iterator[Candidate]:
    found = context.layer(diag.span)
    if found is None:
        return
    model, layer = found
    if diag.code == "dense-on-rank>2":
        yield from insert_before(context, model, layer)
    else:
        yield from move_or_remove(context, model, layer)


PROVIDER = Provider("flatten", frozenset({"rank-mismatch", "dense-on-rank>2"}), FRAMEWORKS, candidates)
