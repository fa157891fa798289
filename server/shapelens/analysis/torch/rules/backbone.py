"""A torchvision model's layers as one layer of the report: its body, the head layers it built,
and the functional steps of its forward between them (``torch.flatten(x, 1)``).

The body is what ``torchvision_models`` measures (channels, parameters, a spatial rule per
family); its checks are torch's, in the order a forward pass meets them: vit asserts its image
size, googlenet / inception_v3 with ``transform_input`` index channels 0-2, every other model's
first convolution checks the channels, and a body whose input is below its smallest accepted
size fails in one of its layers. The head layers are the engine's own torch rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from ...dims import Dim, Shape, compare, differ, format_shape, product
from ...rules import Applied, Args, LayerRule, LayerSpec, Requirement, ShapeError, UnknownArgument, at_least, equal_to
from ..torchvision_models import FAMILIES, TorchvisionModel
from .common import dims_text

# functional steps of the forwards: torch.flatten(x, 1), F.adaptive_avg_pool2d(x, (1, 1)),
# F.relu, x.mean([2, 3]) and vit's class token x[:, 0]
STEPS = frozenset({"F.flatten", "F.adaptive_avg_pool2d", "F.relu", "F.mean", "F.class_token"})


def step_shape(step: str, shape: Shape) -> Optional[Shape]:
    """The shape after one functional step of a torchvision forward; None when it cannot apply."""
    if step == "F.relu":
        return shape
    if step == "F.flatten":
        return (shape[0], product(shape[1:])) if len(shape) >= 2 else None
    if step == "F.adaptive_avg_pool2d":
        return (*shape[:-2], 1, 1) if len(shape) == 4 else None
    if step == "F.mean":
        return shape[:2] if len(shape) == 4 else None
    if step == "F.class_token":
        return (shape[0], shape[2]) if len(shape) == 3 else None
    raise ValueError(f"unknown step {step}")


@dataclass(frozen=True)
class Body:
    """A built model's body (and its auxiliary classifiers, which count with it)."""

    model: TorchvisionModel
    stem: tuple[tuple[int, ...], int]  # the first Conv2d: weight shape, groups
    transform_input: bool  # googlenet / inception_v3: channels 0-2 renormalised before the stem
    aux_params: Optional[int]  # of the auxiliary classifiers it still has; None once one is replaced

    @property
    def params(self) -> Dim:
        return None if self.aux_params is None else self.model.body_params + self.aux_params

    @property
    def name(self) -> str:
        return self.model.builder


def body_output(body: Body, shape: Shape) -> Applied:
    model, name = body.model, body.name
    if len(shape) != 4:
        raise UnknownArgument(f"{name} takes (N, C, H, W) images; an input of rank {len(shape)} is not modelled")
    batch, channels, height, width = shape
    requires: tuple[Requirement, ...] = ()
    if model.image_size is not None:
        size = model.image_size
        for axis, dim in (("height", height), ("width", width)):
            if differ(dim, size):
                raise ShapeError(
                    "input-size",
                    f"{name} takes {size}x{size} images only (image_size={size}) but receives {axis} {dim} (input "
                    f"{format_shape(shape)}); torch fails with \"Wrong image {axis}! Expected {size} but got {dim}!\"",
                    expected=size,
                )
            requires += equal_to(dim, size, f"{name} image_size", "input-size")
    check_channels(body, shape)
    minimum = model.min_input[0]
    if model.image_size is None and minimum > 1:
        if any(compare(dim, "<", minimum) is True for dim in (height, width)):
            raise too_small(body, shape)
        requires += at_least(height, minimum, f"{name} input height") + at_least(width, minimum, f"{name} input width")
    family = FAMILIES[model.family]
    if model.image_size is not None:
        out: Shape = (batch, *model.body_shape(height, width)[1:])
    else:
        assert family.spatial is not None
        rows, cols = (None if d is None else family.spatial(d) for d in (height, width))
        out = (batch, rows, cols, model.body_channels) if family.layout == "NHWC" else (batch, model.body_channels, rows, cols)
    return Applied(out, body.params, (), (), requires)


