"""numpy's shape rules: what ``reshape``, ``transpose``, ``squeeze``, ``expand_dims``, ``stack``,
``concatenate`` and the reductions make of a shape. Each returns the new shape, or a string saying
why it is not known (numpy would raise, or a size is not known)."""

from __future__ import annotations

from typing import Optional, Sequence, Union

from ..dims import Shape, add, differ, equal, format_shape, product

Result = Union[Shape, str]


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def axis_index(axis: object, rank: int) -> Optional[int]:
    """A possibly negative axis as a position, ``None`` when it is not an axis of this rank."""
    if not is_int(axis) or not -rank <= axis < rank:  # type: ignore[operator]
        return None
    return axis % rank  # type: ignore[operator]


def target_of(args: Sequence[object]) -> Optional[tuple]:
    """``reshape(2, 3)`` or ``reshape((2, 3))``: the target shape."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    if len(args) == 1 and is_int(args[0]):
        return (args[0],)
    if args and all(is_int(a) for a in args):
        return tuple(args)
    return None


def reshape(shape: Shape, target: Optional[tuple]) -> Result:
    if target is None or not all(is_int(d) or d is None for d in target):
        return "a reshape to sizes that are not constant"
    if sum(1 for d in target if d == -1) > 1:
        return "can only specify one unknown dimension (numpy raises)"
    if any(d is None or (d < 0 and d != -1) for d in target):  # type: ignore[operator]
        return "a reshape to sizes that are not constant"
    total = product(shape)
    known = product(d for d in target if d != -1)
    if -1 in target:
        if total is None or not isinstance(total, int) or not isinstance(known, int):
            return tuple(None if d == -1 else d for d in target)
        if known == 0 or total % known:
            return f"cannot reshape an array of size {total} into shape {format_shape(target)} (numpy raises)"
        return tuple(total // known if d == -1 else d for d in target)
    if isinstance(total, int) and isinstance(known, int) and total != known:
        return f"cannot reshape an array of size {total} into shape {format_shape(target)} (numpy raises)"
    return tuple(target)


def transpose(shape: Shape, axes: Optional[Sequence[object]]) -> Result:
    if axes is None or len(axes) == 0:
        return tuple(reversed(shape))
    order = [axis_index(a, len(shape)) for a in axes]
    if len(order) != len(shape) or None in order or sorted(order) != list(range(len(shape))):  # type: ignore[type-var]
        return "axes that do not match the array (numpy raises)"
    return tuple(shape[i] for i in order)  # type: ignore[index]


def swapaxes(shape: Shape, first: object, second: object) -> Result:
    a, b = axis_index(first, len(shape)), axis_index(second, len(shape))
    if a is None or b is None:
        return "an axis out of range (numpy raises)"
    dims = list(shape)
    dims[a], dims[b] = dims[b], dims[a]
    return tuple(dims)


def moveaxis(shape: Shape, source: object, destination: object) -> Result:
    a, b = axis_index(source, len(shape)), axis_index(destination, len(shape))
    if a is None or b is None:
        return "an axis out of range (numpy raises)"
    dims = list(shape)
    dims.insert(b, dims.pop(a))
    return tuple(dims)


def squeeze(shape: Shape, axis: object = None) -> Result:
    if axis is None:
        if not all(is_int(d) for d in shape):
            return "a squeeze of an array with an unknown dimension"
        return tuple(d for d in shape if d != 1)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    positions = {axis_index(a, len(shape)) for a in axes}
    if None in positions:
        return "an axis out of range (numpy raises)"
    if any(differ(shape[p], 1) for p in positions):  # type: ignore[index]
        return "cannot select an axis to squeeze out which has size not equal to one (numpy raises)"
    return tuple(d for i, d in enumerate(shape) if i not in positions)


def expand_dims(shape: Shape, axis: object) -> Result:
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    rank = len(shape) + len(axes)
    positions = sorted(p for p in (axis_index(a, rank) for a in axes) if p is not None)  # type: ignore[type-var]
    if len(positions) != len(axes):
        return "an axis out of range (numpy raises)"
    dims = list(shape)
    for position in positions:
        dims.insert(position, 1)
    return tuple(dims)


def stack(shapes: list[Shape], axis: object = 0) -> Result:
    if not shapes:
        return "a stack of no arrays (numpy raises)"
    first = shapes[0]
    if any(len(s) != len(first) for s in shapes):
        return "all input arrays must have the same shape (numpy raises)"
    position = axis_index(axis, len(first) + 1)
    if position is None:
        return "an axis out of range (numpy raises)"
    dims = [d if all(equal(s[i], d) is True for s in shapes) else None for i, d in enumerate(first)]
    dims.insert(position, len(shapes))
    return tuple(dims)


def concatenate(shapes: list[Shape], axis: object = 0) -> Result:
    if not shapes:
        return "a concatenation of no arrays (numpy raises)"
    first = shapes[0]
    if any(len(s) != len(first) for s in shapes):
        return "all the input arrays must have the same number of dimensions (numpy raises)"
    if axis is None:
        total = product(d for s in shapes for d in s)
        return (total,)
    position = axis_index(axis, len(first))
    if position is None:
        return "an axis out of range (numpy raises)"
    dims: list = []
    for i, d in enumerate(first):
        column = [s[i] for s in shapes]
        if i == position:
            total = column[0]
            for c in column[1:]:
                total = add(total, c)
            dims.append(total)
        elif any(differ(c, column[0]) for c in column):
            return (f"the array dimensions except for the concatenation axis must match exactly: "
                    f"{' and '.join(format_shape(s) for s in shapes)} (numpy raises)")
        else:
            dims.append(next((c for c in column if c is not None), None))
    return tuple(dims)


def reduce(shape: Shape, axis: object = None, keepdims: object = False) -> Result:
    """``x.mean(axis=0)``, ``np.argmax(y, axis=1)``: the axes left after a reduction."""
    if axis is None:
        return tuple(1 for _ in shape) if keepdims is True else ()
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    positions = {axis_index(a, len(shape)) for a in axes}
    if None in positions:
        return "an axis out of range (numpy raises)"
    if keepdims is True:
        return tuple(1 if i in positions else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in positions)
