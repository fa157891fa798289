"""From what a run found to the frozen ``Report``: layer records, diagnostics, in source order.

A finding that exists only on a path whose condition the interpreter cannot decide is never an
error: it is reported as a warning that names the condition.

A layer, model or diagnostic in another file of the project (its spans are ``SourceSpan``s)
carries that file's path, and keeps only the spans in that file. An error at a layer of another
file is shown there, with a note at the analysed file's call that led to it, and that call gets
the same error too, saying which layer of which file fails.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Optional

from .dims import OutputShape, format_shape
from .interpreter.core import Interpreter
from .interpreter.layers import LayerResult
from .interpreter.positions import SourceSpan, span_path
from .interpreter.tensors import Tensor
from .interpreter.values import LayerObj, ModelRecord, Node
from .report import Diagnostic, Layer, Model, Related, Report, Span
from .requirements import conditions as solve_all, pretty, symbols_in
from .rules import Requirement, ShapeError, spatial_layout


class Places:
    """Engine spans as the report has them: a span of another file becomes a plain span and
    that file's path, relative to the project root; the lines of each such file are kept."""

    def __init__(self, interp: Interpreter) -> None:
        self.interp = interp
        self.sources: dict[str, tuple[str, ...]] = {}  # relative path → lines
        self.paths: dict[str, str] = {}  # absolute path → relative path

    def split(self, span: Span) -> tuple[Span, Optional[str]]:
        if not isinstance(span, SourceSpan):
            return span, None
        path = self.paths.get(span.path)
        if path is None:
            path = self.paths[span.path] = self.interp.modules.display(span.path)
            self.sources[path] = self.interp.lines_of(span)
        return Span(span.start_line, span.start_col, span.end_line, span.end_col), path

    def lines(self, path: Optional[str]) -> tuple[str, ...]:
        return self.interp.lines if path is None else self.sources.get(path, ())

    def non_trainable(self, layer: LayerObj, result: LayerResult) -> object:
        """Of a layer's parameters, those its framework says training leaves alone once the file has run."""
        return layer.framework.non_trainable_params(self.interp, layer, result)


def hint_position(span: Span, lines: tuple[str, ...]) -> tuple[int, int]:
    line = span.end_line
    text = lines[line] if line < len(lines) else ""
    return line, len(text.rstrip())


def producer_spans(tensors: Iterable[Tensor]) -> list[Span]:
    spans: list[Span] = []
    for tensor in tensors:
        if tensor.node is not None and tensor.node.listed:
            spans.append(tensor.node.layer.span)
        elif tensor.node is not None:
            spans.extend(producer_spans(tensor.node.inputs))
        elif tensor.input_span is not None:
            spans.append(tensor.input_span)
        else:
            spans.extend(producer_spans(tensor.parents))
    return spans


def node_layer(node: Node, places: Places) -> Layer:
    result: LayerResult = node.result
    layer = node.layer
    span, path = places.split(layer.span)
    call, call_path = places.split(node.call_span)
    local_call = call_path == path  # a call in another file than the constructor is not this layer's to show
    hint = hint_position(call if local_call else span, places.lines(path))
    inputs = node.inputs
    producers = producer_spans(inputs)
    if path is None and not any(isinstance(s, SourceSpan) for s in producers):
        inputs_from = tuple(producers)  # the commonest case: every span is the analysed file's
    else:
        inputs_from = tuple(s for s, p in map(places.split, producers) if p == path)
    return Layer(
        class_name=layer.class_name,
        span=span,
        input_shapes=(inputs[0].shape,) if len(inputs) == 1 else tuple([t.shape for t in inputs]),
        output_shape=result.output,
        params=result.params,
        arithmetic=result.arithmetic,
        unknown_reason=result.reason if result.output is None or result.reason else None,
        inputs_from=inputs_from,
        context=node.context,
        hint_line=hint[0],
        line_end_col=hint[1],
        call_span=call if local_call and node.call_span is not layer.span and node.call_span != layer.span else None,
        failed=result.error is not None,
        path=path,
        notes=node.notes if layer.trainable_reason is None else (*node.notes, layer.trainable_reason),
        non_trainable=places.non_trainable(layer, result),
        part=layer.part,
        instance=id(layer),
    )


