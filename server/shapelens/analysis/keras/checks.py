"""After the file ran: build the Sequentials nothing built, and check the data given to models."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Optional

from ..assemble import conditional
from ..dims import Shape, differ, format_shape
from ..interpreter.provenance import merge
from ..report import Diagnostic
from .models import KerasFunctional, KerasModel, KerasSequential

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import DataCall, KerasState


# Where each data method takes `batch_size` positionally, and the steps argument that sizes a batch
# when `batch_size` is not given (keras/src/trainers/data_adapters/array_data_adapter.py).
BATCHED = {"fit": (2, "steps_per_epoch"), "evaluate": (2, "steps"), "predict": (1, "steps")}
DEFAULT_BATCH = 32


def first_batch(method: str, shape: Shape, args: list, kwargs: dict) -> Optional[int]:
    """How many rows the first batch Keras feeds the model has: the whole array for a call or an
    ``*_on_batch``; ``min(batch_size, rows)`` for ``fit`` (after ``validation_split``), ``evaluate``
    and ``predict``, where ``batch_size`` defaults to 32, or to ``ceil(rows / steps)`` given steps."""
    rows = shape[0] if shape else None
    if not isinstance(rows, int) or method not in BATCHED:
        return rows if isinstance(rows, int) else None
    position, steps_name = BATCHED[method]
    split = kwargs.get("validation_split", 0.0) if method == "fit" else 0.0
    if not isinstance(split, (int, float)) or isinstance(split, bool):
        return None
    if split:
        rows = int(math.floor(rows * (1.0 - split)))
    batch = args[position] if len(args) > position else kwargs.get("batch_size")
    steps = kwargs.get(steps_name)
    if batch is None or batch == 0:
        if steps is None:
            batch = DEFAULT_BATCH
        elif isinstance(steps, int) and not isinstance(steps, bool) and steps > 0:
            batch = int(math.ceil(rows / steps))
    if not isinstance(batch, int) or isinstance(batch, bool) or batch <= 0:
        return None
    return min(batch, rows)


def build_unbuilt(interp: "Interpreter", state: "KerasState") -> None:
    """A Sequential with no input of its own is built by the first batch of the first data it is
    given, as in Keras 3 (on the torch backend, the batch size is the first batch's)."""
    first_call: dict[int, "DataCall"] = {}
    for call in state.data_calls:
        if isinstance(call.model, KerasSequential) and call.model.declared_input() is None:
            first_call.setdefault(id(call.model), call)
    for model in state.sequentials:
        if model.run_nodes is not None:
            continue
        shape = model.declared_input()
        call = first_call.get(id(model))
        if shape is not None:
            model.run(interp, shape, model.context)
            continue
        if call is None:
            with interp.symbols.new_scope() as scope:  # sized only by symbols the first layer implies
                scope.update(model.symbols)  # and those of the scope it was made in (a builder's parameters)
                model.symbols = scope
                model.run(interp, None, model.context)
            continue
        built = call.first_batch_shape()
        if built is None:
            model.run(interp, None, model.context, reason=f"the model is built by the data given to {call.where()}, "
                                                          f"whose shape is not known: {call.reason}")
            continue
        batch = "its rows" if call.method not in BATCHED else f"{call.batch} rows" if call.batch is not None else "rows"
        note = (f"input {format_shape(built)}: the first batch ({batch}) of the data given to {call.where()}, "
                f"on which Keras builds a Sequential without an input")
        model.run(interp, built, model.context, merge(call.array.notes, (note,)))  # type: ignore[union-attr]


def declared_input(model: KerasModel) -> Optional[Shape]:
    if isinstance(model, KerasSequential):
        return model.declared_input()
    shape = model.input_shape()
    return None if shape is None or isinstance(shape[0], tuple) else shape  # type: ignore[return-value]


def data_diagnostics(interp: "Interpreter", state: "KerasState") -> list[Diagnostic]:
    found = []
    built_by: dict[int, "DataCall"] = {}
    for call in state.data_calls:
        if call.array is None:
            continue
        model = call.model
        if isinstance(model, KerasSequential) and model.declared_input() is None:
            # built by its first data: later data is checked against what that built, as Keras does
            first = built_by.setdefault(id(model), call)
            built = model.run_input
            diagnostic = None if first is call or built is None else input_mismatch(call, (None, *built[1:]))
        else:
            diagnostic = input_mismatch(call)
        if diagnostic is not None:
            found.append(conditional(diagnostic, call.condition))
    return found


def input_mismatch(call: "DataCall", built: Optional[Shape] = None) -> Optional[Diagnostic]:
    """Data that does not fit the model's input (``built``: the input its first data built)."""
    model, method = call.model, call.method
    expected = declared_input(model) if built is None else built
    got = call.array.shape  # type: ignore[union-attr]
    if expected is None:
        return None
    where = f"model.{method}(...)" if method != "__call__" else "model(...)"

    def finding(severity: str, explanation: str) -> Diagnostic:
        data = (("expected_shape", expected), ("array_span", call.array.span), ("method", method))  # type: ignore[union-attr]
        return Diagnostic(call.span, severity, "input-mismatch", f"{where} receives an array of shape "  # type: ignore[arg-type]
                          f"{format_shape(got)} but the model {explanation}", (), (), data)

    # Keras 3 adds or drops a trailing axis of size 1 (MNIST arrays without the channel axis)
    if len(got) == len(expected) - 1 and expected[-1] == 1:
        got = (*got, 1)
    elif len(got) == len(expected) + 1 and got[-1] == 1:
        got = got[:-1]
    if len(expected) != len(got):
        return finding("error", f"expects {format_shape(expected)}: {len(got)}-D instead of {len(expected)}-D; Keras fails "
                                f"with \"Invalid input shape for input ... Expected shape {format_shape(expected)}, but input "
                                f"has incompatible shape {format_shape(got)}\"")
    if not any(i > 0 and differ(a, b) for i, (a, b) in enumerate(zip(expected, got))):
        return None
    if isinstance(model, KerasFunctional):
        return finding("error", f"expects {format_shape(expected)}; Keras fails with \"is incompatible with the layer: "
                                f"expected shape={format_shape(expected)}, found shape={format_shape(got)}\"")
    rejection = model.rejection(got)  # type: ignore[union-attr]
    if rejection:
        return finding("error", f"was built for {format_shape(expected)}; a Sequential model does not check this at its "
                                f"input, so it fails deeper: {rejection}")
    return finding("warning", f"was built for {format_shape(expected)}; Keras 3 runs it (every layer accepts the new size) "
                              f"but the shapes differ from the declared ones")
