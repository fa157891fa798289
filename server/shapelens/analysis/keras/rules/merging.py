"""Keras merge layers: Concatenate and the element-wise ones (Add, Subtract, Multiply, ...)."""

from __future__ import annotations

from ...dims import Shape, broadcast, differ, format_shape
from ...rules import Applied, Args, LayerRule, ShapeError, UnknownArgument, equal_to


def concatenate(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    axis = args.raw("axis")
    if not isinstance(axis, int):
        raise UnknownArgument("argument `axis` of Concatenate is not a constant")
    ranks = {len(s) for s in inputs}
    first = inputs[0]
    ax = axis % len(first) if -len(first) <= axis < len(first) else None
    mismatch = len(ranks) > 1 or ax is None
    if not mismatch:
        for other in inputs[1:]:
            for i, (a, b) in enumerate(zip(first, other)):
                if i != ax and differ(a, b):
                    mismatch = True
    if mismatch:
        listed = ", ".join(format_shape(s) for s in inputs)
        raise ShapeError(
            "merge-mismatch",
            f"Concatenate(axis={axis}) needs equal shapes except along axis {axis}, but receives {listed}; "
            f"Keras fails with \"A `Concatenate` layer requires inputs with matching shapes except for the "
            f"concatenation axis. Received: input_shape=[{listed}]\"",
        )
    out = list(first)
    requires: tuple = ()
    for i in range(len(first)):
        if i != ax:
            out[i] = next((s[i] for s in inputs if s[i] is not None), None)
            for other in inputs[1:]:
                requires += equal_to(first[i], other[i], f"Concatenate axis {i}", "merge-mismatch")
    out[ax] = None if any(s[ax] is None for s in inputs) else sum(s[ax] for s in inputs)
    return Applied(tuple(out), 0, requires=requires)


def elementwise(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    if rule.name == "Subtract" and len(inputs) != 2:
        raise ShapeError("merge-mismatch", f"Subtract takes exactly 2 inputs, received {len(inputs)}")
    out = inputs[0][1:]
    for other in inputs[1:]:
        merged = broadcast(out, other[1:])
        if merged is None:
            raise ShapeError(
                "merge-mismatch",
                f"{rule.name} of {' and '.join(format_shape(s) for s in inputs)}: the shapes differ and do not "
                f"broadcast; Keras fails with \"Inputs have incompatible shapes. Received shapes "
                f"{format_shape(out)} and {format_shape(other[1:])}\"",
            )
        out = merged
    return Applied((inputs[0][0], *out), 0)


ROWS = [
    LayerRule("Concatenate", concatenate, ("axis",), {"axis": -1}, merge=True),
    *(LayerRule(name, elementwise, (), merge=True) for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")),
]

# Functional-API helpers (`layers.concatenate([a, b], axis=-1)`) → the merge layer they build.
MERGE_FUNCTIONS = {
    "concatenate": "Concatenate", "add": "Add", "subtract": "Subtract", "multiply": "Multiply",
    "average": "Average", "maximum": "Maximum", "minimum": "Minimum",
}
