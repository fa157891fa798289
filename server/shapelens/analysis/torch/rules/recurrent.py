"""torch recurrent layers: RNN, LSTM (with proj_size), GRU, and their one-step cells."""

from __future__ import annotations

from ...dims import differ, format_shape
from ...rules import Applied, Args, LayerRule, ShapeError, UnknownArgument

RNN_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def sizes_checked(rule: LayerRule, args: Args, shape: tuple, ranks: tuple[int, int], layout: str,
                  mismatch: str) -> tuple:
    """The checks a recurrent layer and a cell share (rank, then features); their (input_size,
    hidden_size). ``mismatch``: torch's words for a feature count that differs."""
    if len(shape) not in ranks:
        raise ShapeError("rank-mismatch", f"{rule.name} expects a {ranks[1]}-D {layout} input but receives "
                         f"{format_shape(shape)}; torch fails with \"{rule.name}: Expected input to be {ranks[0]}D or "
                         f"{ranks[1]}D, got {len(shape)}D instead\"", expected_ndim=ranks[1])
    input_size, hidden = args.size("input_size"), args.size("hidden_size")
    if differ(shape[-1], input_size):
        raise ShapeError(
            "input-size",
            f"{rule.name}(input_size={input_size}) receives {shape[-1]} features (input {format_shape(shape)}); torch fails "
            f"with \"{mismatch.format(expected=input_size, got=shape[-1])}\"",
            arg="input_size", expected=shape[-1],
        )
    return input_size, hidden


def torch_rnn(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    input_size, hidden = sizes_checked(rule, args, shape, (2, 3), "(sequence, batch, features)",
                                       "input.size(-1) must be equal to input_size. Expected {expected}, got {got}")
    projection = args.values.get("proj_size") or 0
    if not isinstance(projection, int):
        raise UnknownArgument("argument `proj_size` is not a constant")
    output = projection if projection else hidden  # an LSTM with proj_size projects its hidden state
    layers_count = args.int("num_layers")
    directions = 2 if args.bool("bidirectional") else 1
    gates = RNN_GATES[rule.name]
    use_bias = args.flag("bias")
    params = 0
    for layer in range(layers_count):
        features = input_size if layer == 0 else output * directions
        per_direction = gates * hidden * (features + output) + projection * hidden
        if use_bias:
            per_direction += 2 * gates * hidden
        params += directions * per_direction
    return Applied((*shape[:-1], output * directions), None if use_bias is None else params)


def torch_cell(rule: LayerRule, args: Args, inputs: list) -> Applied:
    """``LSTMCell`` / ``GRUCell`` / ``RNNCell``: one step, (batch, input_size) to (batch, hidden_size)."""
    shape = inputs[0]
    input_size, hidden = sizes_checked(rule, args, shape, (1, 2), "(batch, features)",
                                       "input has inconsistent input_size: got {got} expected {expected}")
    for index, state in enumerate(args.values.get("states", ())):  # the call's (h, c) / h, when given
        if state is None or not state:
            continue
        if state[-1] is not None and differ(state[-1], hidden):
            raise ShapeError("input-size", f"{rule.name}({input_size}, {hidden}) is given a state of shape "
                             f"{format_shape(state)}; torch fails with \"hidden{index} has inconsistent hidden_size: "
                             f"got {state[-1]}, expected {hidden}\"", said=f"hidden{index} has inconsistent hidden_size")
        if len(state) == 2 and len(shape) == 2 and shape[0] is not None and state[0] is not None and differ(shape[0], state[0]):
            raise ShapeError("input-size", f"{rule.name} is given an input of batch {shape[0]} and a state of batch "
                             f"{state[0]}; torch fails with \"Input batch size {shape[0]} doesn't match hidden{index} "
                             f"batch size {state[0]}\"")
    gates = RNN_GATES[rule.name[:-len("Cell")]]
    use_bias = args.flag("bias")
    params = gates * hidden * (input_size + hidden) + (2 * gates * hidden if use_bias else 0)
    return Applied((*shape[:-1], hidden), None if use_bias is None else params)


RNN_ARGS = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional", "proj_size")
RNN_DEFAULTS = {"num_layers": 1, "bias": True, "batch_first": False, "bidirectional": False}

ROWS = [LayerRule(name, torch_rnn, RNN_ARGS, RNN_DEFAULTS) for name in ("RNN", "LSTM", "GRU")] + [
    LayerRule(f"{name}Cell", torch_cell, ("input_size", "hidden_size", "bias"), {"bias": True})
    for name in ("RNN", "LSTM", "GRU")
]