def check_channels(body: Body, shape: Shape) -> None:
    """The first thing a forward does with the channels: googlenet / inception_v3 with
    ``transform_input`` read channels 0, 1 and 2 (more are ignored); the others convolve."""
    channels = shape[1]
    name = body.name
    if body.transform_input:
        if compare(channels, "<", 3) is True:
            raise ShapeError(
                "in-channels",
                f"{name} with transform_input=True reads input channels 0, 1 and 2 but receives {channels} (input "
                f"{format_shape(shape)}); torch fails with \"index {channels} is out of bounds for dimension 1 with size "
                f"{channels}\"",
                arg="in_channels", expected=channels,
            )
        return
    weight, groups = body.stem
    expected = weight[1] * groups
    if differ(channels, expected):
        raise ShapeError(
            "in-channels",
            f"{name} takes {expected}-channel images (its first Conv2d has in_channels={expected}) but receives "
            f"{channels} (input {format_shape(shape)}); torch fails with \"Given groups={groups}, weight of size "
            f"{dims_text(weight)}, expected input{dims_text(shape)} to have {expected} channels, but got {channels} "
            f"channels instead\"",
            arg="in_channels", expected=channels,
        )


def too_small(body: Body, shape: Shape) -> ShapeError:
    """Below the smallest input some layer of the body gives an empty map and torch raises. Its
    words are quoted for the size the data measured them for (one pixel below, square)."""
    model, name = body.model, body.name
    minimum = model.min_input[0]
    message = (f"{name} needs an input of at least {minimum}x{minimum} but receives {shape[2]}x{shape[3]} (input "
               f"{format_shape(shape)}): a layer of its body would make an empty feature map")
    below = model.below_min
    if below is not None and shape[2] == shape[3] == minimum - 1:
        message += f"; torch fails with \"{below.message}\""
    else:
        message += f", and torch raises {below.error_type if below else 'an error'} there"
    return ShapeError("negative-dimension", message, expected=minimum)


# --- the head layers torch.nn has no rule row for -------------------------------------------------


def layer_norm_2d(rule: LayerRule, args: Args, inputs: list) -> Applied:
    """convnext's ``LayerNorm2d``: a LayerNorm over the channels of an (N, C, H, W) map."""
    shape = inputs[0]
    (channels,) = tuple(args.raw("normalized_shape"))  # type: ignore[arg-type]
    if len(shape) != 4 or differ(shape[1], channels):
        raise UnknownArgument(f"LayerNorm2d({channels}) on {format_shape(shape)} is not modelled")
    return Applied(shape, 2 * channels if args.values.get("bias", True) else channels)


def permute(rule: LayerRule, args: Args, inputs: list) -> Applied:
    """torchvision's ``Permute(dims)`` (swin: NHWC to NCHW)."""
    shape = inputs[0]
    dims = tuple(args.raw("dims"))  # type: ignore[arg-type]
    if len(dims) != len(shape):
        raise UnknownArgument(f"Permute({list(dims)}) on {format_shape(shape)} is not modelled")
    return Applied(tuple(shape[d] for d in dims), 0)


HEAD_RULES = {
    "LayerNorm2d": LayerRule("LayerNorm2d", layer_norm_2d, ("normalized_shape", "eps", "bias")),
    "Permute": LayerRule("Permute", permute, ("dims",)),
}


# --- the run: what one layer of the report covers -------------------------------------------------

Part = Union[Body, LayerSpec, str]  # the body, a head layer the builder made, a functional step


def backbone_run(rule: LayerRule, args: Args, inputs: list) -> Applied:
    """The parts in forward order on the input; the output is the last part's."""
    shape: Shape = inputs[0]
    params: Dim = 0
    requires: tuple[Requirement, ...] = ()
    parts: tuple[Part, ...] = args.values["parts"]  # type: ignore[assignment]
    for part in parts:
        if isinstance(part, str):
            stepped = step_shape(part, shape)
            if stepped is None:
                raise UnknownArgument(f"{part} on {format_shape(shape)} is not modelled")
            shape = stepped
            continue
        if isinstance(part, Body):
            applied = body_output(part, shape)
        else:
            try:
                applied = part.rule.apply(part.args, [shape])
            except ShapeError as error:
                raise ShapeError(error.code, f"{args.class_name}'s {part.class_name}: {error.message}", **error.data) from None
        shape = applied.output  # type: ignore[assignment]
        params = None if params is None or applied.params is None else params + applied.params
        requires += applied.requires
    return Applied(shape, params, (), (), requires)


BACKBONE_RUN = LayerRule("backbone", backbone_run, ("parts",))
