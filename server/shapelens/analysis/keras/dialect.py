"""What Keras 2 and Keras 3 accept and how each words a failure, for the layers and models
Shape Lens models. Measured with tf_keras 2.21 (on tensorflow-cpu 2.21) and Keras 3.15 (torch
backend); tests/test_keras2_oracle.py holds every difference to both libraries.

A rule row carries its dialect (``rule.dialect``); the rule family asks it what to do where the
two versions differ, so no rule tests a version number. ``Keras3`` is the reference, ``Keras2``
overrides what Keras 2 does differently.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional, Sequence

from ..dims import Dim, Shape, defined, format_built, format_shape
from ..rules import LayerRule, ShapeError

CONV_CLASSES = frozenset({"Conv1D", "Conv2D", "Conv3D"})


@lru_cache(maxsize=512)
def snake_case(name: str) -> str:
    """Keras' default layer name for a class (``MaxPooling2D`` -> ``max_pooling2d``), as its messages print it."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()


def list_shape(shape: Sequence[Dim]) -> str:
    """``[None, 3, 3, 1]``: a shape as a Python list prints."""
    return "[" + ", ".join("None" if d is None else str(d) for d in shape) + "]"


def nested(pairs: Sequence[tuple[int, int]]) -> str:
    return str(tuple(tuple(p) for p in pairs))


def data_sized(shape: Shape) -> str:
    """Why a last size written as an expression is not known when the model is built."""
    last = shape[-1] if shape else None
    return "" if last is None else ", whose last size only the data fixes (the input leaves it open)"


def failure(code: str, explanation: str, said: str, **data: object) -> ShapeError:
    """``explanation; Keras fails with "<what the library says>"``; ``said`` is kept for joining
    the findings of two versions."""
    return ShapeError(code, f"{explanation}; Keras fails with \"{said}\"", said=said, **data)


