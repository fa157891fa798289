"""Keras recurrent layers: SimpleRNN, LSTM, GRU, ``RNN`` over cells, the convolutional LSTMs, and the
Bidirectional / TimeDistributed wrappers."""

from __future__ import annotations

from ... import shapes
from ...dims import Dim, OutputShape, Shape, add, product
from ...rules import Applied, Args, LayerRule, LayerSpec, UnknownArgument, assemble, fits, spatial_layout
from ..dialect import dialect_of
from .common import bias, check_rank
from .convolutional import kernel_failure

RNN_GATES = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}


def rnn_weights(args: Args, name: str, features: Dim) -> Dim:
    units = args.size("units")
    gates = RNN_GATES[name]
    bias_count = 0
    use_bias = args.flag("use_bias")
    if use_bias is None:
        return None
    if use_bias:
        bias_count = gates * units * (2 if name == "GRU" and args.values.get("reset_after", True) else 1)
    return gates * units * (features + units) + bias_count


def rnn(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule, args, shape, ndim=3)
    units = args.size("units")
    output = (shape[0], shape[1], units) if args.bool("return_sequences") else (shape[0], units)
    params = None if shape[2] is None else rnn_weights(args, rule.name, shape[2])
    if args.bool("return_state"):
        states = 2 if rule.name == "LSTM" else 1
        return Applied((output, *([(shape[0], units)] * states)), params)
    return Applied(output, params)


# A cell class → the recurrent layer whose weights it has.
CELL_OF = {"LSTMCell": "LSTM", "GRUCell": "GRU", "SimpleRNNCell": "SimpleRNN"}


