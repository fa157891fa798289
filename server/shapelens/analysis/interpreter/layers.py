"""The one layer-application path: every layer of every model kind is applied here.

A layer called on tensors (Keras functional API, a torch module's ``forward``, a Sequential's
chain, a model used as a layer) runs its rule on the input shapes, records a ``Node`` in the
graph, and gives output tensors. An unknown input gives an unknown output with the reason
carried along; an error gives an unknown output too, so one mistake is reported once and never
cascades.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, NamedTuple, Optional

from ..dims import Dim, OutputShape, Shape
from ..report import Span
from ..rules import Applied, Args, Requirement, ShapeError, UnknownArgument
from ..unknown import Unknown
from .positions import SourceSpan
from .provenance import merge
from .tensors import Tensor, graph_tensors
from .values import ArrayValue, LayerObj, Node

if TYPE_CHECKING:
    from .core import Interpreter


PARTIAL = "some sizes of its input are unknown: "


class LayerResult(NamedTuple):
    output: OutputShape
    params: Dim
    arithmetic: tuple[str, ...] = ()
    error: Optional[ShapeError] = None
    reason: Optional[str] = None  # why the output is unknown
    warnings: tuple[tuple[str, str], ...] = ()
    requires: tuple[Requirement, ...] = ()  # what the sizes must satisfy for the layer not to fail
    non_trainable: Dim = 0  # of ``params``, those the layer never trains (moving statistics)


def apply_rule(layer: LayerObj, inputs: list[Optional[Shape]], reasons: Iterable[Optional[str]] = (),
               partial: bool = True, args: Optional[Args] = None) -> LayerResult:
    """A layer's rule on input shapes, its exceptions turned into a result. With ``partial``, an
    input of unknown shape still gives what the layer itself fixes (a Conv2D's filters). ``args``
    are the arguments of this call (``rules.with_call_arguments``), the constructor's by default."""
    if layer.spec is None:
        return LayerResult(None, None, reason=layer.reason or f"{layer.class_name} is not modelled")
    reasons = tuple(reasons)
    if partial and len(inputs) == 1 and inputs[0] is None and layer.spec.rule.ndim:
        # an input of unknown shape but of the rank the layer needs: what the layer itself fixes is still known
        partial = apply_rule(layer, [(None,) * layer.spec.rule.ndim], args=args)
        if partial.output is not None and partial.error is None:
            reason = next((r for r in reasons if r), None) or "its input shape is unknown"
            return LayerResult(partial.output, partial.params, (), None, reason, partial.warnings,
                               non_trainable=partial.non_trainable)
    if not inputs or None in inputs:
        reason = next((r for r in reasons if r), None) or "its input shape is unknown"
        return LayerResult(None, None, reason=reason)
    for shape in inputs:
        if shape and isinstance(shape[0], tuple):
            return LayerResult(None, None, reason="its input is a list of tensors")
    try:
        applied: Applied = layer.spec.rule.apply(args or layer.spec.args, list(inputs))
    except UnknownArgument as unknown:
        return LayerResult(None, None, reason=unknown.reason)
    except ShapeError as error:
        # kept without its traceback, whose frames would hold the whole run in a reference cycle
        return LayerResult(None, None, error=error.with_traceback(None), reason=f"{layer.class_name} fails here")
    except (TypeError, ValueError, IndexError, ZeroDivisionError, AttributeError) as bad:
        return LayerResult(None, None, reason=f"its arguments could not be read ({type(bad).__name__})")
    return LayerResult(applied.output, applied.params, applied.arithmetic, None, None, applied.warnings, applied.requires,
                       applied.non_trainable)


def failed(interp: "Interpreter", layer: LayerObj) -> str:
    return f"{layer.class_name} at {interp.place(layer.span)} fails"


class LayerCalls:
    """Applies layers for one run of the interpreter and records the graph."""

    def __init__(self, interp: "Interpreter") -> None:
        self.interp = interp
        self.nodes: list[Node] = []

    def apply(self, layer: LayerObj, args: list, kwargs: dict, call_span: Span) -> object:
        """A layer called like a function: ``Conv2D(32, 3)(x)``, ``self.conv1(x)``."""
        framework = layer.framework
        tensors = framework.layer_inputs(layer, args, kwargs)
        if tensors is None:
            if any(isinstance(a, ArrayValue) for a in args):
                return Unknown("an eager call on an array")
            # the tensors it was given stay its parents: the model's graph goes on through it
            return Tensor(None, "the layer's input is not a known tensor", None, tuple(flatten_tensors([args, kwargs])))
        tensors = framework.prepare_inputs(self.interp, layer, tensors)
        extra = tuple(flatten_tensors(list(kwargs.values()))) if kwargs else ()
        return self.apply_to(layer, tensors, call_span, extra, call_args=args, call_kwargs=kwargs)

    def apply_to(self, layer: LayerObj, tensors: list, call_span: Span, extra: tuple = (),
                 context: Optional[str] = None, listed: bool = True, call_args: Optional[list] = None,
                 call_kwargs: Optional[dict] = None) -> object:
        """Apply the layer to tensors; ``call_args`` / ``call_kwargs``: the arguments of the call, which
        may change what it gives (``Plugin.call_arguments``)."""
        interp = self.interp
        framework = layer.framework
        args = framework.call_arguments(interp, layer, tensors, call_args or [], call_kwargs or {})
        upstream_failed = partial = False
        shapes, reasons, notes = [], [], [layer.notes]
        for t in tensors:
            upstream_failed = upstream_failed or t.failed
            partial = partial or t.partial
            shapes.append(t.shape)
            reasons.append(t.reason)
            notes.append(t.notes)
        result = apply_rule(layer, shapes, reasons, not upstream_failed, args)
        if partial:
            why = next((t.reason for t in tensors if t.reason), None) or "an operation before it is not modelled"
            if not why.startswith(PARTIAL):
                why = f"{PARTIAL}{why}"
            if result.error is not None:
                result = LayerResult(None, None, reason=why)
            elif result.reason is None and has_unknown_size(result.output):
                result = result._replace(reason=why)
        result = framework.check_result(interp, layer, result, tensors)
        node = Node(layer, tuple(tensors), call_span, len(self.nodes),
                    interp.context_label() if context is None else context, result, (), extra, interp.condition(),
                    listed, None, merge(*notes))
        if isinstance(layer.span, SourceSpan) or isinstance(call_span, SourceSpan):
            node.site = interp.main_site()  # where the analysed file's code led to another file's layer
        self.nodes.append(node)
        interp.events += 1
        output = result.output
        if output is not None and output and isinstance(output[0], tuple):
            outs = [Tensor(shape, None, node, (), None, framework) for shape in output]
            for out in outs:
                out.notes = node.notes
            node.outputs = tuple(outs)
            return outs
        reason = None if output is not None else result.reason
        if result.error is not None:
            reason = failed(interp, layer)
        tensor = Tensor(output, reason, node, (), None, framework)
        tensor.failed = upstream_failed or result.error is not None
        tensor.partial = has_unknown_size(output) and (partial or result.reason is not None)
        if tensor.partial:
            tensor.reason = result.reason
        tensor.notes = node.notes
        node.outputs = (tensor,)
        return framework.layer_outputs(interp, layer, tensor)


def has_unknown_size(shape: OutputShape) -> bool:
    """A shape with an unknown size after the batch axis."""
    if shape is None or not shape or isinstance(shape[0], tuple):
        return False
    return None in shape[1:]


def flatten_tensors(value: object) -> list:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in flatten_tensors(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in flatten_tensors(item)]
    return []


def nodes_between(inputs: list, outputs: list) -> list[Node]:
    """The layer applications between a graph's inputs and outputs, in the order they were made."""
    seen = {tensor.node.index: tensor.node for tensor in graph_tensors(outputs, inputs) if tensor.node is not None}
    return [seen[i] for i in sorted(seen)]