class Keras3:
    """Keras 3 (the reference)."""

    major = 3
    label = "Keras 3"
    # ``layers.dot(inputs)``: the function's own defaults
    function_defaults: dict[str, dict[str, object]] = {"dot": {"axes": -1}}

    # --- layers ---------------------------------------------------------------------------

    def rank_error(self, class_name: str, shape: Shape, ndim: Optional[int], min_ndim: Optional[int],
                   name: str) -> ShapeError:
        expected = f"ndim={ndim}" if ndim is not None else f"min_ndim={min_ndim}"
        return ShapeError(
            "rank-mismatch",
            f"{class_name} expects a {ndim or min_ndim}-D input{'' if ndim else ' or more'} but receives "
            f"{format_shape(shape)} ({len(shape)}-D); Keras fails with \"{self.rank_said(name, shape, expected)}\"",
            expected_ndim=ndim or min_ndim,
        )

    def rank_said(self, name: str, shape: Shape, expected: str) -> str:
        return f"expected {expected}, found ndim={len(shape)}. Full shape received: {format_shape(shape)}"

    def window_error(self, class_name: str, kind: str, arg: str, axis: str, window: int, n: Dim, shape: Shape,
                     detail: str, kernel: int = 0, dilation: int = 1, stride: int = 1, name: str = "") -> ShapeError:
        """A conv kernel or pooling window larger than its input (``kernel`` is 0 for pooling)."""
        k2 = f"Negative dimension size caused by subtracting {window} from {n}"
        return ShapeError(
            "negative-dimension",
            f"{class_name}: {kind} {window} does not fit input {axis} {n} (input {format_shape(shape)}); "
            f"Keras fails with \"Computed output size would be zero or negative\" ({detail}; "
            f"TF 2.x: \"{k2}\")",
            arg=arg, axis=axis, window=window, size=n, said="Computed output size would be zero or negative",
        )

    def paddings(self, rule: LayerRule) -> tuple[str, ...]:
        return ("valid", "same", "causal") if rule.name == "Conv1D" else ("valid", "same")

    def padding_error(self, rule: LayerRule, padding: str) -> ShapeError:
        # Keras prints a set, in an order that changes from run to run; this is one of them
        return failure("invalid-argument", f"{rule.name}: padding '{padding}' is not supported",
                       f"The `padding` argument must be a list/tuple or one of {{'valid', 'same'}}. Received: {padding}",
                       arg="padding")

    def rejects_strided_dilation(self, rule: LayerRule) -> bool:
        """Keras 3 checks ``strides > 1`` with ``dilation_rate > 1`` in plain and transposed convolutions only."""
        return "Separable" not in rule.name and "Depthwise" not in rule.name

    def output_padding_error(self, rule: LayerRule, axis: int, op: int, stride: int,
                             output_padding: tuple[int, ...], strides: tuple[int, ...]) -> ShapeError:
        return ShapeError(
            "invalid-argument",
            f"{rule.name}: output_padding {op} is not smaller than strides {stride}; Keras fails with "
            f"\"`output_padding` must be strictly less than `strides` for all dimensions. At "
            f"dimension {axis}, `output_padding` is {op} but `strides` is {stride}.\"",
            arg="output_padding", said="`output_padding` must be strictly less than `strides` for all dimensions",
        )

    def extra_batch_axes(self, rule: LayerRule) -> bool:
        """Whether a convolution takes inputs with more than one batch axis."""
        return False

    def convolution_rank_error(self, rule: LayerRule, shape: Shape, kernel_shape: tuple) -> ShapeError:
        rank = rule.rank
        said = (f"Kernel shape must have the same length as input, but received kernel of shape "
                f"{format_shape(kernel_shape)} and input of shape {format_shape(shape)}.")
        if "Transpose" in rule.name:
            said = "tuple index out of range"
        return ShapeError(
            "rank-mismatch",
            f"{rule.name} convolves {rank}-D inputs ({rank + 2}-D with batch and channels) but receives "
            f"{format_shape(shape)} ({len(shape)}-D); Keras fails with \"{said}\"",
            expected_ndim=rank + 2, said=said,
        )

    def undefined_dense_input(self, units: int, shape: Shape) -> ShapeError:
        return ShapeError(
            "undefined-dimension",
            f"Dense({units}) needs a known last dimension but receives {format_shape(shape)}{data_sized(shape)}; "
            f"Keras fails with "
            f"\"Shapes used to initialize variables must be fully-defined (no `None` dimensions)\" "
            f"(TF 2.x: \"The last dimension of the inputs to a Dense layer should be defined. Found None.\")",
            said="Shapes used to initialize variables must be fully-defined (no `None` dimensions)",
        )

    def missing_pool_size(self, rule: LayerRule) -> ShapeError:
        return failure("invalid-argument", f"{rule.name}() is missing the required argument `pool_size`",
                       f"{rule.name}.__init__() missing 1 required positional argument: 'pool_size'", arg="pool_size")

    def two_unknown_dimensions(self, target: tuple) -> ShapeError:
        return failure("reshape-size", f"Reshape{target}: at most one -1 is allowed in target_shape",
                       f"There must be at most one unknown dimension (-1) in `target_shape`. "
                       f"Received: target_shape={target}.", arg="target_shape")

    def reshape_error(self, shape: Shape, target: tuple, size: int, known: int, inferred: bool) -> ShapeError:
        inner = format_shape(shape[1:])
        if inferred:
            return failure(
                "reshape-size",
                f"Reshape: the input {inner} has {size} values, which {format_shape(target)} cannot hold",
                f"The total size of the tensor must be unchanged, however, the input size cannot by divided by "
                f"the specified dimensions in target_shape. Received: input_shape={inner}, "
                f"target_shape={format_shape(target)}",
                arg="target_shape",
            )
        return failure(
            "reshape-size",
            f"Reshape: the input {inner} has {size} values but target_shape {format_shape(target)} has {known}",
            f"The total size of the tensor must be unchanged. Received: input_shape={inner}, "
            f"target_shape={format_shape(target)}",
            arg="target_shape",
        )

    def crops_everything(self, rank: int) -> bool:
        """Whether cropping away a whole axis (or more) fails at that layer."""
        return True

    def cropping_error(self, rule: LayerRule, axis: str, n: int, a: int, b: int, shape: Shape,
                       crops: tuple[tuple[int, int], ...]) -> ShapeError:
        return failure("negative-dimension",
                       f"{rule.name}: cropping ({a}, {b}) removes {a + b} of the {n} values along {axis} (input "
                       f"{format_shape(shape)})", self.cropping_words(rule, shape, crops), arg="cropping", axis=axis,
                       size=n)

    def cropping_words(self, rule: LayerRule, shape: Shape, crops: tuple[tuple[int, int], ...]) -> str:
        if rule.rank == 1:
            return (f"`cropping` parameter of `Cropping1D` layer must be smaller than the input length. "
                    f"Received: input_shape={format_shape(shape)}, cropping={crops[0]}")
        return (f"Values in `cropping` argument should be smaller than the corresponding spatial dimension of "
                f"the input. Received: input_shape={format_shape(shape)}, cropping={nested(crops)}")

    def time_distributed_rank_error(self, shape: Shape) -> ShapeError:
        return failure("rank-mismatch",
                       f"TimeDistributed needs a 3-D input or more (batch, time, ...) but receives {format_shape(shape)}",
                       self.time_distributed_words(shape), expected_ndim=3)

    def time_distributed_words(self, shape: Shape) -> str:
        return (f"`TimeDistributed` Layer should be passed an `input_shape` with at least 3 dimensions, "
                f"received: {format_shape(shape)}")

    def joined_axis(self, dims: Sequence[Dim]) -> Dim:
        """A concatenation's output along an axis it does not concatenate: Keras 3 takes the first input's."""
        return dims[0]

    def broadcast_unknown(self, known: Dim) -> Dim:
        """An element-wise merge of an unknown size with a known one: Keras 3 leaves it unknown."""
        return None

    def dot_error(self, shapes: Sequence[Shape], axes: tuple[int, int]) -> Optional[ShapeError]:
        """What Keras 2's ``batch_dot`` rejects beyond Keras 3 (nothing in Keras 3)."""
        return None

    # --- models -----------------------------------------------------------------------------

    def weight_conflict(self, rule: LayerRule, filters: object, axis: int, want: int, got: int,
                        shape: Shape) -> Optional[str]:
        """What calling a layer built for size ``want`` along ``axis`` on size ``got`` says (None: it runs)."""
        return (f"expected axis {axis} of input shape to have value {want}, but received input "
                f"with shape {format_shape(shape)}")

    def checks_model_input(self, functional: bool) -> bool:
        """Whether calling the model on data checks the data's shape against the model's input
        (Keras 3: a functional model does; a Sequential runs its layers and they check)."""
        return functional

    def model_input_said(self, functional: bool, expected: Shape, got: Shape, name: str) -> str:
        return f"is incompatible with the layer: expected shape={format_built(expected)}, found shape={format_shape(got)}"

    def rank_mismatch_fails(self) -> bool:
        """Data whose rank differs from the model's input (beyond a trailing axis of size 1) fails
        at once in Keras 3; Keras 2 runs the layers on it."""
        return True

    def reruns_nested_model(self) -> bool:
        """A model called on a tensor of another shape: Keras 3 checks it against the model's input."""
        return False

    def declares_input_length(self) -> bool:
        """``Embedding(..., input_length=n)`` as a Sequential's first layer: deprecated and ignored in Keras 3."""
        return False

    def name_refused(self, name: str) -> Optional[str]:
        """What the version says of a layer's, model's or input's ``name=``; None when it takes it."""
        if "/" in name:
            return (f"Argument `name` must be a string and cannot contain character `/`. Received: name={name} "
                    f"(of type <class 'str'>)")
        return None

    def expands_1d_target(self) -> bool:
        """A 1-D target becomes a column before the loss sees it (Keras 2's ``expand_1d``); Keras 3
        leaves it to the loss wrapper."""
        return False

    def target_said(self, kind: str, target: Shape, output: Shape) -> str:
        """A categorical or binary cross-entropy given a target of another shape than the output."""
        return (f"Arguments `target` and `output` must have the same shape. Received: target.shape="
                f"{format_shape(target)}, output.shape={format_shape(output)}")

    def target_aside(self, target: Shape, output: Shape) -> str:
        """What other backends say instead (the words above are the torch backend's)."""
        if len(target) == len(output):
            return ""
        return " (the TensorFlow and JAX backends say the two \"must have the same rank (ndim)\")"

    def sparse_target_said(self, target: Shape, output: Shape, batch: Optional[int] = None, fixed_batch: bool = False) -> str:
        return (f"Arguments `target` and `output` must have the same shape up until the last dimension: target.shape="
                f"{format_shape(target)}, output.shape={format_shape(output)}")


