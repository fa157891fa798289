"""Property tests: the engine's output shape for one layer equals Keras' ``compute_output_shape``.

For each family of spatial layers hypothesis draws arguments and an input size, renders the
tiny script a user would write (arguments positional or keyword in Keras' own order, ints or
tuples), runs the engine on it and asks Keras the same question. When Keras rejects the input
size, the engine must report an error on the layer; when Keras rejects the arguments themselves
at construction (dilation together with stride, output_padding >= stride), the case is skipped.
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from oracle.engine_view import engine_view_of_source
from oracle.keras_truth import keras

pytestmark = pytest.mark.oracle

EXAMPLES_PER_RULE = int(os.environ.get("SHAPELENS_EXAMPLES_PER_RULE", "2000"))
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES_PER_RULE,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

LAYER_LINE = 6  # 1-based line of the layer in the rendered script


@dataclass(frozen=True)
class LayerCase:
    class_name: str
    arguments: dict[str, Any]  # in Keras' signature order, defaults left out
    input_shape: tuple[int, ...]  # without the batch axis
    positional_count: int  # how many leading arguments are written positionally

    def source(self) -> str:
        rendered = list(self.arguments.items())
        positional = [repr(value) for _, value in rendered[: self.positional_count]]
        keywords = [f"{name}={value!r}" for name, value in rendered[self.positional_count :]]
        call = f"layers.{self.class_name}({', '.join(positional + keywords)})"
        return (
            "import keras\n"
            "from keras import layers\n"
            "\n"
            "model = keras.Sequential([\n"
            f"    keras.Input(shape={self.input_shape!r}),\n"
            f"    {call},\n"
            "])\n"
        )


def keras_output_shape(case: LayerCase) -> Optional[tuple]:
    """Keras' answer: the output shape, or None when Keras rejects this input size."""
    layer_class = getattr(keras.layers, case.class_name)
    try:
        layer = layer_class(**case.arguments)
    except ValueError:
        assume(False)  # Keras refuses the arguments themselves, whatever the input
    try:
        return tuple(layer.compute_output_shape((None, *case.input_shape)))
    except ValueError:
        return None


def check_engine_agrees(case: LayerCase) -> None:
    expected = keras_output_shape(case)
    view = engine_view_of_source(case.source())
    errors_on_layer = [d for d in view.with_severity("error") if d.line == LAYER_LINE]
    event("Keras rejects the input size" if expected is None else "Keras builds the layer")
    if expected is None:
        assert errors_on_layer, f"Keras rejects this layer; the engine reports no error:\n{case.source()}"
        return
    assert not view.with_severity("error"), f"{view.describe_diagnostics()}\n{case.source()}"
    shapes = {shape for (line, _), apps in view.applications.items() if line == LAYER_LINE for shape, _ in apps}
    assert shapes == {expected}, f"Keras {expected}, engine {shapes}:\n{case.source()}"


# --- drawing arguments the way users write them -------------------------------------------------


def per_axis(rank: int, low: int, high: int) -> st.SearchStrategy[tuple[int, ...]]:
    return st.tuples(*[st.integers(low, high)] * rank)


@st.composite
def int_or_tuple(draw: st.DrawFn, values: tuple[int, ...]) -> Any:
    """``3`` or ``(3, 3)`` when every axis has the same value, else the tuple."""
    if len(set(values)) == 1 and draw(st.booleans()):
        return values[0]
    return values


def keras_argument_order(class_name: str) -> list[str]:
    parameters = inspect.signature(getattr(keras.layers, class_name).__init__).parameters
    return [name for name in parameters if name != "self"]


@st.composite
def written_case(draw: st.DrawFn, class_name: str, arguments: dict[str, Any], input_shape: tuple[int, ...]) -> LayerCase:
    """Orders the arguments like Keras' signature and picks how many lead positionally."""
    order = keras_argument_order(class_name)
    ordered = {name: arguments[name] for name in order if name in arguments}
    # Positional arguments must be a prefix of the signature with nothing skipped.
    prefix = 0
    for name in order:
        if name not in ordered:
            break
        prefix += 1
    positional_count = draw(st.integers(0, prefix))
    return LayerCase(class_name, ordered, input_shape, positional_count)


