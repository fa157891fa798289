"""torch's refusals of operations on tensors outside any layer (a residual sum, ``torch.cat``, a
view, a matrix product, an in-place update), each with torch's own words: the checks, and the one
helper that reports them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..assemble import conditional
from ..dims import Shape, format_shape, product
from ..interpreter.tensors import Tensor
from ..report import Diagnostic, Span

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter


def view_failure(tensor: Tensor, target: object) -> Optional[str]:
    """torch's message for ``x.view(...)`` / ``x.reshape(...)`` to sizes that do not hold the
    tensor's values (with ``-1``: that no whole size does). None unless every size of both is
    known (and none is 0 or another negative)."""
    shape = tensor.shape
    if shape is None or tensor.partial or tensor.failed or not isinstance(target, (tuple, list)) or not target:
        return None
    if not all(type(d) is int and d > 0 for d in shape) or not all(type(d) is int and (d > 0 or d == -1) for d in target):
        return None
    if list(target).count(-1) > 1:
        return None
    total = product(shape)
    known = product([d for d in target if d != -1])
    fits = (total % known == 0) if -1 in target else known == total  # type: ignore[operator]
    return None if fits else f"shape '[{', '.join(str(d) for d in target)}]' is invalid for input of size {total}"


def in_place_result(interp: "Interpreter", target: Tensor, result: Tensor) -> Tensor:
    """What an in-place operation (``g += x``, ``g.add_(x)``) leaves: the target's shape, which the
    broadcast must not change; torch refuses (an error when every size is known) otherwise."""
    if result.shape is None or target.shape is None or result.shape == target.shape:
        return result
    failed = Tensor(None, "an in-place operation whose broadcast changes its tensor's shape", None, (target,))
    sizes = (*target.shape, *result.shape)
    if all(type(d) is int for d in sizes) and not target.partial and not target.failed and interp.statement is not None:
        operation_failed(interp, failed, interp.span(interp.statement), "merge-mismatch",
                         f"an in-place operation on a tensor of shape {format_shape(target.shape)} whose result has shape "
                         f"{format_shape(result.shape)};",
                         f"output with shape [{', '.join(map(str, target.shape))}] doesn't match the broadcast shape "
                         f"[{', '.join(map(str, result.shape))}]")
    return failed


def permute_failure(shape: Shape, order: object) -> Optional[str]:
    """torch's message for a permutation of the wrong length or with a dimension twice."""
    if not isinstance(order, (tuple, list)) or not all(type(i) is int for i in order):
        return None
    if len(order) != len(shape):
        return (f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired "
                f"ordering of dimensions i.e. input.dim() = {len(shape)} is not equal to len(dims) = {len(order)}")
    if all(-len(shape) <= i < len(shape) for i in order) and len({i % len(shape) for i in order}) < len(order):
        return "permute(): duplicate dims are not allowed."
    return None


def stack_failure(tensors: object, dim: object = 0) -> Optional[str]:
    """torch's message for tensors ``torch.stack`` refuses: a dimension out of range, else the first
    tensor whose shape is not the first one's. None unless every size is known."""
    if not isinstance(tensors, (list, tuple)) or not all(isinstance(t, Tensor) for t in tensors) or len(tensors) < 2:
        return None
    shapes = [t.shape for t in tensors]
    if any(s is None for s in shapes) or any(t.partial or t.failed for t in tensors):
        return None
    if not all(type(d) is int for s in shapes for d in s):  # type: ignore[union-attr]
        return None
    first = shapes[0]
    if isinstance(dim, int) and not -len(first) - 1 <= dim <= len(first):  # type: ignore[arg-type]
        return f"Dimension out of range (expected to be in range of [{-len(first) - 1}, {len(first)}], but got {dim})"  # type: ignore[arg-type]
    for entry, shape in enumerate(shapes[1:], start=1):
        if shape != first:
            return (f"stack expects each tensor to be equal size, but got [{', '.join(map(str, first))}] at entry 0 "  # type: ignore[arg-type]
                    f"and [{', '.join(map(str, shape))}] at entry {entry}")  # type: ignore[arg-type]
    return None


def operation_failed(interp: "Interpreter", result: Tensor, span: Span, code: str, what: str, message: str) -> None:
    """An operation on tensors outside any layer that torch rejects (``what`` it was, ending in its
    punctuation; ``message``, torch's words): an error at ``span`` (a warning naming the condition on an undecided path); what follows rests on
    its ``result`` and reports nothing more."""
    result.failed = True
    diagnostic = Diagnostic(span, "error", code, f"{what} torch fails with \"{message}\"")
    interp.diagnostics.append(conditional(diagnostic, interp.condition()))


