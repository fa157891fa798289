"""The table of PyTorch layer rules (``torch.nn``), in torch's argument order, with torch's words.

Same shape as ``layers.py``: a row per class naming a family; the formulas live in ``shapes.py``.
Shapes are (N, C, *spatial); torch also accepts unbatched input (C, *spatial).
"""

from __future__ import annotations

from math import floor, prod
from typing import Optional

from . import shapes
from .layers import FAMILIES, Applied, Args, LayerRule, ShapeError, UnknownArgument, fmt_shape
from .report import Shape

AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def dims_text(dims) -> str:
    return "[" + ", ".join("N" if d is None else str(d) for d in dims) + "]"


def split_batch(rule: LayerRule, shape: Shape, spatial_rank: int, op: str) -> tuple[bool, Shape]:
    """(batched, shape) for a (N, C, *spatial) layer; torch also takes (C, *spatial)."""
    if len(shape) == spatial_rank + 2:
        return True, shape
    if len(shape) == spatial_rank + 1:
        return False, (None, *shape)
    raise ShapeError(
        "rank-mismatch",
        f"{rule.name} expects a {spatial_rank + 2}-D (N, C, ...) input but receives {fmt_shape(shape)}; torch fails "
        f"with \"Expected {spatial_rank + 1}D (unbatched) or {spatial_rank + 2}D (batched) input to {op}, but got "
        f"input of size: {dims_text(shape)}\"",
        expected_ndim=spatial_rank + 2,
    )


def rejoin(batched: bool, shape: Shape) -> Shape:
    return shape if batched else shape[1:]


