"""Inputs a torch layer implies by its own arguments: the input of a model nobody calls (symbolic
sizes named ``N``, ``H``, ``W``), and the parameters of a layer a model holds but its forward never
reaches (torch counts them all the same)."""

from __future__ import annotations

from typing import Optional, Union

from ..dims import Dim
from ..interpreter.symbols import Symbols
from ..interpreter.values import LayerObj
from ..rules import LayerRule, ShapeError, UnknownArgument, Args
from ..symbolic import Sym
from .rules.attention import (torch_decoder_layer, torch_encoder_layer, torch_multihead_attention, torch_stack,
                              torch_transformer)
from .rules.backbone import BACKBONE_RUN, Body
from .rules.convolutional import torch_conv
from .rules.core import torch_embedding, torch_embedding_bag, torch_glu, torch_linear, torch_same
from .rules.normalization import torch_batch_norm, torch_group_norm, torch_instance_norm, torch_layer_norm
from .rules.padding import torch_pad
from .rules.pooling import torch_adaptive_pool, torch_pool
from .rules.recurrent import torch_cell, torch_rnn
from .rules.reshaping import torch_flatten, torch_pixel_shuffle, torch_pixel_unshuffle, torch_unflatten, torch_upsample

# families whose layers hold no parameter whatever their arguments
PARAMETER_FREE = frozenset({torch_pool, torch_adaptive_pool, torch_pad, torch_flatten, torch_unflatten, torch_upsample,
                            torch_pixel_shuffle, torch_pixel_unshuffle, torch_glu})


class Seeds:
    """Symbols for the sizes of an input nobody gives: a batch ``N`` and the spatial ``H``, ``W``."""

    SPATIAL = {1: (("L", "length"),), 2: (("H", "height"), ("W", "width")),
               3: (("D", "depth"), ("H", "height"), ("W", "width"))}

    def __init__(self, symbols: Symbols, where: str) -> None:
        self.symbols = symbols
        self.where = where  # why no input is known

    def size(self, name: str, meaning: str) -> Sym:
        return self.symbols.fresh(name, f"{meaning} ({self.where})")

    def batch(self) -> Sym:
        return self.size("N", "batch size")

    def spatial(self, rank: int) -> tuple[Sym, ...]:
        return tuple(self.size(name, f"input {meaning}") for name, meaning in self.SPATIAL[rank])


def seed_shape(rule: LayerRule, args: Args, seeds: Union[Seeds, "FixedSeeds"]) -> Optional[tuple]:
    """With no example input: the input the first layer implies, symbolic but for what the layer fixes."""
    try:
        if rule is BACKBONE_RUN:  # a torchvision model first: an image of the channels its stem takes
            body = args.values["parts"][0]  # type: ignore[index]
            if isinstance(body, Body):
                weight, groups = body.stem
                return (seeds.batch(), weight[1] * groups, *seeds.spatial(2))
            return None
        if rule.family is torch_conv and "in_channels" in rule.args:
            return (seeds.batch(), args.size("in_channels"), *seeds.spatial(rule.rank))
        if rule.family is torch_batch_norm and "num_features" in rule.args:
            features = args.size("num_features")
            return (seeds.batch(), features, *seeds.spatial(rule.rank)) if rule.rank > 1 else (seeds.batch(), features)
        if rule.family is torch_linear and "in_features" in rule.args:
            return (seeds.batch(), args.size("in_features"))
        if rule.family is torch_rnn:
            length = seeds.size("L", "sequence length")
            batch_first = bool(args.values.get("batch_first"))
            return (seeds.batch(), length, args.size("input_size")) if batch_first else (length, seeds.batch(), args.size("input_size"))
        if rule.family is torch_embedding:
            return (seeds.batch(), seeds.size("L", "sequence length"))
    except UnknownArgument:
        return None
    return None


class FixedSeeds:
    """Plain sizes for an input that only has to fit the layer (its parameters do not depend on them)."""

    def size(self, name: str, meaning: str) -> int:
        return 8

    def batch(self) -> int:
        return 1

    def spatial(self, rank: int) -> tuple[int, ...]:
        return (224,) * rank


def implied_inputs(rule: LayerRule, args: Args) -> Optional[list]:
    """Inputs that fit a layer by its arguments alone, for the families ``seed_shape`` does not seed."""
    family = rule.family
    if family is torch_layer_norm:
        normalized = args.raw("normalized_shape")
        return [(1, *((normalized,) if not isinstance(normalized, (tuple, list)) else normalized))]
    if family is torch_group_norm:
        return [(1, args.size("num_channels"), 8)]
    if family is torch_instance_norm:
        return [(1, args.size("num_features"), *(8,) * rule.rank)]
    if family is torch_cell:
        return [(1, args.size("input_size"))]
    if family is torch_multihead_attention:
        embed = args.size("embed_dim")
        kdim = embed if args.raw("kdim") is None else args.size("kdim")
        vdim = embed if args.raw("vdim") is None else args.size("vdim")
        return [(1, 1, embed), (1, 1, kdim), (1, 1, vdim)]
    if family in (torch_encoder_layer, torch_decoder_layer, torch_transformer):
        return [(1, 1, args.size("d_model"))] * 2
    if family is torch_stack:
        inner = args.layer("decoder_layer" if rule.name == "TransformerDecoder" else "encoder_layer")
        return [(1, 1, inner.args.size("d_model"))] * 2
    if family is torch_embedding_bag:
        return [(1, 4)]
    if family is torch_same:
        return [(1, 1)]
    return None


def standalone_params(layer: LayerObj) -> Dim:
    """The parameters a torch layer holds whatever its input, for a layer its model holds but does
    not apply (an auxiliary head, a branch its forward does not take); None when they depend on an
    input (lazy layers) or the layer is not modelled."""
    spec = layer.spec
    if spec is None:
        return None
    rule = spec.rule
    if rule.family in PARAMETER_FREE:
        return 0
    try:
        shape = seed_shape(rule, spec.args, FixedSeeds())
        inputs = [shape] if shape is not None else implied_inputs(rule, spec.args)
        if inputs is None:
            return None
        return rule.apply(spec.args, inputs).params
    except (ShapeError, UnknownArgument, TypeError, ValueError, IndexError, ZeroDivisionError, AttributeError):
        return None
