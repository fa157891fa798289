"""Shapes flowing through models: one layer application, a Sequential chain, and the final Report.

An unknown input gives an unknown output with the reason carried along; an error gives an
unknown output too, so one mistake is reported once and never cascades.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, NamedTuple, Optional

from . import layers as rules
from .layers import Applied, LayerSpec, ShapeError, UnknownArgument, fmt_shape
from .report import Diagnostic, Layer, Model, OutputShape, Related, Report, Shape, Span
from .values import ArrayValue, FunctionalBuild, InputLayerObj, LayerObj, Node, SequentialBuild, Tensor


class LayerResult(NamedTuple):
    output: OutputShape
    params: Optional[int]
    arithmetic: tuple[str, ...] = ()
    error: Optional[ShapeError] = None
    reason: Optional[str] = None  # why the output is unknown
    warnings: tuple[tuple[str, str], ...] = ()


def apply_layer(layer: LayerObj, inputs: list[Optional[Shape]], reasons: Iterable[Optional[str]] = ()) -> LayerResult:
    """Apply one layer rule, turning rule exceptions into a result."""
    if layer.spec is None:
        return LayerResult(None, None, reason=layer.reason or f"{layer.class_name} is not modelled")
    if any(shape is None for shape in inputs) or not inputs:
        reason = next((r for r in reasons if r), None) or "its input shape is unknown"
        return LayerResult(None, None, reason=reason)
    for shape in inputs:
        if shape and isinstance(shape[0], tuple):
            return LayerResult(None, None, reason="its input is a list of tensors")
    try:
        applied: Applied = layer.spec.rule.apply(layer.spec.args, list(inputs))
    except UnknownArgument as unknown:
        return LayerResult(None, None, reason=unknown.reason)
    except ShapeError as error:
        return LayerResult(None, None, error=error, reason=f"{layer.class_name} fails here")
    except (TypeError, ValueError, IndexError, ZeroDivisionError, AttributeError) as bad:
        return LayerResult(None, None, reason=f"its arguments could not be read ({type(bad).__name__})")
    return LayerResult(applied.output, applied.params, applied.arithmetic, warnings=applied.warnings)


def weight_axis_conflict(layer: LayerObj, shape: Shape) -> Optional[str]:
    """A layer whose weights were built for one size, called on another (Keras' InputSpec axes)."""
    spec = layer.spec
    if spec is None or spec.rule.weight_axis is None or layer.built_input is None:
        return None
    axis = spec.rule.weight_axis
    if spec.args.values.get("data_format") == "channels_first":
        axis = 1
    if len(shape) != len(layer.built_input):
        return None
    want, got = layer.built_input[axis], shape[axis]
    if want is not None and got is not None and want != got:
        return (
            f"{layer.class_name} was built for inputs with axis {axis} = {want} but receives {fmt_shape(shape)}; "
            f"Keras fails with \"expected axis {axis} of input shape to have value {want}, but received input "
            f"with shape {fmt_shape(shape)}\""
        )
    return None


# ----------------------------------------------------------------------------- report assembly


@dataclass
class Collected:
    """Everything the interpreter found in one file."""

    sequentials: list
    functionals: list
    nodes: list
    calls: list  # (model, ArrayValue, arg span, method name)
    lines: tuple[str, ...]
    extra_diagnostics: list


def layer_record(layer: LayerObj, inputs: tuple, result: LayerResult, inputs_from: tuple, context: str,
                 hint: Optional[tuple[int, int]], call_span: Optional[Span] = None) -> Layer:
    return Layer(
        class_name=layer.class_name,
        span=layer.span,
        input_shapes=tuple(inputs),
        output_shape=result.output,
        params=result.params,
        arithmetic=result.arithmetic,
        unknown_reason=result.reason if result.output is None else None,
        inputs_from=inputs_from,
        context=context,
        hint_line=hint[0] if hint else None,
        line_end_col=hint[1] if hint else None,
        call_span=call_span if call_span != layer.span else None,
        failed=result.error is not None,
    )


def error_diagnostic(layer: LayerObj, error: ShapeError, inputs_from: tuple, input_shapes: tuple) -> Diagnostic:
    related = tuple(
        Related(span, f"the input {fmt_shape(shape) if shape else ''} comes from here".replace("  ", " "))
        for span, shape in zip(inputs_from, input_shapes)
    )
    data = tuple(sorted(error.data.items())) + (("class", layer.class_name), ("layer_span", layer.span))
    span = error.data.get("at", layer.span)  # an example input that does not fit is flagged where it is written
    return Diagnostic(span, "error", error.code, error.message, related, (), data)


def warning_diagnostic(layer: LayerObj, code: str, message: str, data: tuple = ()) -> Diagnostic:
    return Diagnostic(layer.span, "warning", code, message, (), (), data + (("class", layer.class_name),))


def hint_position(span: Span, lines: tuple[str, ...]) -> tuple[int, int]:
    line = span.end_line
    text = lines[line] if line < len(lines) else ""
    return line, len(text.rstrip())


def is_windowed(layer: LayerObj) -> bool:
    return layer.spec is not None and layer.spec.rule.family in rules.WINDOWED_FAMILIES


def shrinks(layer: LayerObj) -> bool:
    return is_windowed(layer) or (layer.spec is not None and layer.spec.rule.family == "cropping")


def spatial_dims(layer: LayerObj, shape: OutputShape) -> Optional[tuple]:
    if not shape or isinstance(shape[0], tuple) or layer.spec is None or not layer.spec.rule.rank:
        return None
    return rules.spatial_layout(layer.spec.args, shape, layer.spec.rule.rank)[1]


def collapse_warning(layer: LayerObj, input_shape: OutputShape, shape: OutputShape, later: LayerObj) -> Optional[Diagnostic]:
    """Only a layer that shrinks a larger map to 1x1 (a squeeze-excitation 1x1 conv after global pooling is fine)."""
    dims = spatial_dims(layer, shape)
    before = spatial_dims(layer, input_shape)
    if not dims or any(d != 1 for d in dims) or not before or all(d == 1 for d in before):
        return None

    return warning_diagnostic(
        layer,
        "spatial-collapse",
        f"{layer.class_name} shrinks the feature map to {'length 1' if len(dims) == 1 else 'x'.join('1' * len(dims))} "
        f"({fmt_shape(shape)}) but "
        f"{later.class_name} at line {later.span.start_line + 1} still slides a window over it; reduce the "
        f"downsampling (strides, pool_size) or stop the conv stack here",
    )


def run_sequential(build: SequentialBuild, lines: tuple[str, ...], input_shape: Optional[Shape],
                   diagnostics: Optional[list]) -> tuple[list[Layer], Optional[str]]:
    """Propagate along a Sequential; append diagnostics when ``diagnostics`` is a list.

    Returns the layer records and, when a layer built for other sizes rejects the input (a
    re-run with a dummy input), the reason.
    """
    records: list[Layer] = []
    shape: Optional[Shape] = input_shape
    reason: Optional[str] = None if input_shape else "the model's input shape is not given (no Input / input_shape)"
    previous: Optional[LayerObj] = None
    pending_collapse: Optional[tuple[LayerObj, OutputShape]] = None
    rejection: Optional[str] = None
    for position, entry in enumerate(build.entries):
        if not isinstance(entry, LayerObj):
            if position > 0 or not isinstance(entry, (InputLayerObj, Tensor)):
                # a pretrained application, a nested model, a value the analysis cannot see
                shape, reason = None, getattr(entry, "reason", None) or "an entry before it is not a layer Shape Lens models"
            continue
        if build.uncertain_from is not None and position >= build.uncertain_from:
            shape, reason = None, "a layer before it is added under a condition or loop that cannot be decided"
        conflict = weight_axis_conflict(entry, shape) if shape is not None and diagnostics is None else None
        if conflict and rejection is None:
            rejection = conflict
        result = apply_layer(entry, [shape], [reason])
        inputs_from = (previous.span,) if previous else ()
        records.append(layer_record(entry, (shape,), result, inputs_from, build.context, hint_position(entry.span, lines)))
        if diagnostics is not None:
            if shape is not None and entry.built_input is None:
                entry.built_input = shape
            if result.error:
                diagnostics.append(error_diagnostic(entry, result.error, inputs_from, (shape,)))
                if rejection is None:
                    rejection = result.error.message
            for code, message in result.warnings:
                diagnostics.append(warning_diagnostic(entry, code, message))
            if pending_collapse and is_windowed(entry) and not result.error:
                warning = collapse_warning(*pending_collapse, entry)
                if warning:
                    diagnostics.append(warning)
                pending_collapse = None
            if shrinks(entry) and result.output is not None:
                pending_collapse = (entry, shape, result.output)
        elif result.error and rejection is None:
            rejection = result.error.message
        shape = result.output if result.output is None or not isinstance(result.output[0], tuple) else None
        reason = result.reason if result.output is None else None
        if result.error is not None:
            reason = f"{entry.class_name} at line {entry.span.start_line + 1} fails"
        if result.output is not None and isinstance(result.output[0], tuple):
            reason = "the previous layer returns several tensors"
        previous = entry
    return records, rejection


def sequential_input(build: SequentialBuild) -> Optional[Shape]:
    if build.input_shape is not None:
        return build.input_shape
    for entry in build.entries:
        if isinstance(entry, InputLayerObj):
            return entry.shape
        if isinstance(entry, Tensor):
            return entry.shape
        if isinstance(entry, LayerObj):
            return entry.declared_input
    return None


def functional_nodes(build: FunctionalBuild) -> list[Node]:
    """The layer applications between a functional model's inputs and outputs, in source order."""
    explicit = getattr(build, "explicit_nodes", None)
    if explicit is not None:
        return list(explicit)  # a torch forward run: every layer it called
    stop = {id(t) for t in build.inputs}
    seen: dict[int, Node] = {}
    stack = [t for t in build.outputs if isinstance(t, Tensor)]
    visited: set[int] = set()
    while stack:
        tensor = stack.pop()
        if id(tensor) in visited or id(tensor) in stop:
            continue
        visited.add(id(tensor))
        if tensor.node is not None:
            seen[tensor.node.index] = tensor.node
            stack.extend(tensor.node.inputs)
            stack.extend(tensor.node.extra)
        stack.extend(tensor.parents)
    return [seen[i] for i in sorted(seen)]


def node_layer(node: Node, lines: tuple[str, ...]) -> Layer:
    inputs_from = tuple(producer_spans(node.inputs))
    shapes = tuple(t.shape for t in node.inputs)
    return layer_record(node.layer, shapes, node.result, inputs_from, node.context, hint_position(node.call_span, lines),
                        node.call_span)


def producer_spans(tensors: Iterable[Tensor]) -> list[Span]:
    spans: list[Span] = []
    for tensor in tensors:
        if tensor.node is not None:
            spans.append(tensor.node.layer.span)
        elif tensor.input_span is not None:
            spans.append(tensor.input_span)
        else:
            spans.extend(producer_spans(tensor.parents))
    return spans


def node_diagnostics(nodes: list[Node]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    consumers: dict[int, list[Node]] = {}
    for node in nodes:
        for tensor in node.inputs:
            for producer in producer_nodes(tensor):
                consumers.setdefault(producer.index, []).append(node)
    for node in nodes:
        result: LayerResult = node.result
        if result.error:
            found.append(error_diagnostic(node.layer, result.error, tuple(producer_spans(node.inputs)),
                                          tuple(t.shape for t in node.inputs)))
        for code, message in result.warnings:
            found.append(warning_diagnostic(node.layer, code, message))
        if shrinks(node.layer) and result.output is not None and len(node.inputs) == 1:
            later = next_windowed(node, consumers)
            if later is not None and not later.result.error:
                warning = collapse_warning(node.layer, node.inputs[0].shape, result.output, later.layer)
                if warning:
                    found.append(warning)
    return found


def producer_nodes(tensor: Tensor) -> list[Node]:
    if tensor.node is not None:
        return [tensor.node]
    return [n for parent in tensor.parents for n in producer_nodes(parent)]


def next_windowed(node: Node, consumers: dict[int, list[Node]]) -> Optional[Node]:
    """The next conv/pool along a straight chain of shape-preserving layers."""
    current = node
    for _ in range(32):
        following = consumers.get(current.index, [])
        if len(following) != 1:
            return None
        current = following[0]
        if is_windowed(current.layer):
            return current
        if current.layer.spec is None or current.layer.spec.rule.family not in ("same_shape", "normalization", "prelu"):
            return None
    return None


def model_input(model) -> Optional[Shape]:
    if isinstance(model, SequentialBuild):
        return sequential_input(model)
    shapes = [t.shape for t in model.inputs if isinstance(t, Tensor)]
    return shapes[0] if len(shapes) == 1 else None


def input_mismatch(model, array: ArrayValue, arg_span: Span, method: str, lines: tuple[str, ...]) -> Optional[Diagnostic]:
    expected = model_input(model)
    got = array.shape
    if expected is None:
        return None
    call = f"model.{method}(...)" if method != "__call__" else "model(...)"

    def finding(severity: str, explanation: str) -> Diagnostic:
        data = (("expected_shape", expected), ("array_span", array.span), ("method", method))
        return Diagnostic(arg_span, severity, "input-mismatch", f"{call} receives an array of shape "  # type: ignore[arg-type]
                          f"{fmt_shape(got)} but the model {explanation}", (), (), data)

    # Keras 3 adds or drops a trailing axis of size 1 (MNIST arrays without the channel axis)
    if len(got) == len(expected) - 1 and expected[-1] == 1:
        got = (*got, 1)
    elif len(got) == len(expected) + 1 and got[-1] == 1:
        got = got[:-1]
    if len(expected) != len(got):
        return finding("error", f"expects {fmt_shape(expected)}: {len(got)}-D instead of {len(expected)}-D; Keras fails "
                                f"with \"Invalid input shape for input ... Expected shape {fmt_shape(expected)}, but input "
                                f"has incompatible shape {fmt_shape(got)}\"")
    if not any(i > 0 and a is not None and a != b for i, (a, b) in enumerate(zip(expected, got))):
        return None
    if isinstance(model, FunctionalBuild):
        return finding("error", f"expects {fmt_shape(expected)}; Keras fails with \"is incompatible with the layer: "
                                f"expected shape={fmt_shape(expected)}, found shape={fmt_shape(got)}\"")
    _, rejection = run_sequential(model, lines, got, None)
    if rejection:
        return finding("error", f"was built for {fmt_shape(expected)}; a Sequential model does not check this at its "
                                f"input, so it fails deeper: {rejection}")
    return finding("warning", f"was built for {fmt_shape(expected)}; Keras 3 runs it (every layer accepts the new size) "
                              f"but the shapes differ from the declared ones")


def model_name(build, fallback: str) -> str:
    name = build.name or fallback
    return f"{name} in {build.context}" if build.context else name


def assemble_report(found: Collected) -> Report:
    lines = found.lines
    diagnostics: list[Diagnostic] = list(found.extra_diagnostics)
    models: list[Model] = []
    # an unbuilt Sequential is built by its first call with a literal array, as in Keras 3
    first_call_shape: dict[int, Shape] = {}
    for model, array, _, _ in found.calls:
        if isinstance(model, SequentialBuild) and sequential_input(model) is None:
            first_call_shape.setdefault(id(model), array.shape)
    builds = sorted(found.sequentials + found.functionals, key=lambda b: b.index)
    for build in builds:
        if isinstance(build, SequentialBuild) and build.framework == "torch":
            continue  # torch containers are reported through their runs
        if isinstance(build, SequentialBuild):
            shape = sequential_input(build)
            if shape is None:
                shape = first_call_shape.get(id(build))
            records, _ = run_sequential(build, lines, shape, diagnostics)
            models.append(Model(model_name(build, "sequential"), build.framework, build.span, tuple(records), shape,
                                tuple(build.name_spans), build.context))
        else:
            records = [node_layer(node, lines) for node in functional_nodes(build)]
            models.append(Model(model_name(build, "functional"), build.framework, build.span, tuple(records),
                                model_input(build), tuple(build.name_spans), build.context))
    diagnostics.extend(node_diagnostics(found.nodes))
    for model, array, arg_span, method in found.calls:
        diagnostic = input_mismatch(model, array, arg_span, method, lines)
        if diagnostic:
            diagnostics.append(diagnostic)
    unique: dict[tuple, Diagnostic] = {}
    for diagnostic in diagnostics:
        unique.setdefault((diagnostic.span, diagnostic.code, diagnostic.message), diagnostic)
    ordered = sorted(unique.values(), key=lambda d: (d.span.start_line, d.span.start_col, d.code))
    return Report(tuple(models), tuple(ordered), True, None, lines)
