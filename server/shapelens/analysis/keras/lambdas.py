"""A ``Lambda`` layer's output: its function run on the layer's input, as Keras runs it on symbolic
tensors when it builds the layer (``lambda x: x[:, -1, :]``, ``lambda x: K.mean(x, axis=1)``,
``lambda t: tf.concat([t, t], axis=-1)``). The operations inside are the ones the engine models
for a model's tensors; what it cannot follow leaves the output unknown, with the reason.

The run is the layer's own business: the tensors and findings it makes are dropped once its
output's shape is read, so a function that fails makes the output unknown, never an error of its
own (Keras reports it as the Lambda's, and the engine cannot always tell which operation failed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..dims import OutputShape
from ..interpreter.env import BudgetExceeded
from ..interpreter.tensors import Tensor
from ..interpreter.values import Function, LambdaValue, LayerObj
from ..rules import Args
from ..unknown import Unknown

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter


def traced_arguments(interp: "Interpreter", layer: LayerObj, tensors: list) -> Optional[Args]:
    """The Lambda's arguments with ``traced``: the shape its function gives for these tensors, or
    why it is not known. None when its output is known otherwise (``output_shape=``, an element-wise
    function) or its function is not the program's."""
    spec = layer.spec
    if spec is None:
        return None
    values = spec.args.values
    function = values.get("function")
    if not isinstance(function, (Function, LambdaValue)) or values.get("output_shape") is not None:
        return None
    arguments = values.get("arguments")
    if arguments is None:
        keywords: Optional[dict] = {}
    elif isinstance(arguments, dict) and all(isinstance(key, str) for key in arguments):
        keywords = arguments
    else:
        keywords = None
    traced = run(interp, function, tensors, keywords) if keywords is not None else \
        "the Lambda's `arguments` are not known"
    return Args.taking(spec.args.class_name, {**values, "traced": traced})


def run(interp: "Interpreter", function: object, tensors: list, keywords: dict) -> object:
    """The function's output shape on the tensors (one tensor, or the list the layer was called on);
    a string saying why, when it is not known."""
    given = tensors[0] if len(tensors) == 1 else list(tensors)
    nodes, findings = len(interp.layers.nodes), len(interp.diagnostics)
    try:
        if isinstance(function, LambdaValue):
            result = interp.call_lambda(function, [given], dict(keywords))
        else:
            result = interp.call_function(function, [given], dict(keywords), label=None)  # type: ignore[arg-type]
    except (BudgetExceeded, RecursionError):
        raise
    except Exception:  # noqa: BLE001 - a function the analysis cannot follow
        if interp.strict:
            raise
        result = Unknown("the Lambda's function does something the analysis does not follow")
    finally:
        del interp.layers.nodes[nodes:]
        del interp.diagnostics[findings:]
    return shape_of(result)


def shape_of(result: object) -> object:
    if isinstance(result, Tensor):
        if result.shape is None or result.failed:
            return f"its function's result is not known: {result.reason or 'an operation the analysis does not model'}"
        return result.shape
    if isinstance(result, (list, tuple)) and result and all(isinstance(t, Tensor) for t in result):
        shapes: list[OutputShape] = [shape_of(t) for t in result]  # type: ignore[misc]
        reason = next((s for s in shapes if isinstance(s, str)), None)
        return reason if reason is not None else tuple(shapes)
    if isinstance(result, Unknown):
        return f"its function's result is not known: {result.reason}"
    return "its function does not return a tensor the analysis follows"