def channels_layout(draw: st.DrawFn, spatial: tuple[int, ...], channels: int) -> tuple[Optional[str], tuple[int, ...]]:
    data_format = draw(st.sampled_from([None, "channels_last", "channels_first"]))
    if data_format == "channels_first":
        return data_format, (channels, *spatial)
    return data_format, (*spatial, channels)


@st.composite
def convolution_cases(draw: st.DrawFn) -> LayerCase:
    rank = draw(st.sampled_from([1, 2, 3]))
    spatial = draw(per_axis(rank, 1, 24 if rank < 3 else 10))
    data_format, input_shape = channels_layout(draw, spatial, draw(st.integers(1, 4)))
    kernel = draw(per_axis(rank, 1, 6))
    strides = draw(per_axis(rank, 1, 4))
    dilation = draw(per_axis(rank, 1, 3)) if set(strides) == {1} else (1,) * rank
    padding = draw(st.sampled_from(["valid", "same"] + (["causal"] if rank == 1 else [])))
    arguments: dict[str, Any] = {"filters": draw(st.integers(1, 8)), "kernel_size": draw(int_or_tuple(kernel))}
    if set(strides) != {1} or draw(st.booleans()):
        arguments["strides"] = draw(int_or_tuple(strides))
    arguments["padding"] = padding
    if data_format is not None:
        arguments["data_format"] = data_format
    if set(dilation) != {1}:
        arguments["dilation_rate"] = draw(int_or_tuple(dilation))
    return draw(written_case(f"Conv{rank}D", arguments, input_shape))


@st.composite
def transposed_convolution_cases(draw: st.DrawFn) -> LayerCase:
    rank = draw(st.sampled_from([1, 2, 3]))
    spatial = draw(per_axis(rank, 1, 16 if rank < 3 else 8))
    data_format, input_shape = channels_layout(draw, spatial, draw(st.integers(1, 4)))
    kernel = draw(per_axis(rank, 1, 6))
    strides = draw(per_axis(rank, 1, 4))
    dilation = draw(per_axis(rank, 1, 3)) if set(strides) == {1} else (1,) * rank
    arguments: dict[str, Any] = {"filters": draw(st.integers(1, 8)), "kernel_size": draw(int_or_tuple(kernel))}
    if set(strides) != {1} or draw(st.booleans()):
        arguments["strides"] = draw(int_or_tuple(strides))
    arguments["padding"] = draw(st.sampled_from(["valid", "same"]))
    if draw(st.booleans()):
        # Keras wants output_padding < strides on every axis.
        arguments["output_padding"] = draw(int_or_tuple(tuple(draw(st.integers(0, s - 1)) for s in strides)))
    if data_format is not None:
        arguments["data_format"] = data_format
    if set(dilation) != {1}:
        arguments["dilation_rate"] = draw(int_or_tuple(dilation))
    return draw(written_case(f"Conv{rank}DTranspose", arguments, input_shape))


@st.composite
def pooling_cases(draw: st.DrawFn) -> LayerCase:
    rank = draw(st.sampled_from([1, 2, 3]))
    kind = draw(st.sampled_from(["MaxPooling", "AveragePooling"]))
    spatial = draw(per_axis(rank, 1, 24 if rank < 3 else 10))
    data_format, input_shape = channels_layout(draw, spatial, draw(st.integers(1, 4)))
    arguments: dict[str, Any] = {"pool_size": draw(int_or_tuple(draw(per_axis(rank, 1, 6))))}
    if draw(st.booleans()):
        arguments["strides"] = draw(int_or_tuple(draw(per_axis(rank, 1, 5))))
    if draw(st.booleans()):
        arguments["padding"] = draw(st.sampled_from(["valid", "same"]))
    if data_format is not None:
        arguments["data_format"] = data_format
    return draw(written_case(f"{kind}{rank}D", arguments, input_shape))


