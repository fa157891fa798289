"""From what a run found to the frozen ``Report``: layer records, diagnostics, in source order.

A finding that exists only on a path whose condition the interpreter cannot decide is never an
error: it is reported as a warning that names the condition.
"""

from __future__ import annotations

from typing import Iterable, Optional

from .dims import OutputShape, format_shape
from .interpreter.core import Interpreter
from .interpreter.layers import LayerResult
from .interpreter.tensors import Tensor
from .interpreter.values import LayerObj, ModelRecord, Node
from .report import Diagnostic, Layer, Model, Related, Report, Span
from .rules import ShapeError, spatial_layout


def hint_position(span: Span, lines: tuple[str, ...]) -> tuple[int, int]:
    line = span.end_line
    text = lines[line] if line < len(lines) else ""
    return line, len(text.rstrip())


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


def node_layer(node: Node, lines: tuple[str, ...]) -> Layer:
    result: LayerResult = node.result
    layer = node.layer
    hint = hint_position(node.call_span, lines)
    return Layer(
        class_name=layer.class_name,
        span=layer.span,
        input_shapes=tuple(t.shape for t in node.inputs),
        output_shape=result.output,
        params=result.params,
        arithmetic=result.arithmetic,
        unknown_reason=result.reason if result.output is None else None,
        inputs_from=tuple(producer_spans(node.inputs)),
        context=node.context,
        hint_line=hint[0],
        line_end_col=hint[1],
        call_span=node.call_span if node.call_span != layer.span else None,
        failed=result.error is not None,
    )


def conditional(diagnostic: Diagnostic, condition: Optional[str]) -> Diagnostic:
    """A finding on a path the interpreter cannot decide: a warning naming the condition."""
    if condition is None or diagnostic.severity != "error":
        return diagnostic
    message = (f"{diagnostic.message} (only on the path where `{condition}` decides so, which Shape Lens "
               f"cannot tell from the code)")
    return Diagnostic(diagnostic.span, "warning", diagnostic.code, message, diagnostic.related, diagnostic.fixes,
                      diagnostic.data)


def error_diagnostic(layer: LayerObj, error: ShapeError, inputs_from: tuple, input_shapes: tuple) -> Diagnostic:
    related = tuple(
        Related(span, f"the input {format_shape(shape) if shape else ''} comes from here".replace("  ", " "))
        for span, shape in zip(inputs_from, input_shapes)
    )
    data = tuple(sorted(error.data.items())) + (("class", layer.class_name), ("layer_span", layer.span))
    span = error.data.get("at", layer.span)  # an example input that does not fit is flagged where it is written
    return Diagnostic(span, "error", error.code, error.message, related, (), data)  # type: ignore[arg-type]


def warning_diagnostic(layer: LayerObj, code: str, message: str) -> Diagnostic:
    return Diagnostic(layer.span, "warning", code, message, (), (), (("class", layer.class_name),))


def spatial_dims(layer: LayerObj, shape: OutputShape) -> Optional[tuple]:
    if not shape or isinstance(shape[0], tuple) or layer.spec is None or not layer.spec.rule.rank:
        return None
    return spatial_layout(layer.spec.args, shape, layer.spec.rule.rank)[1]  # type: ignore[arg-type]


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
        f"({format_shape(shape)}) but "  # type: ignore[arg-type]
        f"{later.class_name} at line {later.span.start_line + 1} still slides a window over it; reduce the "
        f"downsampling (strides, pool_size) or stop the conv stack here",
    )


def producer_nodes(tensor: Tensor) -> list[Node]:
    if tensor.node is not None:
        return [tensor.node]
    return [n for parent in tensor.parents for n in producer_nodes(parent)]


def is_window(layer: LayerObj) -> bool:
    return layer.spec is not None and layer.spec.rule.window


def next_window(node: Node, consumers: dict[int, list[Node]]) -> Optional[Node]:
    """The next conv/pool along a straight chain of layers that keep the feature map."""
    current = node
    for _ in range(32):
        following = consumers.get(current.index, [])
        if len(following) != 1:
            return None
        current = following[0]
        if is_window(current.layer):
            return current
        if current.layer.spec is None or not current.layer.spec.rule.keeps_map:
            return None
    return None


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
            diagnostic = error_diagnostic(node.layer, result.error, tuple(producer_spans(node.inputs)),
                                          tuple(t.shape for t in node.inputs))
            found.append(conditional(diagnostic, node.condition))
        for code, message in result.warnings:
            found.append(warning_diagnostic(node.layer, code, message))
        spec = node.layer.spec
        if spec is not None and spec.rule.shrinks and result.output is not None and len(node.inputs) == 1:
            later = next_window(node, consumers)
            if later is not None and not later.result.error:
                warning = collapse_warning(node.layer, node.inputs[0].shape, result.output, later.layer)
                if warning:
                    found.append(warning)
    return found


def model_name(record: ModelRecord) -> str:
    name = record.name or record.fallback_name
    return f"{name} in {record.context}" if record.context else name


def assemble_report(interp: Interpreter) -> Report:
    lines = interp.lines
    models = [
        Model(model_name(record), record.framework, record.span,  # type: ignore[arg-type]
              tuple(node_layer(node, lines) for node in record.nodes), record.input_shape,
              tuple(record.name_spans), record.context, record.note)
        for record in sorted(interp.models, key=lambda r: r.index)
    ]
    diagnostics = list(interp.diagnostics) + node_diagnostics(interp.layers.nodes)
    unique: dict[tuple, Diagnostic] = {}
    for diagnostic in diagnostics:
        unique.setdefault((diagnostic.span, diagnostic.code, diagnostic.message), diagnostic)
    ordered = sorted(unique.values(), key=lambda d: (d.span.start_line, d.span.start_col, d.code))
    return Report(tuple(models), tuple(ordered), True, None, lines)
