"""The dimension type: one size of a tensor axis, and the shapes made of them.

A dimension is an ``int`` when the program fixes it, a ``Sym`` (an exact integer expression over
named sizes, ``H-2``) when it is sized by something the program leaves open, and ``None`` when
nothing is known. Every formula and every printed shape goes through this module: arithmetic
propagates ``None``; comparisons are three-valued (``True``, ``False``, or ``None`` when the
answer depends on the sizes), and an error may be raised only on a certain answer.
"""

from __future__ import annotations

import operator
from typing import Callable, Iterable, Optional, Sequence, Union

from .symbolic import Sym

Dim = Union[int, Sym, None]
Shape = tuple[Dim, ...]
# A layer with several outputs (an RNN with return_state) has a tuple of shapes.
OutputShape = Union[Shape, tuple[Shape, ...], None]
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}


def is_dim(value: object) -> bool:
    """A size a rule can compute with: an integer (not a bool) or a symbolic size."""
    return (isinstance(value, int) and not isinstance(value, bool)) or isinstance(value, Sym)


def symbol(name: str) -> Sym:
    return Sym.symbol(name)


def format_dim(dim: Dim) -> str:
    return "None" if dim is None else str(dim)


def pretty_dim(dim: Dim) -> str:
    """For people: ``H−2``, ``⌈H/2⌉``."""
    return dim.pretty() if isinstance(dim, Sym) else format_dim(dim)


