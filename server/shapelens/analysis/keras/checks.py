"""After the file ran: build the Sequentials nothing built, and check the data given to models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..assemble import conditional
from ..dims import Shape, differ, equal, format_shape
from ..interpreter.values import LayerObj
from ..report import Diagnostic
from .dialect import Keras3, dialects
from .joined import one_sided
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
            model.run(interp, shape if shape is not None else first_call.get(id(model)), model.context)


def declared_input(model: KerasModel, dialect: Optional[Keras3] = None) -> Optional[Shape]:
    """The input the model declares, as a version reads it: Keras 2 takes a first Embedding's
    ``input_length`` as the input length (for code whose version is known to be Keras 2 the
    frontend has made that the layer's declared input already)."""
    if isinstance(model, KerasSequential):
        declared = model.declared_input()
        if declared is None and dialect is not None and dialect.declares_input_length():
            first = next((e for e in model.entries if isinstance(e, LayerObj)), None)
            length = first.spec.args.values.get("input_length") if first is not None and first.spec else None
            return (None, length) if isinstance(length, int) else None
        return declared
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
    """Data given to a model, checked as each version the file may run with checks it."""
    model, method = call.model, call.method
    got = call.array.shape
    findings = []
    for dialect in dialects(model.version.majors):
        expected = declared_input(model, dialect)
        findings.append((dialect, None if expected is None else data_check(dialect, model, expected, got)))
    expected = next((e for e in (declared_input(model, d) for d, _ in findings) if e is not None), None)
    errors = [(d, f[1]) for d, f in findings if f is not None and f[0] == "error"]
    if errors and len(errors) == len(findings):
        severity, explanation = "error", errors[0][1]
    elif errors:
        accepting = [d for d, f in findings if f is None or f[0] != "error"]
        severity, explanation = "warning", one_sided(errors[0][1], [d for d, _ in errors], accepting)
    else:
        severity, explanation = next(((f[0], f[1]) for _, f in findings if f is not None), ("", ""))
        if not severity:
            return None
    where = f"model.{method}(...)" if method != "__call__" else "model(...)"
    data = (("expected_shape", expected), ("array_span", call.array.span), ("method", method))
    return Diagnostic(call.span, severity, "input-mismatch", f"{where} receives an array of shape "  # type: ignore[arg-type]
                      f"{format_shape(got)} but the model {explanation}", (), (), data)


def fits(expected: Shape, got: Shape) -> bool:
    """Keras' model-level input check: every size both know agrees, after a trailing axis of size 1
    is dropped from either side (batch aside: predict slices the data into batches)."""
    if got and equal(got[-1], 1):
        got = got[:-1]
    if expected and equal(expected[-1], 1):
        expected = expected[:-1]
    return not any(i > 0 and differ(a, b) for i, (a, b) in enumerate(zip(expected, got)))


def adjusted_rank(expected: Shape, got: Shape) -> Optional[Shape]:
    """The data with a trailing axis of size 1 added or dropped to match the model's rank, as Keras
    does (MNIST arrays without the channel axis); None when the ranks differ otherwise."""
    if len(got) == len(expected):
        return got
    if len(got) == len(expected) - 1 and equal(expected[-1], 1):
        return (*got, 1)
    if len(got) == len(expected) + 1 and equal(got[-1], 1):
        return got[:-1]
    return None


def data_check(dialect: Keras3, model: KerasModel, expected: Shape, got: Shape) -> Optional[tuple[str, str]]:
    """(severity, what the model does with the data) under one version; None when it runs as declared."""
    functional = isinstance(model, KerasFunctional)
    if dialect.checks_model_input(functional) and not fits(expected, got):
        return "error", (f"expects {format_shape(expected)}; Keras fails with "
                         f"\"{dialect.model_input_said(functional, expected, got, model.keras_name)}\"")
    adjusted = adjusted_rank(expected, got)
    if adjusted is None:
        if dialect.rank_mismatch_fails():
            return "error", (f"expects {format_shape(expected)}: {len(got)}-D instead of {len(expected)}-D; Keras fails "
                             f"with \"Invalid input shape for input ... Expected shape {format_shape(expected)}, but "
                             f"input has incompatible shape {format_shape(got)}\"")
        adjusted = got
    same_rank = len(adjusted) == len(expected)
    if same_rank and not any(i > 0 and differ(a, b) for i, (a, b) in enumerate(zip(expected, adjusted))):
        return None
    if functional and same_rank:
        return "error", (f"expects {format_shape(expected)}; Keras fails with "
                         f"\"{dialect.model_input_said(functional, expected, adjusted, model.keras_name)}\"")
    if not isinstance(model, KerasSequential):
        return "warning", (f"was built for {format_shape(expected)}; {dialect.label} runs its layers on this shape "
                           f"and each checks it on its own")
    rejection = model.rejection(adjusted)
    if rejection:
        return "error", (f"was built for {format_shape(expected)}; a Sequential model does not check this at its "
                         f"input, so it fails deeper: {rejection}")
    return "warning", (f"was built for {format_shape(expected)}; {dialect.label} runs it (every layer accepts the new "
                       f"size) but the shapes differ from the declared ones")