def padding_of(args: Args, rank: int, kernel, dilation, stride) -> tuple[int, ...]:
    padding = args.raw("padding")
    if isinstance(padding, str):
        if padding == "valid":
            return (0,) * rank
        if padding == "same":
            if max(stride) > 1:
                raise ShapeError("invalid-argument", "torch fails with \"padding='same' is not supported for strided convolutions\"", arg="padding")
            return tuple((d * (k - 1)) // 2 for k, d in zip(kernel, dilation))
        raise UnknownArgument(f"padding '{padding}' is not a torch padding mode")
    return args.ints("padding", rank)


def channel_error(rule: LayerRule, args: Args, shape: Shape, expected: int, got: int, weight: list) -> ShapeError:
    return ShapeError(
        "in-channels",
        f"{rule.name} expects {expected} input channels (in_channels={expected}) but receives {got} "
        f"(input {fmt_shape(shape)}); torch fails with \"Given groups={args.values.get('groups', 1)}, weight of size "
        f"{dims_text(weight)}, expected input{dims_text(shape)} to have {expected} channels, but got {got} channels instead\"",
        arg="in_channels",
        expected=got,
    )


def torch_conv(rule: LayerRule, args: Args, inputs: list) -> Applied:
    rank = rule.rank
    batched, shape = split_batch(rule, inputs[0], rank, f"conv{rank}d")
    lazy = rule.name.startswith("Lazy")
    transpose = "Transpose" in rule.name
    out_channels = args.int("out_channels")
    kernel = args.ints("kernel_size", rank)
    stride = args.ints("stride", rank)
    dilation = args.ints("dilation", rank)
    groups = args.int("groups")
    channels = shape[1]
    in_channels = channels if lazy else args.int("in_channels")
    if not lazy and channels is not None and channels != in_channels:
        weight = [in_channels, out_channels // groups, *kernel] if transpose else [out_channels, in_channels // groups, *kernel]
        raise channel_error(rule, args, inputs[0], in_channels, channels, weight)
    spatial, arithmetic = [], []
    if transpose:
        padding = args.ints("padding", rank)
        output_padding = args.ints("output_padding", rank)
        for i, (op, s, d) in enumerate(zip(output_padding, stride, dilation)):
            if op >= s and op >= d:
                raise ShapeError(
                    "invalid-argument",
                    f"{rule.name}: output_padding {op} must be smaller than stride {s} or dilation {d}; torch fails with "
                    f"\"output padding must be smaller than either stride or dilation\"",
                    arg="output_padding",
                )
        for axis, n, k, s, p, d, op in zip(AXIS_NAMES[rank], shape[2:], kernel, stride, padding, dilation, output_padding):
            size, text = shapes.torch_deconv_length(n, k, s, p, d, op)
            spatial.append(size)
            if text:
                arithmetic.append(f"{axis}: {text}")
        if any(size is not None and size <= 0 for size in spatial):
            per_channel = lambda dims: " x ".join("N" if d is None else str(d) for d in dims)  # noqa: E731
            raise ShapeError(
                "negative-dimension",
                f"{rule.name}: the output would be {fmt_shape(tuple(spatial))} (input {fmt_shape(inputs[0])}, padding "
                f"{padding}); torch fails with \"Given input size per channel: ({per_channel(shape[2:])}). Calculated "
                f"output size per channel: ({per_channel(spatial)}). Output size is too small\"",
                arg="padding",
            )
        params = None if in_channels is None else in_channels * (out_channels // groups) * prod(kernel)
    else:
        same = args.raw("padding") == "same"
        padding = padding_of(args, rank, kernel, dilation, stride)
        for axis, n, k, s, p, d in zip(AXIS_NAMES[rank], shape[2:], kernel, stride, padding, dilation):
            if same:  # torch pads d*(k-1) in total, the odd one on the right: the size is kept
                spatial.append(n)
                arithmetic.append(f"{axis}: padding='same' keeps {n}")
                continue
            size, text = shapes.torch_window_length(n, k, s, p, d)
            if size is not None and n + 2 * p < d * (k - 1) + 1:
                padded = " x ".join(str(m + 2 * q) if m is not None else "N" for m, q in zip(shape[2:], padding))
                kernel_text = " x ".join(str(e * (c - 1) + 1) for c, e in zip(kernel, dilation))
                raise ShapeError(
                    "negative-dimension",
                    f"{rule.name}: kernel_size {d * (k - 1) + 1} does not fit input {axis} {n + 2 * p} (input "
                    f"{fmt_shape(inputs[0])}, padding {p}); torch fails with \"Calculated padded input size per channel: "
                    f"({padded}). Kernel size: ({kernel_text}). Kernel size can't be greater than actual input size\"",
                    arg="kernel_size", axis=axis, window=d * (k - 1) + 1, size=n + 2 * p,
                )
            spatial.append(size)
            if text:
                arithmetic.append(f"{axis}: {text}")
        params = None if in_channels is None else out_channels * (in_channels // groups) * prod(kernel)
    if params is not None and args.values.get("bias", True):
        params += out_channels
    return Applied(rejoin(batched, (shape[0], out_channels, *spatial)), params, tuple(arithmetic))


def torch_pool(rule: LayerRule, args: Args, inputs: list) -> Applied:
    rank = rule.rank
    batched, shape = split_batch(rule, inputs[0], rank, rule.name.lower())
    kernel = args.ints("kernel_size", rank)
    stride = kernel if args.raw("stride") is None else args.ints("stride", rank)
    padding = args.ints("padding", rank)
    dilation = args.ints("dilation", rank) if "dilation" in rule.args else (1,) * rank
    ceil_mode = args.bool("ceil_mode")
    for p, k, d in zip(padding, kernel, dilation):
        if p > (d * (k - 1) + 1) / 2:
            raise ShapeError(
                "invalid-argument",
                f"{rule.name}: padding {p} is more than half the window {k}; torch fails with \"pad should be at most "
                f"half of effective kernel size, but got pad={p}, kernel_size={k} and dilation={d}\"",
                arg="padding",
            )
    if rule.name == "AvgPool3d" and any(n is not None and n < k for n, k in zip(shape[2:], kernel)):
        # torch's 3-D average pooling checks the unpadded input against the kernel
        sizes = " ".join(f"{a}: {n}" for a, n in zip("THW", shape[2:]))
        kernels = " ".join(f"k{a}: {k}" for a, k in zip("THW", kernel))
        raise ShapeError(
            "negative-dimension",
            f"AvgPool3d: kernel_size {kernel} is larger than the unpadded input {tuple(shape[2:])}; torch fails with "
            f"\"input image ({sizes}) smaller than kernel size ({kernels})\"",
            arg="kernel_size",
        )
    spatial, arithmetic = [], []
    for axis, n, k, s, p, d in zip(AXIS_NAMES[rank], shape[2:], kernel, stride, padding, dilation):
        size, text = shapes.torch_window_length(n, k, s, p, d, ceil_mode)
        spatial.append(size)
        if text:
            arithmetic.append(f"{axis}: {text}")
    failing = next((i for i, size in enumerate(spatial) if size is not None and size <= 0), None)
    if failing is not None:
        axis, n, k = AXIS_NAMES[rank][failing], shape[2 + failing], kernel[failing]
        raise ShapeError(
            "negative-dimension",
            f"{rule.name}: kernel_size {k} does not fit input {axis} {n} (input {fmt_shape(inputs[0])}); torch fails "
            f"with \"{pool_failure(rule, shape, spatial)}\"",
            arg="kernel_size", axis=axis, window=k, size=n,
        )
    return Applied(rejoin(batched, (shape[0], shape[1], *spatial)), 0, tuple(arithmetic))


def pool_failure(rule: LayerRule, shape: Shape, spatial: list) -> str:
    """torch's own words; 1-D average pooling runs as 2-D with a height of 1."""
    if rule.name == "MaxPool1d":
        return f"max_pool1d() Invalid computed output size: {spatial[0]}"
    before, after = list(shape[2:]), list(spatial)
    if rule.rank == 1:
        before, after = [1, *before], [1, *after]
    as_text = lambda dims: "x".join("N" if d is None else str(d) for d in (shape[1], *dims))  # noqa: E731
    return f"Given input size: ({as_text(before)}). Calculated output size: ({as_text(after)}). Output size is too small"


def torch_adaptive_pool(rule: LayerRule, args: Args, inputs: list) -> Applied:
    rank = rule.rank
    batched, shape = split_batch(rule, inputs[0], rank, rule.name.lower())
    size = args.raw("output_size")
    sizes = (size,) * rank if isinstance(size, int) or size is None else tuple(size)
    if len(sizes) != rank:
        raise UnknownArgument("output_size does not match the pooling rank")
    spatial = tuple(n if s is None else s for n, s in zip(shape[2:], sizes))
    return Applied(rejoin(batched, (shape[0], shape[1], *spatial)), 0)


def torch_batch_norm(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    lazy = rule.name.startswith("Lazy")
    allowed = {1: (2, 3), 2: (4,), 3: (5,)}[rule.rank]
    if len(shape) not in allowed:
        wanted = " or ".join(f"{a}D" for a in allowed)
        raise ShapeError(
            "rank-mismatch",
            f"{rule.name} expects a {wanted} input but receives {fmt_shape(shape)}; torch fails with \"expected {wanted} "
            f"input (got {len(shape)}D input)\"",
            expected_ndim=allowed[0],
        )
    channels = shape[1]
    features = channels if lazy else args.int("num_features")
    if not lazy and channels is not None and channels != features:
        raise ShapeError(
            "num-features",
            f"{rule.name}({features}) receives {channels} channels (input {fmt_shape(shape)}); torch fails with "
            f"\"running_mean should contain {channels} elements not {features}\"",
            arg="num_features", expected=channels,
        )
    affine = args.bool("affine")
    params = None if features is None else (features * (1 + int(bool(args.values.get("bias", True)))) if affine else 0)
    return Applied(shape, params)


def torch_group_norm(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    groups, channels = args.int("num_groups"), args.int("num_channels")
    if channels % groups:
        raise ShapeError("invalid-argument", f"GroupNorm: num_channels {channels} is not divisible by num_groups {groups}")
    if len(shape) >= 2 and shape[1] is not None and shape[1] != channels:
        raise ShapeError(
            "num-features",
            f"GroupNorm({groups}, {channels}) receives {shape[1]} channels (input {fmt_shape(shape)}); torch fails with "
            f"\"Expected weight to be a vector of size equal to the number of channels in input, but got weight of "
            f"shape [{channels}] and input of shape {dims_text(shape)}\"",
            arg="num_channels", expected=shape[1],
        )
    affine = args.bool("affine")
    return Applied(shape, channels * (1 + int(bool(args.values.get("bias", True)))) if affine else 0)


def torch_layer_norm(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    normalized = args.raw("normalized_shape")
    normalized = (normalized,) if isinstance(normalized, int) else tuple(normalized)
    if not all(isinstance(d, int) for d in normalized):
        raise UnknownArgument("normalized_shape is not a constant")
    tail = shape[len(shape) - len(normalized):]
    if len(shape) < len(normalized) or any(a is not None and a != b for a, b in zip(tail, normalized)):
        raise ShapeError(
            "num-features",
            f"LayerNorm({list(normalized)}) receives {fmt_shape(shape)}; torch fails with \"Given normalized_shape="
            f"{list(normalized)}, expected input with shape [*, {', '.join(map(str, normalized))}], but got input of "
            f"size{dims_text(shape)}\"",
            arg="normalized_shape", expected=tail[-1] if tail else None,
        )
    affine = args.bool("elementwise_affine")
    return Applied(shape, prod(normalized) * (1 + int(bool(args.values.get("bias", True)))) if affine else 0)


def torch_linear(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    out_features = args.int("out_features")
    lazy = rule.name.startswith("Lazy")
    features = shape[-1] if lazy else args.int("in_features")
    if not lazy and shape[-1] is not None and shape[-1] != features:
        leading = shapes.product(shape[:-1]) if len(shape) > 1 else 1
        rows = "N" if leading is None else str(leading)
        raise ShapeError(
            "linear-in-features",
            f"Linear({features}, {out_features}) receives {shape[-1]} features (input {fmt_shape(shape)}); set "
            f"in_features={shape[-1]}. torch fails with \"mat1 and mat2 shapes cannot be multiplied "
            f"({rows}x{shape[-1]} and {features}x{out_features})\"",
            arg="in_features", expected=shape[-1],
        )
    if features is None:
        return Applied((*shape[:-1], out_features), None)
    params = features * out_features + (out_features if args.values.get("bias", True) else 0)
    return Applied((*shape[:-1], out_features), params)


def torch_bilinear(rule: LayerRule, args: Args, inputs: list) -> Applied:
    if len(inputs) != 2:
        raise UnknownArgument("Bilinear takes two inputs")
    in1, in2, out = args.int("in1_features"), args.int("in2_features"), args.int("out_features")
    for shape, expected in zip(inputs, (in1, in2)):
        if shape[-1] is not None and shape[-1] != expected:
            raise ShapeError("linear-in-features", f"Bilinear expects inputs with {in1} and {in2} features but receives "
                             f"{fmt_shape(inputs[0])} and {fmt_shape(inputs[1])}", arg="in1_features", expected=shape[-1])
    return Applied((*inputs[0][:-1], out), in1 * in2 * out + (out if args.values.get("bias", True) else 0))


def torch_flatten(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    start, end = args.int("start_dim") % len(shape), args.int("end_dim") % len(shape)
    return Applied((*shape[:start], shapes.product(shape[start:end + 1]), *shape[end + 1:]), 0)


def torch_unflatten(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    dim = args.int("dim") % len(shape)
    sizes = tuple(args.raw("unflattened_size"))
    if shape[dim] is not None and -1 not in sizes and prod(sizes) != shape[dim]:
        raise ShapeError("reshape-size", f"Unflatten: {fmt_shape(sizes)} does not hold the {shape[dim]} values of dim {dim}")
    if -1 in sizes and shape[dim] is not None:
        known = prod(s for s in sizes if s != -1)
        sizes = tuple(shape[dim] // known if s == -1 else s for s in sizes)
    return Applied((*shape[:dim], *sizes, *shape[dim + 1:]), 0)


def torch_embedding(rule: LayerRule, args: Args, inputs: list) -> Applied:
    dim = args.int("embedding_dim")
    return Applied((*inputs[0], dim), args.int("num_embeddings") * dim)


def torch_upsample(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    spatial = shape[2:]
    size, scale = args.raw("size"), args.raw("scale_factor")
    if size is not None:
        sizes = (size,) * len(spatial) if isinstance(size, int) else tuple(size)
        return Applied((*shape[:2], *sizes), 0)
    if scale is None:
        raise UnknownArgument("Upsample needs size or scale_factor")
    scales = (scale,) * len(spatial) if isinstance(scale, (int, float)) else tuple(scale)
    out = tuple(None if n is None else floor(n * f) for n, f in zip(spatial, scales))
    return Applied((*shape[:2], *out), 0)


def torch_pixel_shuffle(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    r = args.int("upscale_factor")
    channels = shape[-3]
    if channels is not None and channels % (r * r):
        raise ShapeError("in-channels", f"PixelShuffle({r}) needs channels divisible by {r * r}, got {channels}")
    return Applied((*shape[:-3], None if channels is None else channels // (r * r),
                    *(None if n is None else n * r for n in shape[-2:])), 0)


RNN_GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}


def torch_rnn(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    if len(shape) not in (2, 3):
        raise ShapeError("rank-mismatch", f"{rule.name} expects a 3-D (sequence, batch, features) input but receives "
                         f"{fmt_shape(shape)}; torch fails with \"{rule.name}: Expected input to be 2D or 3D, got "
                         f"{len(shape)}D instead\"", expected_ndim=3)
    input_size, hidden = args.int("input_size"), args.int("hidden_size")
    if shape[-1] is not None and shape[-1] != input_size:
        raise ShapeError(
            "input-size",
            f"{rule.name}(input_size={input_size}) receives {shape[-1]} features (input {fmt_shape(shape)}); torch fails "
            f"with \"input.size(-1) must be equal to input_size. Expected {input_size}, got {shape[-1]}\"",
            arg="input_size", expected=shape[-1],
        )
    projection = args.values.get("proj_size") or 0
    if not isinstance(projection, int):
        raise UnknownArgument("argument `proj_size` is not a constant")
    output = projection or hidden  # an LSTM with proj_size projects its hidden state
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


def torch_same(rule: LayerRule, args: Args, inputs: list) -> Applied:
    params = 0
    if rule.name == "PReLU":
        params = args.int("num_parameters")
    return Applied(inputs[0], params)


FAMILIES.update({
    "torch_conv": torch_conv,
    "torch_pool": torch_pool,
    "torch_adaptive_pool": torch_adaptive_pool,
    "torch_batch_norm": torch_batch_norm,
    "torch_group_norm": torch_group_norm,
    "torch_layer_norm": torch_layer_norm,
    "torch_linear": torch_linear,
    "torch_bilinear": torch_bilinear,
    "torch_flatten": torch_flatten,
    "torch_unflatten": torch_unflatten,
    "torch_embedding": torch_embedding,
    "torch_upsample": torch_upsample,
    "torch_pixel_shuffle": torch_pixel_shuffle,
    "torch_rnn": torch_rnn,
    "torch_same": torch_same,
})

CONV = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias")
CONV_T = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding", "groups", "bias", "dilation")
CONV_DEFAULTS = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True, "output_padding": 0}
RNN_ARGS = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional", "proj_size")
RNN_DEFAULTS = {"num_layers": 1, "bias": True, "batch_first": False, "bidirectional": False}
BN_ARGS = ("num_features", "eps", "momentum", "affine", "track_running_stats")
BN_DEFAULTS = {"affine": True, "bias": True}


def _rows() -> list[LayerRule]:
    rows: list[LayerRule] = []
    for r in (1, 2, 3):
        d = f"{r}d"
        rows += [
            LayerRule(f"Conv{d}", "torch_conv", CONV, CONV_DEFAULTS, r),
            LayerRule(f"ConvTranspose{d}", "torch_conv", CONV_T, CONV_DEFAULTS, r),
            LayerRule(f"LazyConv{d}", "torch_conv", CONV[1:], CONV_DEFAULTS, r),
            LayerRule(f"LazyConvTranspose{d}", "torch_conv", CONV_T[1:], CONV_DEFAULTS, r),
            LayerRule(f"MaxPool{d}", "torch_pool", ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
                      {"stride": None, "padding": 0, "dilation": 1, "ceil_mode": False}, r),
            LayerRule(f"AvgPool{d}", "torch_pool", ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
                      {"stride": None, "padding": 0, "ceil_mode": False}, r),
            LayerRule(f"AdaptiveAvgPool{d}", "torch_adaptive_pool", ("output_size",), {}, r),
            LayerRule(f"AdaptiveMaxPool{d}", "torch_adaptive_pool", ("output_size", "return_indices"), {}, r),
            LayerRule(f"BatchNorm{d}", "torch_batch_norm", BN_ARGS, BN_DEFAULTS, r),
            LayerRule(f"LazyBatchNorm{d}", "torch_batch_norm", BN_ARGS[1:], BN_DEFAULTS, r),
            LayerRule(f"InstanceNorm{d}", "torch_same", ("num_features",), {}, r),
            LayerRule(f"Dropout{d}", "torch_same", ("p", "inplace"), {}, r),
        ]
    rows += [
        LayerRule("Linear", "torch_linear", ("in_features", "out_features", "bias"), {"bias": True}),
        LayerRule("LazyLinear", "torch_linear", ("out_features", "bias"), {"bias": True}),
        LayerRule("Bilinear", "torch_bilinear", ("in1_features", "in2_features", "out_features", "bias"), {"bias": True}),
        LayerRule("LayerNorm", "torch_layer_norm", ("normalized_shape", "eps", "elementwise_affine", "bias"),
                  {"elementwise_affine": True, "bias": True}),
        LayerRule("GroupNorm", "torch_group_norm", ("num_groups", "num_channels", "eps", "affine"), {"affine": True, "bias": True}),
        LayerRule("Flatten", "torch_flatten", ("start_dim", "end_dim"), {"start_dim": 1, "end_dim": -1}),
        LayerRule("Unflatten", "torch_unflatten", ("dim", "unflattened_size")),
        LayerRule("Embedding", "torch_embedding", ("num_embeddings", "embedding_dim", "padding_idx")),
        LayerRule("Upsample", "torch_upsample", ("size", "scale_factor", "mode", "align_corners"), {"size": None, "scale_factor": None}),
        LayerRule("UpsamplingNearest2d", "torch_upsample", ("size", "scale_factor"), {"size": None, "scale_factor": None}),
        LayerRule("UpsamplingBilinear2d", "torch_upsample", ("size", "scale_factor"), {"size": None, "scale_factor": None}),
        LayerRule("PixelShuffle", "torch_pixel_shuffle", ("upscale_factor",)),
        LayerRule("RNN", "torch_rnn", RNN_ARGS, RNN_DEFAULTS),
        LayerRule("LSTM", "torch_rnn", RNN_ARGS, RNN_DEFAULTS),
        LayerRule("GRU", "torch_rnn", RNN_ARGS, RNN_DEFAULTS),
        LayerRule("PReLU", "torch_same", ("num_parameters", "init"), {"num_parameters": 1}),
    ]
    elementwise = (
        "Identity", "Dropout", "AlphaDropout", "FeatureAlphaDropout", "ReLU", "ReLU6", "LeakyReLU", "ELU", "SELU", "CELU", "GELU", "SiLU",
        "Mish", "Sigmoid", "Tanh", "Hardtanh", "Hardswish", "Hardsigmoid", "Softplus", "Softsign", "Softmax",
        "LogSoftmax", "Softmax2d", "Tanhshrink", "Threshold", "LocalResponseNorm",
    )
    rows += [LayerRule(name, "torch_same", ()) for name in elementwise]
    return rows


TORCH_RULES: dict[str, LayerRule] = {rule.name: rule for rule in _rows()}

# Functions of torch / torch.nn.functional that keep the shape of their first argument.
ELEMENTWISE_FUNCTIONS = {
    "relu", "relu6", "relu_", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish", "sigmoid", "tanh",
    "hardtanh", "hardswish", "hardsigmoid", "softplus", "softsign", "softmax", "log_softmax", "dropout",
    "dropout2d", "dropout1d", "dropout3d", "alpha_dropout", "normalize", "abs", "exp", "log", "sqrt",
    "clamp", "clip", "contiguous", "float", "double", "half", "to", "cpu", "cuda", "detach", "clone", "neg",
}
# torch.nn.functional pooling → the layer row whose rule it shares (its arguments follow the input).
FUNCTIONAL_LAYERS = {
    "max_pool1d": "MaxPool1d", "max_pool2d": "MaxPool2d", "max_pool3d": "MaxPool3d",
    "avg_pool1d": "AvgPool1d", "avg_pool2d": "AvgPool2d", "avg_pool3d": "AvgPool3d",
    "adaptive_avg_pool1d": "AdaptiveAvgPool1d", "adaptive_avg_pool2d": "AdaptiveAvgPool2d",
    "adaptive_avg_pool3d": "AdaptiveAvgPool3d", "adaptive_max_pool1d": "AdaptiveMaxPool1d",
    "adaptive_max_pool2d": "AdaptiveMaxPool2d", "adaptive_max_pool3d": "AdaptiveMaxPool3d",
    "interpolate": "Upsample", "pixel_shuffle": "PixelShuffle",
}


def seed_shape(rule: LayerRule, args: Args) -> Optional[Shape]:
    """With no example input: the input the first layer implies, every size unknown but the checked one."""
    try:
        if rule.family == "torch_conv" and "in_channels" in rule.args:
            return (None, args.int("in_channels"), *([None] * rule.rank))
        if rule.family == "torch_batch_norm" and "num_features" in rule.args:
            return (None, args.int("num_features"), *([None] * rule.rank)) if rule.rank > 1 else (None, args.int("num_features"))
        if rule.family == "torch_linear" and "in_features" in rule.args:
            return (None, args.int("in_features"))
        if rule.family == "torch_rnn":
            return (None, None, args.int("input_size"))
        if rule.family == "torch_embedding":
            return (None, None)
    except UnknownArgument:
        return None
    return None
