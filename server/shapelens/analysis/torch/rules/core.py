"""torch core layers: Linear, Bilinear, Embedding, EmbeddingBag, GLU, and the layers that keep their input's shape."""

from __future__ import annotations

from typing import Optional

from ...dims import differ, format_shape, product
from ...rules import Applied, Args, LayerRule, ShapeError, UnknownArgument, equal_to, is_int


def torch_linear(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    out_features = args.size("out_features")
    lazy = rule.name.startswith("Lazy")
    features = shape[-1] if lazy else args.size("in_features")
    if not lazy and differ(shape[-1], features):
        leading = product(shape[:-1]) if len(shape) > 1 else 1
        rows = "N" if leading is None else str(leading)
        raise ShapeError(
            "linear-in-features",
            f"Linear({features}, {out_features}) receives {shape[-1]} features (input {format_shape(shape)}); set "
            f"in_features={shape[-1]}. torch fails with \"mat1 and mat2 shapes cannot be multiplied "
            f"({rows}x{shape[-1]} and {features}x{out_features})\"",
            arg="in_features", expected=shape[-1],
        )
    requires = () if lazy else equal_to(shape[-1], features, f"{rule.name} in_features", "linear-in-features")
    if features is None:
        return Applied((*shape[:-1], out_features), None, requires=requires)
    use_bias = args.flag("bias")
    params = None if use_bias is None else features * out_features + (out_features if use_bias else 0)
    return Applied((*shape[:-1], out_features), params, requires=requires)


def torch_bilinear(rule: LayerRule, args: Args, inputs: list) -> Applied:
    if len(inputs) != 2:
        raise UnknownArgument("Bilinear takes two inputs")
    in1, in2, out = args.size("in1_features"), args.size("in2_features"), args.size("out_features")
    for shape, expected in zip(inputs, (in1, in2)):
        if differ(shape[-1], expected):
            raise ShapeError("linear-in-features", f"Bilinear expects inputs with {in1} and {in2} features but receives "
                             f"{format_shape(inputs[0])} and {format_shape(inputs[1])}", arg="in1_features", expected=shape[-1])
    return Applied((*inputs[0][:-1], out), in1 * in2 * out + (out if args.values.get("bias", True) else 0))


def torch_embedding(rule: LayerRule, args: Args, inputs: list) -> Applied:
    dim = args.size("embedding_dim")
    return Applied((*inputs[0], dim), args.size("num_embeddings") * dim)


def parameter_size(rule_name: str, values: dict, name: str) -> Optional[int]:
    """How many numbers a layer's parameter of this name holds (``decoder.weight``), for the layers
    whose parameters models share (a language model's embedding and output layer); None otherwise."""
    if rule_name == "Linear":
        sizes = {"weight": (values.get("in_features"), values.get("out_features")),
                 "bias": (values.get("out_features"),) if values.get("bias", True) is True else ()}
    elif rule_name == "Embedding":
        sizes = {"weight": (values.get("num_embeddings"), values.get("embedding_dim"))}
    else:
        return None
    shape = sizes.get(name)
    if not shape or not all(is_int(size) for size in shape):
        return None
    return product(shape)


def torch_same(rule: LayerRule, args: Args, inputs: list) -> Applied:
    params = 0
    if rule.name == "PReLU":
        params = args.size("num_parameters")
    return Applied(inputs[0], params)


ELEMENTWISE = (
    "Identity", "Dropout", "AlphaDropout", "FeatureAlphaDropout", "ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU",
    "SiLU", "Mish", "Sigmoid", "Tanh", "Hardtanh", "Hardswish", "Hardsigmoid", "Softplus", "Softsign", "Softmax",
    "LogSoftmax", "Softmax2d", "Tanhshrink", "Threshold", "LocalResponseNorm", "LogSigmoid", "Softmin", "Hardshrink",
    "Softshrink", "RReLU", "ChannelShuffle",
)


def torch_glu(rule: LayerRule, args: Args, inputs: list) -> Applied:
    """``GLU(dim)``: one half of the axis gates the other."""
    shape = inputs[0]
    dim = args.int("dim") % len(shape)
    size = shape[dim]
    if isinstance(size, int) and size % 2:
        raise ShapeError("reshape-size", f"GLU halves dimension {dim}, whose size {size} is odd (input "
                         f"{format_shape(shape)}); torch fails with \"Halving dimension must be even, but dimension "
                         f"{dim} is size {size}\"")
    return Applied((*shape[:dim], None if size is None else size // 2, *shape[dim + 1:]), 0)


def torch_embedding_bag(rule: LayerRule, args: Args, inputs: list) -> Applied:
    """``EmbeddingBag``: one vector per bag, the bags being the rows of a 2-D input or the
    ``offsets`` of a 1-D one."""
    shape, dim = inputs[0], args.size("embedding_dim")
    params = args.size("num_embeddings") * dim
    if len(shape) == 2:
        return Applied((shape[0], dim), params)
    if len(shape) != 1 or len(inputs) < 2 or len(inputs[1]) != 1:
        raise UnknownArgument("EmbeddingBag called on a 1-D input without its 1-D offsets")
    bags = inputs[1][0]
    if bags is not None and args.bool("include_last_offset"):
        bags = bags - 1
    return Applied((bags, dim), params)

ROWS = [
    LayerRule("Linear", torch_linear, ("in_features", "out_features", "bias"), {"bias": True}, role="dense",
              lazy_form="LazyLinear"),
    LayerRule("LazyLinear", torch_linear, ("out_features", "bias"), {"bias": True}, role="dense"),
    LayerRule("Bilinear", torch_bilinear, ("in1_features", "in2_features", "out_features", "bias"), {"bias": True}),
    LayerRule("Embedding", torch_embedding, ("num_embeddings", "embedding_dim", "padding_idx")),
    LayerRule("EmbeddingBag", torch_embedding_bag,
              ("num_embeddings", "embedding_dim", "max_norm", "norm_type", "scale_grad_by_freq", "mode", "sparse",
               "_weight", "include_last_offset", "padding_idx"), {"include_last_offset": False}),
    LayerRule("GLU", torch_glu, ("dim",), {"dim": -1}),
    LayerRule("PReLU", torch_same, ("num_parameters", "init"), {"num_parameters": 1}),
    *(LayerRule(f"Dropout{r}d", torch_same, ("p", "inplace"), {}, r, keeps_map=True) for r in (1, 2, 3)),
    *(LayerRule(name, torch_same, (), keeps_map=True) for name in ELEMENTWISE),
]