class Keras2(Keras3):
    """Keras 2: tf.keras on TensorFlow <= 2.15, and tf_keras."""

    major = 2
    label = "Keras 2"
    function_defaults: dict[str, dict[str, object]] = {}  # Keras 2's `dot(inputs, axes)` has no default axes

    def rank_said(self, name: str, shape: Shape, expected: str) -> str:
        return (f"Input 0 of layer \"{name}\" is incompatible with the layer: expected {expected}, "
                f"found ndim={len(shape)}. Full shape received: {format_shape(shape)}")

    def window_error(self, class_name: str, kind: str, arg: str, axis: str, window: int, n: Dim, shape: Shape,
                     detail: str, kernel: int = 0, dilation: int = 1, stride: int = 1, name: str = "") -> ShapeError:
        said = f"Negative dimension size caused by subtracting {window} from {n}"
        if kernel and isinstance(n, int):
            # Keras 2 computes the output size itself first; a negative one has its own message
            if (n - window + stride) // stride < 0:
                said = (f"One of the dimensions in the output is <= 0 due to downsampling in {name or snake_case(class_name)}. "
                        f"Consider increasing the input size. Received input shape {list_shape(shape)} which would "
                        f"produce output shape with a zero or negative value in a dimension.")
            elif dilation > 1:  # a dilated convolution runs as SpaceToBatch: the numbers are its own
                said = f"Negative dimension size caused by subtracting {kernel} from {n // dilation}"
            else:
                said = f"Negative dimension size caused by subtracting {kernel} from {n}"
        return failure("negative-dimension",
                       f"{class_name}: {kind} {window} does not fit input {axis} {n} (input {format_shape(shape)})",
                       said, arg=arg, axis=axis, window=window, size=n)

    def paddings(self, rule: LayerRule) -> tuple[str, ...]:
        return ("valid", "same", "causal") if rule.name in ("Conv1D", "SeparableConv1D") else ("valid", "same")

    def padding_error(self, rule: LayerRule, padding: str) -> ShapeError:
        if padding == "causal":
            said = "Causal padding is only supported for `Conv1D`and `SeparableConv1D`."
        else:
            said = ("The `padding` argument must be a list/tuple or one of \"valid\", \"same\" (or \"causal\", "
                    f"only for `Conv1D). Received: {padding}")
        if "Transpose" in rule.name and padding == "causal":
            return ShapeError("invalid-argument", f"{rule.name}: padding '{padding}' is not supported; Keras fails "
                                                  f"with an AssertionError", arg="padding")
        return failure("invalid-argument", f"{rule.name}: padding '{padding}' is not supported", said, arg="padding")

    def rejects_strided_dilation(self, rule: LayerRule) -> bool:
        return True

    def output_padding_error(self, rule: LayerRule, axis: int, op: int, stride: int,
                             output_padding: tuple[int, ...], strides: tuple[int, ...]) -> ShapeError:
        return failure("invalid-argument", f"{rule.name}: output_padding {op} is not smaller than strides {stride}",
                       f"Strides must be greater than output padding. Received strides={strides}, "
                       f"output_padding={output_padding}.", arg="output_padding")

    def extra_batch_axes(self, rule: LayerRule) -> bool:
        return rule.name in CONV_CLASSES

    def convolution_rank_error(self, rule: LayerRule, shape: Shape, kernel_shape: tuple) -> ShapeError:
        rank = rule.rank
        if "Transpose" in rule.name:
            said = f"Inputs should have rank {rank + 2}. Received input_shape={format_shape(shape)}."
        elif "Depthwise" in rule.name:
            said = f"Inputs to `DepthwiseConv` should have rank {rank + 2}. Received input_shape={format_shape(shape)}."
        else:
            said = f"Shape must be rank 4 but is rank {len(shape) + 2 - rank}"
        return failure("rank-mismatch",
                       f"{rule.name} convolves {rank}-D inputs ({rank + 2}-D with batch and channels) but receives "
                       f"{format_shape(shape)} ({len(shape)}-D)", said, expected_ndim=rank + 2)

    def undefined_dense_input(self, units: int, shape: Shape) -> ShapeError:
        return failure("undefined-dimension",
                       f"Dense({units}) needs a known last dimension but receives {format_shape(shape)}{data_sized(shape)}",
                       f"The last dimension of the inputs to a Dense layer should be defined. Found None. "
                       f"Full input shape received: {format_built(shape)}")

    def two_unknown_dimensions(self, target: tuple) -> ShapeError:
        return failure("reshape-size", f"Reshape{target}: at most one -1 is allowed in target_shape",
                       f"There must be at most one unknown dimension in output_shape. Received: "
                       f"output_shape={list_shape(target)}.", arg="target_shape")

    def reshape_error(self, shape: Shape, target: tuple, size: int, known: int, inferred: bool) -> ShapeError:
        inner = format_shape(shape[1:])
        holds = "cannot hold" if inferred else f"has {known}"
        return failure("reshape-size",
                       f"Reshape: the input {inner} has {size} values but target_shape {format_shape(target)} {holds}",
                       f"total size of new array must be unchanged, input_shape = {list_shape(shape[1:])}, "
                       f"output_shape = {list_shape(target)}", arg="target_shape")

    def crops_everything(self, rank: int) -> bool:
        return rank < 3  # Keras 2's Cropping3D slices to an empty axis without a check

    def cropping_words(self, rule: LayerRule, shape: Shape, crops: tuple[tuple[int, int], ...]) -> str:
        if rule.rank == 1:
            return (f"cropping parameter of Cropping layer must be greater than the input shape. Received: "
                    f"inputs.shape={format_shape(shape)}, and cropping={crops[0]}")
        return (f"Argument `cropping` must be greater than the input shape. Received: "
                f"inputs.shape={format_shape(shape)}, and cropping={nested(crops)}")

    def time_distributed_words(self, shape: Shape) -> str:
        return (f"`TimeDistributed` Layer should be passed an `input_shape ` with at least 3 dimensions, "
                f"received: {format_shape(shape)}")

    def joined_axis(self, dims: Sequence[Dim]) -> Dim:
        """TensorFlow's shape inference: any input that knows the size while the model is built gives it."""
        return next((d for d in dims if defined(d)), next((d for d in dims if d is not None), None))

    def broadcast_unknown(self, known: Dim) -> Dim:
        """TensorFlow's broadcasting: an unknown size next to a known one above 1 is that one."""
        return known if isinstance(known, int) and known > 1 else None

    def dot_error(self, shapes: Sequence[Shape], axes: tuple[int, int]) -> Optional[ShapeError]:
        first, second = shapes
        if len(first) < 2 or len(second) < 2:
            return failure("rank-mismatch", "Dot needs inputs with a batch axis and at least one more",
                           f"Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes "
                           f"{format_shape(first)} and {format_shape(second)}.")
        if isinstance(first[0], int) and isinstance(second[0], int) and first[0] != second[0]:
            return failure("merge-mismatch", f"Dot of batch sizes {first[0]} and {second[0]}",
                           f"Cannot do batch_dot on inputs with different batch sizes. Received inputs with shapes "
                           f"{format_shape(first)} and {format_shape(second)}.")
        if 0 in axes:
            return failure("invalid-argument", "Dot over axis 0, the batch axis",
                           "Cannot perform batch_dot over axis 0. If your inputs are not batched, add a dummy batch "
                           "dimension to your inputs using K.expand_dims(x, 0)", arg="axes")
        return None

    def weight_conflict(self, rule: LayerRule, filters: object, axis: int, want: int, got: int,
                        shape: Shape) -> Optional[str]:
        """Keras 2 has no input check here; TensorFlow's ops fail (a plain convolution on a multiple of
        its channels runs as a grouped one)."""
        if rule.name in CONV_CLASSES:
            if got % want:
                return f"Depth of input ({got}) is not a multiple of input depth of filter ({want})"
            groups = got // want
            if isinstance(filters, int) and filters % groups == 0:
                return None
            return f"Depth of output ({filters}) is not a multiple of the number of groups ({groups})"
        return f"Dimensions must be equal, but are {got} and {want}"

    def checks_model_input(self, functional: bool) -> bool:
        return True

    def model_input_said(self, functional: bool, expected: Shape, got: Shape, name: str) -> str:
        return (f"Input 0 of layer \"{name}\" is incompatible with the layer: expected shape={format_built(expected)}, "
                f"found shape={format_shape((None, *got[1:]))}")

    def rank_mismatch_fails(self) -> bool:
        return False

    def reruns_nested_model(self) -> bool:
        return True

    def declares_input_length(self) -> bool:
        return True

    def name_refused(self, name: str) -> Optional[str]:
        return None

    def expands_1d_target(self) -> bool:
        return True

    def target_said(self, kind: str, target: Shape, output: Shape) -> str:
        if kind == "binary":
            return (f"`logits` and `labels` must have the same shape, received ({format_shape(output)} vs "
                    f"{format_shape(target)}).")
        return f"Shapes {format_shape(target)} and {format_shape(output)} are incompatible"

    def target_aside(self, target: Shape, output: Shape) -> str:
        return ""

    def sparse_target_said(self, target: Shape, output: Shape, batch: Optional[int] = None, fixed_batch: bool = False) -> str:
        # the labels are flattened first; the graph checks them when it knows the batch size (every batch
        # has as many rows), the kernel at run time otherwise, on the first batch
        if batch is not None and not fixed_batch and all(isinstance(d, int) for d in (*target[1:], output[-1])):
            labels = batch
            for size in target[1:]:
                labels *= size  # type: ignore[operator]
            return (f"logits and labels must have the same first dimension, got logits shape [{batch},{output[-1]}] and "
                    f"labels shape [{labels}]")
        return (f"`labels.shape` must equal `logits.shape` except for the last dimension. Received: labels.shape=(None,) "
                f"and logits.shape={format_shape((None, output[-1]))}")


KERAS3 = Keras3()
KERAS2 = Keras2()
DIALECTS = {3: KERAS3, 2: KERAS2}


def dialect_of(rule: LayerRule) -> Keras3:
    found = rule.dialect
    return found if isinstance(found, Keras3) else KERAS3


def dialects(majors: frozenset[int]) -> tuple[Keras3, ...]:
    """The dialects of a version, Keras 3 first (its words lead a joined message)."""
    return tuple(DIALECTS[m] for m in sorted(majors, reverse=True))
