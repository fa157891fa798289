"""torch recurrent layers: RNN, LSTM (with proj_size), GRU, and their one-step cells."""

from __future__ import annotations

from ...dims import differ, format_shape
from ...rules import Applied, Args, LayerRule, ShapeError, UnknownArgument

RNN_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def torch_rnn(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    if len(shape) not in (2, 3):
        raise ShapeError("rank-mismatch", f"{rule.name} expects a 3-D (sequence, batch, features) input but receives "
                         f"{format_shape(shape)}; torch fails with \"{rule.name}: Expected input to be 2D or 3D, got "
                         f"{len(shape)}D instead\"", expected_ndim=3)
    input_size, hidden = args.size("input_size"), args.size("hidden_size")
    if differ(shape[-1], input_size):
        raise ShapeError(
            "input-size",
            f"{rule.name}(input_size={input_size}) receives {shape[-1]} features (input {format_shape(shape)}); torch fails "
            f"with \"input.size(-1) must be equal to input_size. Expected {input_size}, got {shape[-1]}\"",
            arg="input_size", expected=shape[-1],
        )
    projection = args.values.get("proj_size") or 0
    if not isinstance(projection, int):
        raise UnknownArgument("argument `proj_size` is not a constant")
    output = projection if projection else hidden  # an LSTM with proj_size projects its hidden state
    layers_count = args.int("num_layers")
    directions = 2 if args.bool("bidirectional") else 1
    gates = RNN_GATES[rule.name]
    params = 0
    for layer in range(layers_count):
        features = input_size if layer == 0 else output * directions
        per_direction = gates * hidden * (features + output) + projection * hidden
        if args.values.get("bias", True):
            per_direction += 2 * gates * hidden
        params += directions * per_direction
    return Applied((*shape[:-1], output * directions), params)


def torch_cell(rule: LayerRule, args: Args, inputs: list) -> Applied:
    """``LSTMCell`` / ``GRUCell`` / ``RNNCell``: one step, (batch, input_size) to (batch, hidden_size)."""
    shape = inputs[0]
    if len(shape) not in (1, 2):
        raise ShapeError("rank-mismatch", f"{rule.name} expects a 2-D (batch, features) input but receives "
                         f"{format_shape(shape)}; torch fails with \"{rule.name}: Expected input to be 1D or 2D, got "
                         f"{len(shape)}D instead\"", expected_ndim=2)
    input_size, hidden = args.size("input_size"), args.size("hidden_size")
    if differ(shape[-1], input_size):
        raise ShapeError(
            "input-size",
            f"{rule.name}(input_size={input_size}) receives {shape[-1]} features (input {format_shape(shape)}); torch "
            f"fails with \"input has inconsistent input_size: got {shape[-1]} expected {input_size}\"",
            arg="input_size", expected=shape[-1],
        )
    gates = RNN_GATES[rule.name[:-len("Cell")]]
    params = gates * hidden * (input_size + hidden) + (2 * gates * hidden if args.bool("bias") else 0)
    return Applied((*shape[:-1], hidden), params)


RNN_ARGS = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional", "proj_size")
RNN_DEFAULTS = {"num_layers": 1, "bias": True, "batch_first": False, "bidirectional": False}

ROWS = [LayerRule(name, torch_rnn, RNN_ARGS, RNN_DEFAULTS) for name in ("RNN", "LSTM", "GRU")] + [
    LayerRule(f"{name}Cell", torch_cell, ("input_size", "hidden_size", "bias"), {"bias": True})
    for name in ("RNN", "LSTM", "GRU")
]
