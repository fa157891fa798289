"""The loss a Keras model is compiled with, checked against the targets it is trained on.

``model.compile(loss="categorical_crossentropy")`` then ``model.fit(x, y)`` with integer labels
``y`` of shape ``(n,)``: the model builds, and training fails at its first step because the
labels are not one-hot. Only the cross-entropies are checked. Each fails on every backend and in
both versions when the target does not have the shape the loss needs; other losses broadcast
their operands, which can succeed or fail with the batch size and the backend.

What the library does first, in both versions, is followed here: Keras 3's loss wrapper adds or
drops a trailing axis of size 1 when the ranks differ by one
(``keras/src/losses/loss.py: squeeze_or_expand_to_same_rank``); Keras 2's train step makes a 1-D
target a column (``data_adapter.expand_1d``).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from ..dims import Shape, differ, equal
from ..interpreter.values import ArrayValue, QName, Value
from ..report import Span
from ..unknown import Unknown
from .batches import batch_plan

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from .dialect import Keras3

# A loss's name (as ``compile`` takes it, or its class or function in ``keras.losses``) → the target it needs.
KINDS = {
    "categorical_crossentropy": "categorical", "CategoricalCrossentropy": "categorical",
    "sparse_categorical_crossentropy": "sparse", "SparseCategoricalCrossentropy": "sparse",
    "binary_crossentropy": "binary", "BinaryCrossentropy": "binary",
}
# ``fit`` and ``evaluate`` take the target second (or as ``y=``); the ``*_on_batch`` methods too.
TARGET_METHODS = frozenset({"fit", "evaluate", "train_on_batch", "test_on_batch"})


@dataclass(eq=False)
class LossObject(Value):
    """``keras.losses.CategoricalCrossentropy(from_logits=True)``: a loss, as ``compile`` takes it."""

    name: str


def loss_call(interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
    return LossObject(func.leaf)


def is_loss_class(path: str) -> bool:
    return path.startswith("keras.losses.") and path.rsplit(".", 1)[-1] in KINDS and path.rsplit(".", 1)[-1][:1].isupper()


def loss_name(value: object) -> Optional[str]:
    """The name of a cross-entropy loss given to ``compile`` (a string, a ``keras.losses`` function or
    object); None for any other loss, several losses, or a value the analysis does not know."""
    if isinstance(value, str):
        name = value
    elif isinstance(value, LossObject):
        name = value.name
    elif isinstance(value, QName) and value.path.startswith("keras.losses."):
        name = value.leaf
    else:
        return None
    return name if name in KINDS else None


@dataclass(eq=False)
class Compiled:
    """A ``compile(loss=...)`` call: the loss's name (None for a loss not checked) and where it is given."""

    name: Optional[str]
    span: Span
    condition: Optional[str]


@dataclass(eq=False)
class TargetCall:
    """Targets given to a compiled model (``fit(x, y)``, ``validation_data=(x, y)``)."""

    model: object  # a models.KerasModel or a subclass.Subclassed: what ``output_shape()`` is asked of
    target: ArrayValue
    span: Span  # the target argument
    method: str
    loss: Compiled
    condition: Optional[str]
    majors: frozenset  # the Keras versions the model's code may run with
    batch: Optional[int] = None  # the rows of the first batch the loss sees
    fixed_batch: bool = False  # every batch has those rows (Keras 2's graph then knows the batch size)


def recompiled(compiles: list[Compiled], made: Compiled) -> list[Compiled]:
    """The losses a model may have after one more ``compile``: one on every path replaces the
    earlier ones; one on an undecided path joins them."""
    return [made] if made.condition is None else [*compiles, made]


def record_targets(interp: "Interpreter", model: object, compiles: list[Compiled], method: str, args: list,
                   kwargs: dict, node: ast.Call, majors: frozenset) -> None:
    """The targets a data call gives a compiled model, kept for the check after the run (once per
    call, loss and shape: a call in a loop is the same call)."""
    checked = [made for made in compiles if made.name is not None]
    if not checked:
        return
    calls = model_calls(interp)
    for value, written, validation in targets(method, args, kwargs, node):
        if not isinstance(value, ArrayValue) or value.ragged or not value.shape:
            continue
        span = interp.span(written)
        batch, fixed = batching(method, value.shape[0], args, kwargs, validation)
        for made in checked:
            if any(c.model is model and c.loss is made and c.span == span and c.target.shape == value.shape
                   for c in calls):
                continue
            calls.append(TargetCall(model, value, span, method, made, interp.condition(), majors, batch, fixed))
            interp.events += 1


def batching(method: str, rows: object, args: list, kwargs: dict, validation: bool) -> tuple[Optional[int], bool]:
    """The rows of the first batch of targets, and whether every batch has as many."""
    plan = batch_plan(method, rows, args, kwargs, validation)
    if plan is None:
        return None, False
    rows, batch = plan
    return min(batch, rows), rows % batch == 0


def model_calls(interp: "Interpreter") -> list[TargetCall]:
    return interp.states["keras"].target_calls  # type: ignore[attr-defined]