@st.composite
def border_amounts(draw: st.DrawFn, rank: int, high: int) -> Any:
    """Every form Keras accepts: ``2``, ``(1, 3)`` (1-D), ``(2, 1)`` symmetric per axis, ``((1, 2), (0, 3))``."""
    pairs = tuple((draw(st.integers(0, high)), draw(st.integers(0, high))) for _ in range(rank))
    form = draw(st.sampled_from(["int", "symmetric", "pairs"]))
    if form == "int":
        return pairs[0][0]
    if rank == 1:
        return pairs[0]
    if form == "symmetric":
        return tuple(before for before, _ in pairs)
    return pairs


@st.composite
def cropping_cases(draw: st.DrawFn) -> LayerCase:
    rank = draw(st.sampled_from([1, 2, 3]))
    spatial = draw(per_axis(rank, 1, 16))
    if rank == 1:
        data_format, input_shape = None, (*spatial, draw(st.integers(1, 4)))
    else:
        data_format, input_shape = channels_layout(draw, spatial, draw(st.integers(1, 4)))
    arguments: dict[str, Any] = {"cropping": draw(border_amounts(rank, 9))}
    if data_format is not None:
        arguments["data_format"] = data_format
    return draw(written_case(f"Cropping{rank}D", arguments, input_shape))


@st.composite
def zero_padding_cases(draw: st.DrawFn) -> LayerCase:
    rank = draw(st.sampled_from([1, 2, 3]))
    spatial = draw(per_axis(rank, 1, 16))
    data_format, input_shape = channels_layout(draw, spatial, draw(st.integers(1, 4)))
    arguments: dict[str, Any] = {"padding": draw(border_amounts(rank, 6))}
    if data_format is not None:
        arguments["data_format"] = data_format
    return draw(written_case(f"ZeroPadding{rank}D", arguments, input_shape))


@st.composite
def upsampling_cases(draw: st.DrawFn) -> LayerCase:
    rank = draw(st.sampled_from([1, 2, 3]))
    spatial = draw(per_axis(rank, 1, 16))
    if rank == 1:
        data_format, input_shape = None, (*spatial, draw(st.integers(1, 4)))
        arguments: dict[str, Any] = {"size": draw(st.integers(1, 5))}
    else:
        data_format, input_shape = channels_layout(draw, spatial, draw(st.integers(1, 4)))
        arguments = {"size": draw(int_or_tuple(draw(per_axis(rank, 1, 4))))}
    if data_format is not None:
        arguments["data_format"] = data_format
    return draw(written_case(f"UpSampling{rank}D", arguments, input_shape))


# --- the properties ------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(convolution_cases())
def test_convolution_output_shape_matches_keras(case: LayerCase) -> None:
    check_engine_agrees(case)


@PROPERTY_SETTINGS
@given(transposed_convolution_cases())
def test_transposed_convolution_output_shape_matches_keras(case: LayerCase) -> None:
    check_engine_agrees(case)


@PROPERTY_SETTINGS
@given(pooling_cases())
def test_pooling_output_shape_matches_keras(case: LayerCase) -> None:
    check_engine_agrees(case)


@PROPERTY_SETTINGS
@given(cropping_cases())
def test_cropping_output_shape_matches_keras(case: LayerCase) -> None:
    check_engine_agrees(case)


@PROPERTY_SETTINGS
@given(zero_padding_cases())
def test_zero_padding_output_shape_matches_keras(case: LayerCase) -> None:
    check_engine_agrees(case)


@PROPERTY_SETTINGS
@given(upsampling_cases())
def test_upsampling_output_shape_matches_keras(case: LayerCase) -> None:
    check_engine_agrees(case)


def test_rendered_script_is_what_keras_builds() -> None:
    """The harness itself: the rendered script, executed, builds the layer Keras was asked about."""
    case = LayerCase("Conv2D", {"filters": 4, "kernel_size": (3, 2), "strides": 2, "padding": "valid"}, (9, 12, 3), 2)
    namespace: dict = {}
    exec(compile(case.source(), "<case>", "exec"), namespace)
    built = namespace["model"].layers[-1]
    assert built.kernel_size == (3, 2) and built.strides == (2, 2)
    assert tuple(built.output.shape) == keras_output_shape(case) == (None, 4, 6, 4)