def format_shape(shape: Sequence[Dim]) -> str:
    """``(None, 26, 26, 32)``, as Python prints a tuple (``(None,)`` for one axis)."""
    return "(" + ", ".join(format_dim(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def format_built(shape: Sequence[Dim]) -> str:
    """A shape as the library prints it while it builds the model: a size only the data fixes
    (a dynamic symbol) is ``None`` there."""
    return format_shape(tuple(d if defined(d) else None for d in shape))


def format_output(shape: OutputShape) -> str:
    """A layer's output: one shape, several (``[(None, 16), (None, 16)]``), or ``?`` if unknown."""
    if shape is None:
        return "?"
    if shape and isinstance(shape[0], tuple):
        return "[" + ", ".join(format_shape(s) for s in shape) + "]"  # type: ignore[arg-type]
    return format_shape(shape)  # type: ignore[arg-type]


def pretty_shape(shape: Sequence[Dim]) -> str:
    """For people: ``(None, H−2, ⌈W/2⌉, 32)``."""
    return "(" + ", ".join(pretty_dim(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def pretty_output(shape: OutputShape) -> str:
    """``format_output`` for people."""
    if shape is None:
        return "?"
    if shape and isinstance(shape[0], tuple):
        return "[" + ", ".join(pretty_shape(s) for s in shape) + "]"  # type: ignore[arg-type]
    return pretty_shape(shape)  # type: ignore[arg-type]


def format_numpy(shape: Sequence[Dim]) -> str:
    """numpy's way, as Keras 3 prints shapes in some messages: ``[None 1 1 64]``."""
    return "[" + " ".join(format_dim(d) for d in shape) + "]"


def known(dim: Dim) -> bool:
    return dim is not None


def defined(dim: Dim) -> bool:
    """Known while the library builds the model: not ``None`` and not sized by data alone
    (Keras builds ``Input(shape=(None, 3))`` with that ``None`` open)."""
    return dim is not None and not (isinstance(dim, Sym) and dim.dynamic())


def add(a: Dim, b: Dim) -> Dim:
    return None if a is None or b is None else a + b


def sub(a: Dim, b: Dim) -> Dim:
    return None if a is None or b is None else a - b


def mul(a: Dim, b: Dim) -> Dim:
    return None if a is None or b is None else a * b


def floordiv(a: Dim, b: int) -> Dim:
    return None if a is None else a // b


def ceildiv(a: Dim, b: int) -> Dim:
    return None if a is None else -(-a // b)


def product(dims: Iterable[Dim]) -> Dim:
    """The number of values in these axes; unknown if any axis is."""
    out: Dim = 1
    for dim in dims:
        if dim is None:
            return None
        out = out * dim
    return out


def compare(a: Dim, op: str, b: Dim) -> Optional[bool]:
    """``a op b`` when the program fixes the answer; ``None`` when it depends on the sizes (every
    size symbol stands for a positive integer) or a side is unknown."""
    if a is None or b is None:
        return None
    if not isinstance(a, Sym) and not isinstance(b, Sym):
        return COMPARISONS[op](a, b)
    difference = a - b
    if not isinstance(difference, Sym):
        return COMPARISONS[op](difference, 0)
    low, high = difference.bounds()
    if op in ("==", "!="):
        if low > 0 or high < 0:
            return op == "!="
        return None
    if COMPARISONS[op](low, 0) and COMPARISONS[op](high, 0):
        return True
    if not COMPARISONS[op](low, 0) and not COMPARISONS[op](high, 0):
        return False
    return None


def equal(a: Dim, b: Dim) -> Optional[bool]:
    """Three-valued ``a == b``."""
    return compare(a, "==", b)


def differ(a: Dim, b: Dim) -> bool:
    """The two sizes certainly differ (an error may be raised only then)."""
    return compare(a, "!=", b) is True


def nonpositive(dim: Dim) -> bool:
    """The size is certainly zero or negative (a window that does not fit)."""
    return compare(dim, "<=", 0) is True


def broadcast(left: Sequence[Dim], right: Sequence[Dim]) -> Optional[tuple[Dim, ...]]:
    """Element-wise shape of two operands (numpy rules, aligned at the right); ``None`` when two
    sizes certainly differ and neither is 1."""
    if len(left) < len(right):
        left, right = right, left
    head = tuple(left[: len(left) - len(right)])
    out: list[Dim] = []
    for a, b in zip(left[len(left) - len(right):], right):
        if a is None or b is None:
            out.append(None)
        elif equal(a, 1) is True:
            out.append(b)
        elif equal(b, 1) is True or equal(a, b) is True:
            out.append(a)
        elif differ(a, b) and equal(a, 1) is False and equal(b, 1) is False:
            return None
        else:
            out.append(None)  # it depends on the sizes whether these broadcast
    return head + tuple(out)


def matmul_shape(left: Sequence[Dim], right: Sequence[Dim]) -> Union[tuple[Dim, ...], str]:
    """The shape of ``a @ b`` as numpy and torch compute it (a 1-D operand is a vector; the axes
    before the last two broadcast); a string says why it is not known."""
    if not left or not right:
        return "a matrix product of a scalar"
    inner = right[0] if len(right) == 1 else right[-2]
    if left[-1] is not None and inner is not None and differ(left[-1], inner):
        return f"the inner sizes of a matrix product differ ({left[-1]} and {inner})"
    if len(right) == 1:
        return tuple(left[:-1])
    if len(left) == 1:
        return tuple(right[:-2]) + (right[-1],)
    batch = broadcast(left[:-2], right[:-2])
    if batch is None:
        return "the batch axes of a matrix product do not broadcast"
    return (*batch, left[-2], right[-1])


def einsum_shape(spec: str, shapes: Sequence[Shape]) -> Union[Shape, str]:
    """The shape of ``einsum(spec, *operands)`` as numpy, torch and Keras compute it: each output
    letter's size, read from the operands (without ``->``, the letters that appear once, in
    alphabetical order); ``...`` stands for the leading axes, broadcast between the operands. A
    string says why it is not known (operands the subscripts do not fit are not judged here)."""
    spec = spec.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        return "an einsum whose operands do not match its subscripts"
    sizes: dict[str, Dim] = {}
    leading: Optional[tuple[Dim, ...]] = ()
    for term, shape in zip(terms, shapes):
        letters = term.replace("...", "")
        if (letters and not letters.isalpha()) or ("..." not in term and len(letters) != len(shape)) \
                or len(letters) > len(shape):
            return "an einsum whose subscripts do not match its operands"
        start = term.index("...") if "..." in term else len(letters)
        extra = len(shape) - len(letters)
        if "..." in term and leading is not None:
            leading = broadcast(leading, shape[start:start + extra])
        for letter, size in zip(letters, (*shape[:start], *shape[start + extra:])):
            seen = sizes.setdefault(letter, size)
            if equal(seen, size) is not True:
                if seen is not None and size is not None and equal(seen, size) is False:
                    return "an einsum whose operands disagree on a size"
                sizes[letter] = seen if seen is not None else size
    if leading is None:
        return "an einsum whose `...` axes do not broadcast"
    if not arrow:
        counts = inputs.replace("...", "")
        output = ("..." if "..." in inputs else "") + "".join(
            sorted(c for c in set(counts) if c.isalpha() and counts.count(c) == 1))
    if any(letter not in sizes for letter in output.replace("...", "")):
        return "an einsum with an output letter no operand has"
    head, dots, tail = output.partition("...")
    return (*(sizes[letter] for letter in head), *(leading if dots else ()), *(sizes[letter] for letter in tail))


def index_shape(shape: Shape, index: object) -> Union[Shape, str]:
    """The shape a basic index (ints, slices, ``...``, ``None``) leaves, as numpy and torch index;
    a string says why it is not known."""
    items = index if isinstance(index, tuple) else (index,)
    if not all((isinstance(i, (int, slice)) and not isinstance(i, bool)) or i is Ellipsis or i is None for i in items):
        return "an index the analysis does not follow"
    if items.count(Ellipsis) > 1:
        return "an index with several `...`"
    if Ellipsis in items:
        at = items.index(Ellipsis)
        fill = len(shape) - (len([i for i in items if i is not None]) - 1)
        items = items[:at] + (slice(None),) * fill + items[at + 1:]
    out: list = []
    dims = iter(shape)
    missing = object()
    for item in items:
        if item is None:
            out.append(1)
            continue
        dim = next(dims, missing)
        if dim is missing:
            return "too many indices"
        if isinstance(item, slice):
            if item == slice(None):
                out.append(dim)
            else:
                out.append(len(range(dim)[item]) if isinstance(dim, int) else None)
        elif isinstance(dim, int) and not -dim <= item < dim:
            return f"index {item} is out of bounds for an axis of size {dim}"
    out.extend(dims)
    return tuple(out)