def rnn_cell(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    raise UnknownArgument(f"a {rule.name} called on its own (outside `RNN`) is not modelled")


def cells_of(value: object) -> list[LayerSpec]:
    """The cells an ``RNN`` runs, in order: one cell, a list of cells, or a ``StackedRNNCells``."""
    if isinstance(value, (list, tuple)):
        return [cell for item in value for cell in cells_of(item)]
    spec = getattr(value, "spec", value)
    if isinstance(spec, LayerSpec) and spec.rule.name in CELL_OF:
        return [spec]
    if isinstance(spec, LayerSpec) and spec.rule.name == "StackedRNNCells":
        return cells_of(spec.args.values.get("cells"))
    raise UnknownArgument("the cell of the RNN is not a Keras cell the analysis knows")


def rnn_layer(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    """``RNN(LSTMCell(64))``, ``RNN([LSTMCell(32), LSTMCell(64)])``: the cells stacked, each fed the
    previous one's output; the layer gives the last cell's."""
    shape = inputs[0]
    if len(shape) != 3:
        raise UnknownArgument(f"an RNN on a {len(shape)}-D input is not modelled")
    cells = cells_of(args.raw("cell"))
    features: Dim = shape[2]
    params: Dim = 0
    for cell in cells:
        weights = None if features is None else rnn_weights(cell.args, CELL_OF[cell.rule.name], features)
        params = None if params is None or weights is None else params + weights
        features = cell.args.size("units")
    output: OutputShape = (shape[0], shape[1], features) if args.bool("return_sequences") else (shape[0], features)
    if args.bool("return_state"):
        if len(cells) > 1:
            raise UnknownArgument("the states of several stacked cells are not modelled")
        states = 2 if cells[0].rule.name == "LSTMCell" else 1
        output = (output, *([(shape[0], features)] * states))
    return Applied(output, params)


def conv_lstm(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    """``ConvLSTM2D``: each step's frame (``(batch, rows, cols, channels)``) convolved as a ``Conv2D`` would
    (the recurrent convolution keeps the state's size); four gates, each with an input and a recurrent kernel."""
    rank = rule.rank
    shape = inputs[0]
    check_rank(rule, args, shape, ndim=rank + 3)
    filters = args.size("filters")
    kernel = args.ints("kernel_size", rank)
    strides = args.ints("strides", rank)
    dilation = args.ints("dilation_rate", rank)
    padding = args.str("padding").lower()
    if padding not in ("valid", "same") or (max(strides) > 1 and max(dilation) > 1):
        raise UnknownArgument(f"{rule.name} with padding={padding!r}, strides {strides} and dilation_rate {dilation} "
                              f"is not modelled")
    frame = (shape[0], *shape[2:])
    first, spatial, channels = spatial_layout(args, frame, rank)
    axes = shapes.over_axes(spatial, shapes.keras_conv_length, kernel, strides, (padding,) * rank, dilation)
    if axes.failing is not None:
        raise kernel_failure(rule, args, axes.failing, kernel, strides, dilation, spatial, frame,
                             f"kernel shape=({', '.join(map(str, kernel))}, {channels if channels is not None else 'None'}, "
                             f"{filters}), dilation_rate={list(dilation)}, strides={strides}, padding={padding}")
    state = assemble(shape[0], axes.sizes, filters, first)
    output: OutputShape = (shape[0], shape[1], *state[1:]) if args.bool("return_sequences") else state
    if args.bool("return_state"):
        output = (output, state, state)  # the hidden and the cell state
    params = None if channels is None else add(product(kernel) * 4 * filters * (channels + filters), bias(args, 4 * filters))
    return Applied(output, params, tuple(axes.arithmetic), (), fits(rule.name, axes.open))


def bidirectional(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    inner = args.layer("layer")
    applied = inner.rule.apply(inner.args, inputs)
    # `backward_layer=GRU(...)`: the backward direction is that layer, with its own units and weights
    back = args.layer("backward_layer") if args.values.get("backward_layer") is not None else inner
    backward = applied if back is inner else back.rule.apply(back.args, inputs)
    merge_mode = args.raw("merge_mode")
    single, states = split_states(applied.output)
    back_single, back_states = split_states(backward.output)
    if merge_mode is None:
        output: OutputShape = (single, back_single)
    else:
        if back is not inner and single[-1] != back_single[-1]:
            # Keras' graph gives the forward width twice while the layer computes both widths: no width is sure
            raise UnknownArgument(f"{rule.name}: its backward layer has another width than its forward layer "
                                  f"({back_single[-1]} and {single[-1]}), which Keras' graph and its run disagree on")
        width = single[-1] * 2 if merge_mode == "concat" and single[-1] is not None else single[-1]
        output = (*single[:-1], width)
    if states:
        output = (output, *states, *back_states) if merge_mode is not None else (*output, *states, *back_states)
    params = None if applied.params is None or backward.params is None else applied.params + backward.params
    return Applied(output, params)


def split_states(output: OutputShape) -> tuple:
    """An RNN's output, and its states when it returns them."""
    if output and isinstance(output[0], tuple):
        return output[0], output[1:]
    return output, ()


def time_distributed(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    inner = args.layer("layer")
    shape = inputs[0]
    if len(shape) < 3:
        raise dialect_of(rule).time_distributed_rank_error(shape)
    applied = inner.rule.apply(inner.args, [(shape[0], *shape[2:])])
    if applied.output is None:
        return Applied(None, applied.params, non_trainable=applied.non_trainable)
    return Applied((shape[0], shape[1], *applied.output[1:]), applied.params, applied.arithmetic,
                   non_trainable=applied.non_trainable)


RNN_ARGS = ("units", "activation")
RNN_DEFAULTS = {"return_sequences": False, "return_state": False, "use_bias": True, "reset_after": True}

ROWS = [
    LayerRule("SimpleRNN", rnn, RNN_ARGS, RNN_DEFAULTS, weight_axis=-1),
    LayerRule("LSTM", rnn, RNN_ARGS, RNN_DEFAULTS, weight_axis=-1),
    LayerRule("GRU", rnn, RNN_ARGS, RNN_DEFAULTS, weight_axis=-1),
    LayerRule("Bidirectional", bidirectional, ("layer", "merge_mode", "weights", "backward_layer"),
              {"merge_mode": "concat", "weights": None, "backward_layer": None}),
    LayerRule("TimeDistributed", time_distributed, ("layer",)),
    LayerRule("LSTMCell", rnn_cell, ("units", "activation", "recurrent_activation", "use_bias"), {"use_bias": True}),
    LayerRule("GRUCell", rnn_cell, ("units", "activation", "recurrent_activation", "use_bias"),
              {"use_bias": True, "reset_after": True}),
    LayerRule("SimpleRNNCell", rnn_cell, ("units", "activation", "use_bias"), {"use_bias": True}),
    LayerRule("StackedRNNCells", rnn_cell, ("cells",)),
    LayerRule("RNN", rnn_layer, ("cell", "return_sequences", "return_state", "go_backwards", "stateful", "unroll"),
              {"return_sequences": False, "return_state": False}),
    *(LayerRule(f"ConvLSTM{r}D", conv_lstm, ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                                             "activation", "recurrent_activation", "use_bias"),
                {"strides": 1, "padding": "valid", "data_format": None, "dilation_rate": 1, "use_bias": True,
                 "return_sequences": False, "return_state": False}, r, window=True, ndim=r + 3) for r in (1, 2, 3)),
]
