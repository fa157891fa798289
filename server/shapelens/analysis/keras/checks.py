"""After the file ran: build the Sequentials nothing built, and check the data given to models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..assemble import conditional
from ..dims import Shape, differ, equal, format_built, format_shape
from ..interpreter.provenance import merge
from ..interpreter.values import LayerObj
from ..report import Diagnostic, Related
from .dialect import Keras3, dialects
from .batches import BATCHED
from .joined import one_sided, verdict
from .losses import remedy, target_failure
from .models import KerasFunctional, KerasModel, KerasSequential, nested_in

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import DataCall, KerasState


def build_unbuilt(interp: "Interpreter", state: "KerasState") -> None:
    """A Sequential with no input of its own is built by the first batch of the first data it is
    given, as in Keras 3 (on the torch backend, the batch size is the first batch's)."""
    first_call: dict[int, "DataCall"] = {}
    for call in state.data_calls:
        if isinstance(call.model, KerasSequential) and call.model.declared_input() is None:
            first_call.setdefault(id(call.model), call)
    # a Sequential that is an entry of another is built by that one's run, on the input it gets there
    # (or that a TimeDistributed entry applies to each step, built for one step)
    nested = {id(entry) for model in state.sequentials for entry in model.entries if isinstance(entry, KerasModel)}
    nested |= {id(inner) for model in state.sequentials for entry in model.entries if isinstance(entry, LayerObj)
               for inner in [nested_in(entry.spec)] if isinstance(inner, KerasModel)}
    for model in sorted(state.sequentials, key=lambda model: id(model) in nested):
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
        if call.method == "__call__" and 2 in model.version.majors:
            # tf_keras builds a Sequential without an input, called on data, for any batch size
            built = (None, *built[1:])
            note = (f"input {format_shape(built)}: the data given to {call.where()}, on which Keras 2 builds "
                    f"a Sequential without an input, for any batch size")
        else:
            batch = "its rows" if call.method not in BATCHED else f"{call.batch} rows" if call.batch is not None else "rows"
            note = (f"input {format_shape(built)}: the first batch ({batch}) of the data given to {call.where()}, "
                    f"on which Keras builds a Sequential without an input")
        model.run(interp, built, model.context, merge(call.array.notes, (note,)))  # type: ignore[union-attr]


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
    built_by: dict[int, "DataCall"] = {}
    for call in state.data_calls:
        if call.array is None:
            continue
        model = call.model
        if isinstance(model, KerasSequential) and all(declared_input(model, d) is None
                                                          for d in dialects(model.version.majors)):
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
    """Data given to a model, checked as each version the file may run with checks it (``built``:
    the input its first data built, for a Sequential built by its data)."""
    model, method = call.model, call.method
    got = call.array.shape  # type: ignore[union-attr]
    findings = []
    for dialect in dialects(model.version.majors):
        expected = declared_input(model, dialect) if built is None else built
        findings.append((dialect, None if expected is None else data_check(dialect, model, expected, got)))
    expected = built if built is not None else next(
        (e for e in (declared_input(model, d) for d, _ in findings) if e is not None), None)
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
    data = (("expected_shape", expected), ("array_span", call.array.span), ("method", method))  # type: ignore[union-attr]
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
                             f"with \"Invalid input shape for input ... Expected shape {format_built(expected)}, but "
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


def target_diagnostics(state: "KerasState") -> list[Diagnostic]:
    """Targets that do not fit the compiled cross-entropy: training fails at its first step."""
    found = []
    for call in state.target_calls:
        output = call.model.output_shape()  # type: ignore[attr-defined]
        name = call.loss.name
        target = call.target.shape
        if name is None or not output or isinstance(output[0], tuple) or not target:
            continue
        findings = [(dialect, target_failure(dialect, name, target, output, call.batch, call.fixed_batch))
                    for dialect in dialects(call.majors)]
        found_verdict = verdict(findings, "Keras fails with {said}")
        if found_verdict is None:
            continue
        severity, explanation = found_verdict
        message = (f"model.{call.method}(...) gives targets of shape {format_shape(target)} to a model compiled with "
                   f"loss {name}, whose output is {format_shape(output)}: {explanation}; {remedy(name, target, output)}")
        related = (Related(call.loss.span, f"the loss is chosen here"),)
        data = (("loss", name), ("method", call.method), ("output_shape", output), ("target_shape", target))
        diagnostic = Diagnostic(call.span, severity, "loss-target", message, related, (), data)  # type: ignore[arg-type]
        found.append(conditional(conditional(diagnostic, call.condition), call.loss.condition))
    return found
