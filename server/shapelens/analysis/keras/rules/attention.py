"""Keras attention layers: Attention, AdditiveAttention and MultiHeadAttention."""

from __future__ import annotations

from ...dims import Shape, is_dim
from ...rules import Applied, Args, LayerRule, UnknownArgument


def attention(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    """Dot-product attention (``Attention``): a scale and, for ``score_mode="concat"``, a concat
    score scale."""
    query, value = attention_inputs(inputs)
    params = int(args.bool("use_scale")) + int(args.values.get("score_mode") == "concat")
    return Applied(attention_output(args, query, value), params)


def additive_attention(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    """Bahdanau-style attention (``AdditiveAttention``): with ``use_scale``, a scale per feature of
    the query."""
    query, value = attention_inputs(inputs)
    use_scale = args.flag("use_scale")
    params = None if use_scale is None or query[-1] is None else (query[-1] if use_scale else 0)
    return Applied(attention_output(args, query, value), params)


def attention_inputs(inputs: list[Shape]) -> tuple[Shape, Shape]:
    if len(inputs) < 2:
        raise UnknownArgument("the attention layer is called with [query, value] or [query, value, key]")
    return inputs[0], inputs[1]


def attention_output(args: Args, query: Shape, value: Shape) -> object:
    """The query's shape with the value's features; with the call's ``return_attention_scores=True``,
    (output, scores of shape (batch, query length, value length))."""
    output = (*query[:-1], value[-1])
    scores = args.raw("return_attention_scores")
    if scores is not True and scores is not False:
        raise UnknownArgument("whether the call's `return_attention_scores` asks for the scores is not known statically")
    return (output, (*query[:-1], value[-2])) if scores and len(value) >= 3 else output


def multi_head_attention(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    """The output (the query's shape, its last axis ``output_shape`` when given); with the call's
    ``return_attention_scores=True``, (output, scores)."""
    query, value = inputs[0], inputs[1] if len(inputs) > 1 else inputs[0]
    key = inputs[2] if len(inputs) > 2 else value
    heads, key_dim = args.size("num_heads"), args.size("key_dim")
    value_dim = key_dim if args.raw("value_dim") is None else args.size("value_dim")
    scores = args.raw("return_attention_scores")
    if scores is not True and scores is not False:
        raise UnknownArgument("whether the call's `return_attention_scores` asks for the scores is not known statically")
    out_dim = args.raw("output_shape")
    if isinstance(out_dim, (tuple, list)):
        out_dim = out_dim[-1] if len(out_dim) == 1 else None
    out_dim = out_dim if is_dim(out_dim) else query[-1]
    output = (*query[:-1], out_dim)
    if scores:
        output = (output, attention_scores(args, query, key, heads))  # type: ignore[assignment]
    dims = (query[-1], key[-1], value[-1])
    if any(d is None for d in dims) or out_dim is None:
        return Applied(output, None)
    params = (
        query[-1] * heads * key_dim + key[-1] * heads * key_dim + value[-1] * heads * value_dim
        + heads * value_dim * out_dim
    )
    use_bias = args.flag("use_bias")
    if use_bias is None:
        return Applied(output, None)
    if use_bias:
        params += 2 * heads * key_dim + heads * value_dim + out_dim
    return Applied(output, params)


def attention_scores(args: Args, query: Shape, key: Shape, heads: object) -> Shape:
    """The scores' shape for sequences: ``(batch, num_heads, query length, key length)``. Keras
    builds a model with the query's length on the last axis too, and at run time the scores have
    the key's there: where the two lengths differ (or are not known), that axis is left open."""
    if args.values.get("attention_axes") is not None or len(query) != 3 or len(key) != 3:
        raise UnknownArgument("the attention scores of inputs that are not sequences, or over `attention_axes`, "
                              "are not followed")
    length = key[1] if query[1] is not None and query[1] == key[1] else None
    return (query[0], heads if is_dim(heads) else None, query[1], length)  # type: ignore[return-value]


ROWS = [
    LayerRule("Attention", attention, ("use_scale", "score_mode"),
              {"use_scale": False, "score_mode": "dot", "return_attention_scores": False}, merge=True,
              call_args=("return_attention_scores",)),
    LayerRule("AdditiveAttention", additive_attention, ("use_scale", "dropout"),
              {"use_scale": True, "return_attention_scores": False}, merge=True, call_args=("return_attention_scores",)),
    LayerRule("MultiHeadAttention", multi_head_attention,
              ("num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape"),
              {"value_dim": None, "use_bias": True, "output_shape": None, "return_attention_scores": False},
              call_args=("return_attention_scores",)),
]