def conditional(diagnostic: Diagnostic, condition: Optional[str]) -> Diagnostic:
    """A finding on a path the interpreter cannot decide: a warning naming the condition."""
    if condition is None or diagnostic.severity != "error":
        return diagnostic
    message = (f"{diagnostic.message} (only on the path where `{condition}` decides so, which Shape Lens "
               f"cannot tell from the code)")
    return replace(diagnostic, severity="warning", message=message)


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


def collapse_warning(layer: LayerObj, input_shape: OutputShape, shape: OutputShape, later: LayerObj,
                     later_place: str = "") -> Optional[Diagnostic]:
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
        f"{later.class_name} at {later_place or f'line {later.span.start_line + 1}'} still slides a window over it; reduce the "
        f"downsampling (strides, pool_size) or stop the conv stack here",
    )


def producer_nodes(tensor: Tensor) -> list[Node]:
    if tensor.node is not None:
        return [tensor.node]
    return [n for parent in tensor.parents for n in producer_nodes(parent)]


def is_window(layer: LayerObj) -> bool:
    """A layer that slides a window over the map: not a 1x1 kernel or pool (a pointwise conv) and
    not a transposed convolution (which makes the map larger again)."""
    spec = layer.spec
    if spec is None or not spec.rule.window or "Transpose" in spec.rule.name:
        return False
    window = spec.args.values.get("kernel_size", spec.args.values.get("pool_size"))
    return not (window == 1 or (isinstance(window, (tuple, list)) and all(k == 1 for k in window)))


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


