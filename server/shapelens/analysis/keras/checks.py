"""After the file ran: build the Sequentials nothing built, and check the data given to models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..assemble import conditional
from ..dims import Shape, differ, format_shape
from ..report import Diagnostic
from .models import KerasFunctional, KerasModel, KerasSequential

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import DataCall, KerasState


def build_unbuilt(interp: "Interpreter", state: "KerasState") -> None:
    """A Sequential with no input of its own is built by its first call with a literal array, as in Keras 3."""
    first_call: dict[int, Shape] = {}
    for call in state.data_calls:
        if isinstance(call.model, KerasSequential) and call.model.declared_input() is None:
            first_call.setdefault(id(call.model), call.array.shape)
    for model in state.sequentials:
        if model.run_nodes is None:
            shape = model.declared_input()
            shape = shape if shape is not None else first_call.get(id(model))
            if shape is None:
                with interp.symbols.new_scope() as scope:  # sized only by symbols the first layer implies
                    scope.update(model.symbols)  # and those of the scope it was made in (a builder's parameters)
                    model.symbols = scope
                    model.run(interp, None, model.context)
            else:
                model.run(interp, shape, model.context)


def declared_input(model: KerasModel) -> Optional[Shape]:
    if isinstance(model, KerasSequential):
        return model.declared_input()
    shape = model.input_shape()
    return None if shape is None or isinstance(shape[0], tuple) else shape  # type: ignore[return-value]


def data_diagnostics(interp: "Interpreter", state: "KerasState") -> list[Diagnostic]:
    found = []
    for call in state.data_calls:
        diagnostic = input_mismatch(call)
        if diagnostic is not None:
            found.append(conditional(diagnostic, call.condition))
    return found


def input_mismatch(call: "DataCall") -> Optional[Diagnostic]:
    model, method = call.model, call.method
    expected = declared_input(model)
    got = call.array.shape
    if expected is None:
        return None
    where = f"model.{method}(...)" if method != "__call__" else "model(...)"

    def finding(severity: str, explanation: str) -> Diagnostic:
        data = (("expected_shape", expected), ("array_span", call.array.span), ("method", method))
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