def broadcast_failure(left: Tensor, right: Tensor) -> Optional[str]:
    """torch's message for two tensors whose sizes it cannot broadcast: it compares axes from the
    last, and names the first that fails (counted in the result's axes). None unless every size of
    both is known to the analysis and one axis certainly fails."""
    a, b = left.shape, right.shape
    if a is None or b is None or left.partial or right.partial or left.failed or right.failed:
        return None
    if not all(type(d) is int for d in (*a, *b)):
        return None
    rank = max(len(a), len(b))
    for axis in range(1, rank + 1):
        size_a = a[-axis] if axis <= len(a) else 1
        size_b = b[-axis] if axis <= len(b) else 1
        if size_a != size_b and size_a != 1 and size_b != 1:
            return (f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) at non-singleton "
                    f"dimension {rank - axis}")
    return None


def matmul_failure(left: Tensor, right: Tensor, form: str = "matmul") -> Optional[str]:
    """torch's message for a matrix product it refuses (``@`` / ``torch.matmul``, or the stricter
    ``torch.mm`` / ``torch.bmm``): the inner sizes differ, or the batch axes do not broadcast. None
    unless every size is known and the case is one whose words were checked against torch."""
    a, b = left.shape, right.shape
    if a is None or b is None or left.partial or right.partial or left.failed or right.failed or not a or not b:
        return None
    if not all(type(d) is int for d in (*a, *b)):
        return None
    if form == "mm" and (len(a) != 2 or len(b) != 2) or form == "bmm" and (len(a) != 3 or len(b) != 3):
        return None  # torch refuses other ranks with messages of their own
    if form == "bmm":
        if a[0] == b[0] and a[2] == b[1]:
            return None
        return f"Expected size for first two dimensions of batch2 tensor to be: [{a[0]}, {a[2]}] but got: [{b[0]}, {b[1]}]."
    if len(b) == 1:
        if len(a) == 2 and a[1] != b[0]:
            return f"size mismatch, got input ({a[0]}), mat ({a[0]}x{a[1]}), vec ({b[0]})"
        return None
    if len(b) == 2:  # the rows of every matrix of `a` multiplied at once
        if a[-1] == b[0]:
            return None
        return f"mat1 and mat2 shapes cannot be multiplied ({product(a[:-1])}x{a[-1]} and {b[0]}x{b[1]})"
    if len(a) == 1:
        return None
    batch_failure = broadcast_failure(Tensor(a[:-2], None, None, ()), Tensor(b[:-2], None, None, ()))
    if batch_failure is not None:
        return batch_failure
    if a[-1] == b[-2]:
        return None
    rank = max(len(a), len(b)) - 2
    batch = product(tuple(max(x, y) for x, y in zip((1,) * (rank - len(a) + 2) + a[:-2], (1,) * (rank - len(b) + 2) + b[:-2])))
    return f"Expected size for first two dimensions of batch2 tensor to be: [{batch}, {a[-1]}] but got: [{batch}, {b[-2]}]."


def cat_failure(tensors: object, dim: object) -> Optional[str]:
    """torch's message for a ``torch.cat`` it rejects: tensors of different ranks, or a size that
    differs from the first tensor's outside the joined dimension (tensors, then their axes, in
    order). None unless every size is known to the analysis (and none is 0: torch skips empty
    tensors) and one certainly differs."""
    if not isinstance(tensors, (list, tuple)) or not all(isinstance(t, Tensor) for t in tensors):
        return None
    shapes = [t.shape for t in tensors]
    if not isinstance(dim, int) or len(shapes) < 2 or any(s is None or not s for s in shapes) \
            or any(t.partial or t.failed for t in tensors):
        return None
    if not all(type(d) is int and d > 0 for s in shapes for d in s):  # type: ignore[union-attr]
        return None
    first = shapes[0]
    for shape in shapes[1:]:
        if len(shape) != len(first):  # type: ignore[arg-type]
            return f"Tensors must have same number of dimensions: got {len(first)} and {len(shape)}"  # type: ignore[arg-type]
    rank = len(first)  # type: ignore[arg-type]
    if not -rank <= dim < rank:
        return None
    axis = dim % rank
    for number, shape in enumerate(shapes[1:], start=1):
        for index, (expected, got) in enumerate(zip(first, shape)):  # type: ignore[arg-type]
            if index != axis and expected != got:
                return (f"Sizes of tensors must match except in dimension {axis}. Expected size {expected} but got "
                        f"size {got} for tensor number {number} in the list.")
    return None
