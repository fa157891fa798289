"""Keras core layers: Dense, Embedding, Lambda, and the layers that keep their input's shape
(activations, dropout, noise, rescaling, augmentation)."""

from __future__ import annotations

from ...dims import Shape, add, defined, format_shape, product
from ...rules import Applied, Args, LayerRule, UnknownArgument
from ..dialect import dialect_of
from .common import bias, check_rank

SHAPE_PRESERVING_FUNCTION = "shape-preserving"  # a Lambda whose function keeps the shape


def dense(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    check_rank(rule, args, shape, min_ndim=2)
    units = args.size("units")
    warnings = ()
    if len(shape) >= 4 and not all(isinstance(d, int) and d == 1 for d in shape[1:-1]):
        # (on a 1x1 map, `GlobalAveragePooling2D(keepdims=True)` then Dense, it is a squeeze-excitation's dense)
        warnings = ((
            "dense-on-rank>2",
            f"Dense({units}) receives the {len(shape)}-D map {format_shape(shape)} and acts on its last axis "
            f"only, giving {format_shape((*shape[:-1], units))}; add Flatten() or a global pooling layer "
            f"before it if you meant a classifier head",
        ),)
    if not defined(shape[-1]):
        raise dialect_of(rule).undefined_dense_input(units, shape)
    return Applied((*shape[:-1], units), add(shape[-1] * units, bias(args, units)), warnings=warnings)


def embedding(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    out_dim = args.size("output_dim")
    return Applied((*inputs[0], out_dim), args.size("input_dim") * out_dim)


def same_shape(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    if rule.rank:
        check_rank(rule, args, inputs[0], ndim=rule.rank + 2)
    return Applied(inputs[0], 0)


def prelu(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    shape = inputs[0]
    shared = args.raw("shared_axes") or ()
    shared = (shared,) if isinstance(shared, int) else tuple(shared)
    return Applied(shape, product(1 if i in shared else d for i, d in enumerate(shape) if i > 0))


def lambda_layer(rule: LayerRule, args: Args, inputs: list[Shape]) -> Applied:
    output_shape = args.values.get("output_shape")
    if isinstance(output_shape, (tuple, list)) and all(isinstance(d, int) or d is None for d in output_shape):
        return Applied((inputs[0][0], *output_shape), 0)
    if args.values.get("function") == SHAPE_PRESERVING_FUNCTION:
        return Applied(inputs[0], 0)
    traced = args.values.get("traced")  # the function run on the input (keras/lambdas.py)
    if isinstance(traced, str):
        raise UnknownArgument(traced)
    if traced is not None:
        return Applied(traced, 0)  # type: ignore[arg-type]
    raise UnknownArgument("a Lambda's output shape is only known for simple element-wise functions or `output_shape=`")


SHAPE_PRESERVING = {
    "Dropout": ("rate", "noise_shape", "seed"),
    "GaussianNoise": ("stddev", "seed"),
    "GaussianDropout": ("rate", "seed"),
    "AlphaDropout": ("rate", "noise_shape", "seed"),
    "ActivityRegularization": ("l1", "l2"),
    "Activation": ("activation",),
    "ReLU": ("max_value", "negative_slope", "threshold"),
    "LeakyReLU": ("negative_slope",),
    "ELU": ("alpha",),
    "Softmax": ("axis",),
    "Rescaling": ("scale", "offset"),
    "UnitNormalization": ("axis",),
    "Masking": ("mask_value",),
    "RandomFlip": ("mode",),
    "RandomRotation": ("factor",),
    "RandomZoom": ("height_factor", "width_factor"),
    "RandomContrast": ("factor",),
    "RandomTranslation": ("height_factor", "width_factor"),
    "RandomBrightness": ("factor", "value_range", "seed"),
    # Keras 3's image augmentation layers (keras.layers, 3.x): images in, images of the same shape out
    "RandomColorDegeneration": ("factor", "value_range", "data_format", "seed"),
    "RandomColorJitter": ("value_range", "brightness_factor", "contrast_factor", "saturation_factor", "hue_factor",
                          "seed", "data_format"),
    "RandomGrayscale": ("factor", "data_format", "seed"),
    "RandomHue": ("factor", "value_range", "data_format", "seed"),
    "RandomSaturation": ("factor", "value_range", "data_format", "seed"),
    "RandomSharpness": ("factor", "value_range", "data_format", "seed"),
    "RandomPosterization": ("factor", "value_range", "data_format", "seed"),
    "RandomInvert": ("factor", "value_range", "seed", "data_format"),
    "RandomGaussianBlur": ("factor", "kernel_size", "sigma", "value_range", "data_format", "seed"),
    "RandomErasing": ("factor", "scale", "fill_value", "value_range", "seed", "data_format"),
    "RandomPerspective": ("factor", "scale", "interpolation", "fill_value", "seed", "data_format"),
    "RandomElasticTransform": ("factor", "scale", "interpolation", "fill_mode", "fill_value", "value_range", "seed",
                               "data_format"),
    "RandomShear": ("x_factor", "y_factor", "interpolation", "fill_mode", "fill_value", "data_format", "seed"),
    "AutoContrast": ("value_range",),
    "Solarization": ("addition_factor", "threshold_factor", "value_range", "seed"),
    "MixUp": ("alpha", "data_format", "seed"),
    "CutMix": ("factor", "seed", "data_format"),
    "AugMix": ("value_range", "num_chains", "chain_depth", "factor", "alpha", "all_ops", "interpolation", "seed",
               "data_format"),
    "RandAugment": ("value_range", "num_ops", "factor", "interpolation", "seed", "data_format"),
    "Identity": (),
}

EMBEDDING_ARGS = ("input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer",
                  "embeddings_constraint", "mask_zero")
# Keras 2's Embedding has an activity_regularizer, and input_length: the Sequential's input length.
KERAS2 = {"Embedding": {"args": ("input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer",
                                 "activity_regularizer", "embeddings_constraint", "mask_zero", "input_length")}}

ROWS = [
    LayerRule("Dense", dense, ("units", "activation", "use_bias"), {"use_bias": True}, weight_axis=-1, role="dense"),
    LayerRule("Embedding", embedding, EMBEDDING_ARGS),
    LayerRule("PReLU", prelu, ("shared_axes",), {"shared_axes": None}, keeps_map=True),
    LayerRule("Lambda", lambda_layer, ("function", "output_shape")),
    *(LayerRule(f"SpatialDropout{r}D", same_shape, ("rate",), {}, r, keeps_map=True) for r in (1, 2, 3)),
    *(LayerRule(name, same_shape, args, keeps_map=True) for name, args in SHAPE_PRESERVING.items()),
]
