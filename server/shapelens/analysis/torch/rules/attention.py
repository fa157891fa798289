"""torch attention layers: MultiheadAttention and the Transformer family (encoder and decoder
layers, their stacks, ``nn.Transformer``).

Each takes (sequence, batch, features) inputs, or (batch, sequence, features) with
``batch_first=True``, or an unbatched (sequence, features) one; each returns a tensor of its
query's (or target's) shape. ``MultiheadAttention`` also returns the attention weights (the
plugin makes that pair). Parameter counts are torch's: the packed q/k/v projection (or three
when ``kdim`` / ``vdim`` differ), the output projection, the feed-forward pair and the norms.
"""

from __future__ import annotations

from ...dims import Dim, Shape, differ, format_shape
from ...rules import Applied, Args, LayerRule, ShapeError, UnknownArgument

def query_checked(shape: Shape, embed_dim: Dim, arg: str) -> None:
    """What torch's multi-head attention asserts of its query (the first thing every layer here does)."""
    if len(shape) not in (2, 3):
        raise ShapeError("rank-mismatch", f"attention expects a 3-D (sequence, batch, features) or 2-D input but "
                         f"receives {format_shape(shape)}; torch fails with \"query should be unbatched 2D or batched "
                         f"3D tensor but received {len(shape)}-D query tensor\"", expected_ndim=3)
    if differ(shape[-1], embed_dim):
        raise ShapeError("input-size", f"attention of {arg}={embed_dim} receives {shape[-1]} features (input "
                         f"{format_shape(shape)}); torch fails with \"was expecting embedding dimension of {embed_dim}, "
                         f"but got {shape[-1]}\"", arg=arg, expected=shape[-1])


def heads_checked(args: Args, embed: str, heads: str) -> tuple[Dim, Dim]:
    embed_dim, num_heads = args.size(embed), args.size(heads)
    if isinstance(embed_dim, int) and isinstance(num_heads, int) and num_heads > 0 and embed_dim % num_heads:
        raise ShapeError("invalid-argument", f"{args.class_name}: {embed}={embed_dim} is not divisible by "
                         f"{heads}={num_heads}; torch fails with \"embed_dim must be divisible by num_heads\"")
    return embed_dim, num_heads


def attention_params(embed_dim: Dim, kdim: Dim, vdim: Dim, bias: bool, bias_kv: bool) -> Dim:
    """q, k and v projections (packed when their sizes are equal: the same count), their bias, the
    output projection, and ``bias_k`` / ``bias_v``."""
    params = embed_dim * embed_dim + embed_dim * kdim + embed_dim * vdim + embed_dim * embed_dim  # type: ignore[operator]
    if bias:
        params += 4 * embed_dim  # type: ignore[operator]
    if bias_kv:
        params += 2 * embed_dim  # type: ignore[operator]
    return params


def torch_multihead_attention(rule: LayerRule, args: Args, inputs: list) -> Applied:
    query = inputs[0]
    embed_dim, _ = heads_checked(args, "embed_dim", "num_heads")
    query_checked(query, embed_dim, "embed_dim")
    kdim = embed_dim if args.raw("kdim") is None else args.size("kdim")
    vdim = embed_dim if args.raw("vdim") is None else args.size("vdim")
    params = attention_params(embed_dim, kdim, vdim, args.bool("bias"), args.bool("add_bias_kv"))
    return Applied(query, params)


def layer_params(args: Args, decoder: bool) -> Dim:
    """An encoder (or decoder) layer: self-attention (and cross-attention), the feed-forward pair,
    two (three) layer norms."""
    d_model, _ = heads_checked(args, "d_model", "nhead")
    feedforward = args.size("dim_feedforward")
    bias = args.bool("bias")
    attentions = 2 if decoder else 1
    norms = 3 if decoder else 2
    params = attentions * attention_params(d_model, d_model, d_model, bias, False)
    params += 2 * d_model * feedforward  # type: ignore[operator]
    if bias:
        params += feedforward + d_model  # type: ignore[operator]
    params += norms * (2 if bias else 1) * d_model  # type: ignore[operator]
    return params


def torch_encoder_layer(rule: LayerRule, args: Args, inputs: list) -> Applied:
    params = layer_params(args, decoder=False)
    query_checked(inputs[0], args.size("d_model"), "d_model")
    return Applied(inputs[0], params)


