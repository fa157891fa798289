"""Keras merge layers: Concatenate, Dot, and the element-wise ones (Add, Subtract, Multiply, ...)."""

from __future__ import annotations

from ...dims import Dim, Shape, broadcast, defined, differ, format_shape
from ...rules import Applied, Args, LayerRule, ShapeError, UnknownArgument, equal_to, is_int
from ..dialect import Keras3, dialect_of


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
    dialect = dialect_of(rule)
    for i in range(len(first)):
        if i != ax:
            out[i] = dialect.joined_axis([s[i] for s in inputs])
            for other in inputs[1:]:
                requires += equal_to(first[i], other[i], f"Concatenate axis {i}", "merge-mismatch")
    out[ax] = None if any(s[ax] is None for s in inputs) else sum(s[ax] for s in inputs)
    return Applied(tuple(out), 0, requires=requires)


def elementwise(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    if rule.name == "Subtract" and len(inputs) != 2:
        raise ShapeError("merge-mismatch", f"Subtract takes exactly 2 inputs, received {len(inputs)}")
    out = inputs[0][1:]
    dialect = dialect_of(rule)
    for other in inputs[1:]:
        merged = broadcast_merge(dialect, out, other[1:])
        if merged is None:
            raise ShapeError(
                "merge-mismatch",
                f"{rule.name} of {' and '.join(format_shape(s) for s in inputs)}: the shapes differ and do not "
                f"broadcast; Keras fails with \"Inputs have incompatible shapes. Received shapes "
                f"{format_shape(out)} and {format_shape(other[1:])}\"",
            )
        out = merged
    return Applied((inputs[0][0], *out), 0)


def broadcast_merge(dialect: Keras3, left: Shape, right: Shape) -> "tuple[Dim, ...] | None":
    """Element-wise broadcasting, with the version's answer for an unknown size next to a known one."""
    merged = broadcast(left, right)
    if merged is None:
        return None
    width = len(merged)
    padded = [(None,) * (width - len(s)) + tuple(s) for s in (left, right)]
    out = list(merged)
    for i, (a, b) in enumerate(zip(*padded)):
        if out[i] is None and i >= width - min(len(left), len(right)) and defined(a) != defined(b):
            out[i] = dialect.broadcast_unknown(a if defined(a) else b)  # what the library knows while it builds
    return tuple(out)


def dot(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    """Keras' ``Dot``: the dot product of two inputs along one axis of each (``Dot.compute_output_shape``)."""
    listed = ", ".join(format_shape(s) for s in inputs)
    if len(inputs) != 2:
        raise ShapeError(
            "merge-mismatch",
            f"Dot takes exactly 2 inputs, received {len(inputs)}; Keras fails with \"A `Dot` layer should be called "
            f"on a list of 2 inputs. Received: input_shape=[{listed}]\"",
        )
    axes = args.raw("axes")
    if axes is None:
        raise ShapeError("invalid-argument", "Dot needs the argument `axes`; Keras fails with \"missing 1 required "
                                             "positional argument: 'axes'\"", arg="axes")
    first, second = inputs
    if is_int(axes):
        pair = (axes % len(first), axes % len(second)) if axes < 0 else (axes, axes)  # type: ignore[operator]
    elif isinstance(axes, (tuple, list)) and len(axes) == 2 and all(is_int(a) for a in axes):
        pair = (axes[0], axes[1])
    else:
        raise UnknownArgument(f"argument `axes` of Dot is not an integer or a pair of integers: {axes!r}")
    for axis, shape in zip(pair, inputs):
        if not -len(shape) <= axis < len(shape):
            raise ShapeError("invalid-argument", f"Dot(axes={axes}): axis {axis} does not exist in an input of shape "
                                                 f"{format_shape(shape)}; Keras fails with \"tuple index out of range\"",
                             arg="axes")
    size1, size2 = first[pair[0]], second[pair[1]]
    if differ(size1, size2):
        raise ShapeError(
            "merge-mismatch",
            f"Dot(axes={axes}) multiplies axis {pair[0]} of {format_shape(first)} ({size1}) with axis {pair[1]} of "
            f"{format_shape(second)} ({size2}); Keras fails with \"Incompatible input shapes: axis values {size1} "
            f"(at axis {pair[0]}) != {size2} (at axis {pair[1]}). Full input shapes: {listed}\"",
        )
    rejected = dialect_of(rule).dot_error(inputs, tuple(a + len(s) if a < 0 else a for a, s in zip(pair, inputs)))
    if rejected is not None:
        raise rejected
    left, right = list(first), list(second)
    left.pop(pair[0])
    right.pop(pair[1])
    if not right:
        raise ShapeError("rank-mismatch", f"Dot of {listed}: an input has no axis besides the batch axis and the "
                                          f"one multiplied; Keras fails with \"pop from empty list\"")
    right.pop(0)
    out = left + right
    return Applied(tuple(out) if len(out) > 1 else (*out, 1), 0)


ROWS = [
    LayerRule("Concatenate", concatenate, ("axis",), {"axis": -1}, merge=True),
    LayerRule("Dot", dot, ("axes", "normalize"), {"normalize": False}, merge=True),
    *(LayerRule(name, elementwise, (), merge=True) for name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum")),
]

# Functional-API helpers (`layers.concatenate([a, b], axis=-1)`) → the merge layer they build.
MERGE_FUNCTIONS = {
    "concatenate": "Concatenate", "add": "Add", "subtract": "Subtract", "multiply": "Multiply",
    "average": "Average", "maximum": "Maximum", "minimum": "Minimum", "dot": "Dot",
}