def node_diagnostics(interp: Interpreter, nodes: list[Node]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    consumers: dict[int, list[Node]] = {}
    for node in nodes:
        for tensor in node.inputs:
            for producer in producer_nodes(tensor):
                consumers.setdefault(producer.index, []).append(node)
    sites = model_sites(interp)
    for node in nodes:
        result: LayerResult = node.result
        if result.error:
            diagnostic = error_diagnostic(node.layer, result.error, tuple(producer_spans(node.inputs)),
                                          tuple(t.shape for t in node.inputs))
            found.extend(at_site(interp, conditional(diagnostic, node.condition), node, node.site or sites.get(node.index)))
        for code, message in result.warnings:
            found.append(warning_diagnostic(node.layer, code, message))
        spec = node.layer.spec
        if spec is not None and spec.rule.shrinks and result.output is not None and len(node.inputs) == 1:
            later = next_window(node, consumers)
            if later is not None and not later.result.error:
                place = "" if span_path(later.layer.span) == span_path(node.layer.span) else interp.place(later.layer.span)
                warning = collapse_warning(node.layer, node.inputs[0].shape, result.output, later.layer, place)
                if warning:
                    found.append(warning)
    return found


def model_sites(interp: Interpreter) -> dict[int, Span]:
    """For each layer application of a model: the model's span in the analysed file, else the
    analysed file's call that made the model."""
    sites = {}
    for record in interp.models:
        site = record.span if not isinstance(record.span, SourceSpan) else interp.model_sites.get(record.index)
        if site is not None:
            sites.update((node.index, site) for node in record.nodes)
    return sites


def at_site(interp: Interpreter, diagnostic: Diagnostic, node: Node, site: Optional[Span]) -> list[Diagnostic]:
    """An error in another file, reached from a call in the analysed file: noted at that call too."""
    if not isinstance(diagnostic.span, SourceSpan) or site is None or isinstance(site, SourceSpan):
        return [diagnostic]
    layer = node.layer
    here = Related(site, "reached from this call in the analysed file")
    there = Related(layer.span, f"the {layer.class_name} that fails")
    message = f"{layer.class_name} at {interp.place(layer.span)} fails on what this call gives it: {diagnostic.message}"
    return [replace(diagnostic, related=diagnostic.related + (here,)),
            Diagnostic(site, diagnostic.severity, diagnostic.code, message, (there,))]


def localized(diagnostic: Diagnostic, places: Places) -> Diagnostic:
    """A diagnostic with its file's path and plain spans; facts about another file are dropped."""
    span, path = places.split(diagnostic.span)
    related = []
    for note in diagnostic.related:
        note_span, note_path = places.split(note.span)
        related.append(Related(note_span, note.message, note_path))
    data = []
    for key, value in diagnostic.data:
        if isinstance(value, Span):
            value, value_path = places.split(value)
            if value_path != path:
                continue
        data.append((key, value))
    return replace(diagnostic, span=span, related=tuple(related), data=tuple(data), path=path)


def model_name(record: ModelRecord) -> str:
    name = record.name or record.fallback_name
    return f"{name} in {record.context}" if record.context else name


def model_of(record: ModelRecord, places: Places, found: list[Diagnostic]) -> Model:
    """The report's model: its layers, the meaning of its size symbols, and what they must satisfy."""
    span, path = places.split(record.span)
    layers = tuple(node_layer(node, places) for node in record.nodes if node.listed)
    names = symbols_in([record.input_shape, *(l.output_shape for l in layers), *(l.params for l in layers),
                        *(s for l in layers for s in l.input_shapes)])
    requires = [r for node in record.nodes if node.result.error is None for r in node.result.requires]
    unknowns = places.interp.symbols.unknowns
    conditions, solved = solve_all(requires)
    for requirement, solution in solved:
        # only an equation in one size was searched exhaustively (with several, only square inputs
        # were), and only an input's size is the file's to fit (not a value it reads at run time)
        sizes = set(requirement.expression.symbols())
        if solution is None and requirement.code and len(sizes) == 1 and sizes <= names and not sizes & unknowns.keys():
            node = next(n for n in record.nodes if requirement in n.result.requires)
            found.append(conditional(never_satisfied(node.layer, requirement), node.condition))
    symbols = tuple((name, record.symbols.get(name) or unknowns.get(name, "a size left open")) for name in sorted(names))
    own = tuple(s for s in record.input_spans if not isinstance(s, SourceSpan))
    # layers that only some undecided paths apply are not all in the model that runs: no total
    paths = {node.condition for node in record.nodes if node.listed}
    held, held_frozen = None, None
    if len(paths) <= 1:
        held = record.held_params
        held_frozen = places.interp.frameworks.by_name[record.framework].held_non_trainable(places.interp, record)
    return Model(model_name(record), record.framework, span, layers, record.input_shape,  # type: ignore[arg-type]
                 tuple(s for s in record.name_spans if not isinstance(s, SourceSpan)), record.context,
                 symbols=symbols, requires=conditions, input_spans=own, path=path, assumptions=record.note,
                 held_params=held, held_non_trainable=held_frozen)


def never_satisfied(layer: LayerObj, requirement: Requirement) -> Diagnostic:
    """An equation between sizes that no input satisfies: the layer fails for every admissible size."""
    message = (f"{layer.class_name}: {pretty(requirement)} holds for no input size ({requirement.why}); the layer "
               f"fails whatever the input")
    return Diagnostic(layer.span, "error", requirement.code, message, (), (),
                      (("class", layer.class_name), ("layer_span", layer.span)))


def assemble_report(interp: Interpreter) -> Report:
    places = Places(interp)
    diagnostics = list(interp.diagnostics)
    models = [model_of(record, places, diagnostics) for record in sorted(interp.models, key=lambda r: r.index)]
    diagnostics += node_diagnostics(interp, interp.layers.nodes)
    unique: dict[tuple, Diagnostic] = {}
    for diagnostic in map(lambda d: localized(d, places), diagnostics):
        unique.setdefault((diagnostic.path or "", diagnostic.span, diagnostic.code, diagnostic.message), diagnostic)
    ordered = sorted(unique.values(), key=lambda d: (d.path is not None, d.path or "", d.span.start_line,
                                                     d.span.start_col, d.code))
    return Report(tuple(models), tuple(ordered), True, None, interp.lines, tuple(sorted(places.sources.items())))