def torch_decoder_layer(rule: LayerRule, args: Args, inputs: list) -> Applied:
    params = layer_params(args, decoder=True)
    query_checked(inputs[0], args.size("d_model"), "d_model")
    return Applied(inputs[0], params)


def torch_stack(rule: LayerRule, args: Args, inputs: list) -> Applied:
    """``TransformerEncoder(layer, num_layers, norm)``: copies of the layer one after the other, then the norm."""
    inner = args.layer("decoder_layer" if rule.name == "TransformerDecoder" else "encoder_layer")
    applied = inner.rule.apply(inner.args, inputs)
    layers = args.size("num_layers")
    if applied.params is None:
        return Applied(applied.output, None)
    params = layers * applied.params  # type: ignore[operator]
    if args.raw("norm") is not None:
        norm = args.layer("norm")
        params += norm.rule.apply(norm.args, [applied.output]).params  # type: ignore[operator]
    return Applied(applied.output, params)


def torch_transformer(rule: LayerRule, args: Args, inputs: list) -> Applied:
    if args.raw("custom_encoder") is not None or args.raw("custom_decoder") is not None:
        raise UnknownArgument("a Transformer with a custom encoder or decoder is not modelled")
    if len(inputs) < 2:
        raise UnknownArgument("a Transformer called without both `src` and `tgt`")
    source, target = inputs[0], inputs[1]
    d_model, _ = heads_checked(args, "d_model", "nhead")
    if len(source) == 3 and len(target) == 3:
        batch = 0 if args.bool("batch_first") else 1
        if differ(source[batch], target[batch]):
            raise ShapeError("input-mismatch", f"Transformer receives a source of batch {source[batch]} and a target of "
                             f"batch {target[batch]} ({format_shape(source)} and {format_shape(target)}); torch fails "
                             f"with \"the batch number of src and tgt must be equal\"")
    if differ(source[-1], d_model) or differ(target[-1], d_model):
        raise ShapeError("input-size", f"Transformer(d_model={d_model}) receives {source[-1]} and {target[-1]} "
                         f"features ({format_shape(source)} and {format_shape(target)}); torch fails with \"the feature "
                         f"number of src and tgt must be equal to d_model\"", arg="d_model", expected=source[-1])
    query_checked(source, d_model, "d_model")
    query_checked(target, d_model, "d_model")
    per_encoder = layer_params(args, decoder=False)
    per_decoder = layer_params(args, decoder=True)
    norms = 2 * (2 if args.bool("bias") else 1) * d_model  # type: ignore[operator]
    params = args.size("num_encoder_layers") * per_encoder + args.size("num_decoder_layers") * per_decoder + norms  # type: ignore[operator]
    return Applied(target, params)


LAYER_ARGS = ("d_model", "nhead", "dim_feedforward", "dropout", "activation", "layer_norm_eps", "batch_first",
              "norm_first", "bias")
LAYER_DEFAULTS = {"dim_feedforward": 2048, "dropout": 0.1, "batch_first": False, "norm_first": False, "bias": True}

ROWS = [
    LayerRule("MultiheadAttention", torch_multihead_attention,
              ("embed_dim", "num_heads", "dropout", "bias", "add_bias_kv", "add_zero_attn", "kdim", "vdim", "batch_first"),
              {"dropout": 0.0, "bias": True, "add_bias_kv": False, "add_zero_attn": False, "kdim": None, "vdim": None,
               "batch_first": False}),
    LayerRule("TransformerEncoderLayer", torch_encoder_layer, LAYER_ARGS, LAYER_DEFAULTS),
    LayerRule("TransformerDecoderLayer", torch_decoder_layer, LAYER_ARGS, LAYER_DEFAULTS),
    LayerRule("TransformerEncoder", torch_stack, ("encoder_layer", "num_layers", "norm"), {"norm": None}),
    LayerRule("TransformerDecoder", torch_stack, ("decoder_layer", "num_layers", "norm"), {"norm": None}),
    LayerRule("Transformer", torch_transformer,
              ("d_model", "nhead", "num_encoder_layers", "num_decoder_layers", "dim_feedforward", "dropout",
               "activation", "custom_encoder", "custom_decoder", "layer_norm_eps", "batch_first", "norm_first", "bias"),
              {"d_model": 512, "nhead": 8, "num_encoder_layers": 6, "num_decoder_layers": 6, "dim_feedforward": 2048,
               "dropout": 0.1, "custom_encoder": None, "custom_decoder": None, "batch_first": False,
               "norm_first": False, "bias": True}),
]