def compiled(interp: "Interpreter", args: list, kwargs: dict, node: ast.Call) -> Compiled:
    """``model.compile(optimizer, loss, ...)``: the loss, by keyword or second positional argument."""
    loss = kwargs["loss"] if "loss" in kwargs else args[1] if len(args) > 1 else None
    loss_node = next((k.value for k in node.keywords if k.arg == "loss"), node.args[1] if len(node.args) > 1 else node)
    return Compiled(loss_name(loss), interp.span(loss_node), interp.condition())


def targets(method: str, args: list, kwargs: dict, node: ast.Call) -> list[tuple[object, ast.expr, bool]]:
    """The targets a data call gives, with the expression each is written as, and whether they are
    ``fit``'s validation targets."""
    if method not in TARGET_METHODS or any(isinstance(a, ast.Starred) for a in node.args):
        return []
    found: list[tuple[object, ast.expr, bool]] = []
    if len(node.args) > 1:
        found.append((args[1], node.args[1], False))
    for keyword in node.keywords:
        if keyword.arg == "y":
            found.append((kwargs["y"], keyword.value, False))
        elif keyword.arg == "validation_data" and method == "fit":
            given = kwargs["validation_data"]
            if isinstance(given, (tuple, list)) and len(given) in (2, 3):
                written = keyword.value
                element = written.elts[1] if isinstance(written, (ast.Tuple, ast.List)) else written
                found.append((given[1], element, True))
    return [found_target for found_target in found if not isinstance(found_target[0], Unknown)]


def same_rank(target: Shape, output: Shape, expand_rank_1: bool) -> tuple[Shape, Shape]:
    """A trailing axis of size 1 dropped from (or, for a rank-1 other side, added to it) the side
    with one axis more (Keras 3: ``squeeze_or_expand_to_same_rank``; Keras 2:
    ``squeeze_or_expand_dimensions``, which only drops)."""
    if len(target) == len(output) + 1 and equal(target[-1], 1):
        return (target, (*output, 1)) if len(output) == 1 and expand_rank_1 else (target[:-1], output)
    if len(output) == len(target) + 1 and equal(output[-1], 1):
        return ((*target, 1), output) if len(target) == 1 and expand_rank_1 else (target, output[:-1])
    return target, output


def same_sizes(a: Shape, b: Shape) -> bool:
    """Whether two shapes may be the same (the batch axis aside: both are one batch)."""
    return len(a) == len(b) and not any(differ(x, y) for x, y in list(zip(a, b))[1:])


def target_failure(dialect: "Keras3", loss: str, target: Shape, output: Shape, batch: Optional[int] = None,
                   fixed_batch: bool = False) -> Optional[str]:
    """What the version says (quoted) when ``loss`` is given this target for this output; None when it trains."""
    kind = KINDS[loss]
    expands = dialect.expands_1d_target()
    if expands and len(target) == 1:
        target = (*target, 1)
    target, output = same_rank(target, output, not expands)
    batched_target, batched_output = (None, *target[1:]), (None, *output[1:])
    if kind == "sparse":
        labels = target[:-1] if len(target) == len(output) and equal(target[-1], 1) else target
        if same_sizes(labels, output[:-1]):
            return None
        return f'"{dialect.sparse_target_said(batched_target, batched_output, batch, fixed_batch)}"'
    if same_sizes(target, output):
        return None
    return f'"{dialect.target_said(kind, batched_target, batched_output)}"{dialect.target_aside(target, output)}'


def remedy(loss: str, target: Shape, output: Shape) -> str:
    """What usually makes the targets fit the loss: the commonest mix-ups between label encodings,
    else where the two shapes part."""
    kind, classes = KINDS[loss], output[-1] if output else None
    labels = len(target) == 1 or (len(target) == len(output) and equal(target[-1], 1))
    if kind == "categorical" and labels and isinstance(classes, int) and classes > 1:
        return (f"the targets look like class indices: compile with loss=\"sparse_categorical_crossentropy\", or "
                f"one-hot encode them (keras.utils.to_categorical(y, {classes}))")
    if kind == "sparse" and len(target) == len(output) and equal(target[-1], classes) and not equal(target[-1], 1):
        return "the targets look one-hot: compile with loss=\"categorical_crossentropy\", or give the class indices"
    if kind == "binary" and isinstance(classes, int) and classes > 1 and labels:
        return (f"the model gives {classes} values per sample for one label: end it with Dense(1, "
                f"activation=\"sigmoid\"), or use sparse_categorical_crossentropy for {classes} classes")
    expected = output[:-1] if kind == "sparse" else output
    if kind == "sparse" and len(target) == len(output) and equal(target[-1], 1):
        target = target[:-1]
    if len(target) > len(expected) and len(expected) == 1:
        return ("the targets have a label per step and the model one output per sample (a recurrent layer without "
                "return_sequences=True?)")
    if len(target) != len(expected):
        return f"the targets are {len(target)}-D and the model's output {'without its class axis ' if kind == 'sparse' else ''}{len(expected)}-D"
    axis = next((i for i in range(1, len(target)) if differ(target[i], expected[i])), None)
    if axis is None:
        return "the targets and the model's output differ in shape"
    what = "columns" if axis == len(target) - 1 and len(target) == 2 else f"along axis {axis}"
    return f"the targets have {target[axis]} {what} and the model's output {expected[axis]}"
