"""torch normalization: BatchNorm1d-3d (and lazy), GroupNorm, LayerNorm, RMSNorm, InstanceNorm."""

from __future__ import annotations

from ...dims import differ, equal, format_shape, is_dim, product
from ...rules import Applied, Args, LayerRule, ShapeError, UnknownArgument, equal_to
from .common import dims_text


def torch_batch_norm(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    lazy = rule.name.startswith("Lazy")
    allowed = {1: (2, 3), 2: (4,), 3: (5,)}[rule.rank]
    if len(shape) not in allowed:
        wanted = " or ".join(f"{a}D" for a in allowed)
        raise ShapeError(
            "rank-mismatch",
            f"{rule.name} expects a {wanted} input but receives {format_shape(shape)}; torch fails with \"expected {wanted} "
            f"input (got {len(shape)}D input)\"",
            expected_ndim=allowed[0],
        )
    channels = shape[1]
    features = channels if lazy else args.size("num_features")
    requires = () if lazy else equal_to(channels, features, f"{rule.name} num_features", "num-features")
    if not lazy and differ(channels, features):
        raise ShapeError(
            "num-features",
            f"{rule.name}({features}) receives {channels} channels (input {format_shape(shape)}); torch fails with "
            f"\"running_mean should contain {channels} elements not {features}\"",
            arg="num_features", expected=channels,
        )
    affine = args.bool("affine")
    params = None if features is None else (features * (1 + int(bool(args.values.get("bias", True)))) if affine else 0)
    return Applied(shape, params, requires=requires)


def torch_instance_norm(rule: LayerRule, args: Args, inputs: list) -> Applied:
    """``InstanceNorm{1,2,3}d``: a batched or unbatched (C, *spatial) input; ``num_features`` is
    checked only when the layer has weights or running statistics (otherwise torch only warns)."""
    shape = inputs[0]
    rank = rule.rank
    if len(shape) not in (rank + 1, rank + 2):
        raise ShapeError("rank-mismatch", f"{rule.name} expects a {rank + 2}D or {rank + 1}D input but receives "
                         f"{format_shape(shape)}; torch fails with \"expected {rank + 1}D or {rank + 2}D input (got "
                         f"{len(shape)}D input)\"", expected_ndim=rank + 2)
    axis = 1 if len(shape) == rank + 2 else 0
    features = args.size("num_features")
    affine, tracked = args.bool("affine"), args.bool("track_running_stats")
    if differ(shape[axis], features):
        if affine:
            raise ShapeError("num-features", f"{rule.name}({features}, affine=True) receives {shape[axis]} channels (input "
                             f"{format_shape(shape)}); torch fails with \"expected input's size at dim={axis} to match "
                             f"num_features ({features}), but got: {shape[axis]}.\"", arg="num_features",
                             expected=shape[axis])
        if tracked:
            raise UnknownArgument(f"{rule.name} keeps running statistics for {features} channels but receives "
                                  f"{shape[axis]}")
    if not affine:
        return Applied(shape, 0)
    use_bias = args.flag("bias")
    return Applied(shape, None if use_bias is None else features * (2 if use_bias else 1))


def torch_group_norm(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    groups, channels = args.int("num_groups"), args.size("num_channels")
    if equal(channels % groups, 0) is False:
        raise ShapeError("invalid-argument", f"GroupNorm: num_channels {channels} is not divisible by num_groups {groups}")
    if len(shape) >= 2 and differ(shape[1], channels):
        raise ShapeError(
            "num-features",
            f"GroupNorm({groups}, {channels}) receives {shape[1]} channels (input {format_shape(shape)}); torch fails with "
            f"\"Expected weight to be a vector of size equal to the number of channels in input, but got weight of "
            f"shape [{channels}] and input of shape {dims_text(shape)}\"",
            arg="num_channels", expected=shape[1],
        )
    affine = args.bool("affine")
    return Applied(shape, channels * (1 + int(bool(args.values.get("bias", True)))) if affine else 0)


def torch_layer_norm(rule: LayerRule, args: Args, inputs: list) -> Applied:
    shape = inputs[0]
    normalized = args.raw("normalized_shape")
    normalized = (normalized,) if is_dim(normalized) else tuple(normalized)
    if not all(is_dim(d) for d in normalized):  # sizes: ints, or symbols (``LayerNorm(hidden_dim)``)
        raise UnknownArgument("normalized_shape is not a constant")
    tail = shape[len(shape) - len(normalized):]
    if len(shape) < len(normalized) or any(differ(a, b) for a, b in zip(tail, normalized)):
        star = "*" if rule.name == "RMSNorm" else "*, "  # torch's two messages differ by that
        raise ShapeError(
            "num-features",
            f"{rule.name}({list(normalized)}) receives {format_shape(shape)}; torch fails with \"Given normalized_shape="
            f"{list(normalized)}, expected input with shape [{star}{', '.join(map(str, normalized))}], but got input of "
            f"size{dims_text(shape)}\"",
            arg="normalized_shape", expected=tail[-1] if tail else None,
        )
    requires = tuple(r for a, b in zip(tail, normalized) for r in equal_to(a, b, f"{rule.name} normalized_shape", "num-features"))
    affine = args.bool("elementwise_affine")
    return Applied(shape, product(normalized) * (1 + int(bool(args.values.get("bias", True)))) if affine else 0,
                   requires=requires)


BN_ARGS = ("num_features", "eps", "momentum", "affine", "track_running_stats")
BN_DEFAULTS = {"affine": True, "bias": True}

ROWS = [
    row
    for r in (1, 2, 3)
    for row in (
        LayerRule(f"BatchNorm{r}d", torch_batch_norm, BN_ARGS, BN_DEFAULTS, r, keeps_map=True),
        LayerRule(f"LazyBatchNorm{r}d", torch_batch_norm, BN_ARGS[1:], BN_DEFAULTS, r, keeps_map=True),
        LayerRule(f"InstanceNorm{r}d", torch_instance_norm,
                  ("num_features", "eps", "momentum", "affine", "track_running_stats"),
                  {"affine": False, "track_running_stats": False, "bias": True}, r),
    )
] + [
    LayerRule("LayerNorm", torch_layer_norm, ("normalized_shape", "eps", "elementwise_affine", "bias"),
              {"elementwise_affine": True, "bias": True}),
    LayerRule("RMSNorm", torch_layer_norm, ("normalized_shape", "eps", "elementwise_affine"),
              {"elementwise_affine": True, "bias": False}),  # a scale, no shift
    LayerRule("GroupNorm", torch_group_norm, ("num_groups", "num_channels", "eps", "affine"), {"affine": True, "bias": True}),
]
