"""The engine's conv / transposed-conv / pooling rules against torch, over random arguments.

Each example is one layer in a tiny script::

    model = nn.Sequential(
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    )
    x = torch.randn(2, 1, 7, 5)
    y = model(x)

The engine analyses the script; torch builds the same layer from the same arguments and runs it
on a tensor of that shape. When torch returns, the engine's output shape and parameter count must
be torch's and it must report no error; when torch raises (the output would be empty), the engine
must report ``negative-dimension`` on the layer's line. Torch returns an empty tensor without
raising for a few transposed convolutions; there either answer is right, the empty shape or the
error.

The strategies draw only arguments torch accepts at construction and that pass its argument
checks (pool padding at most half the kernel, output_padding below stride or dilation, 'same'
only with stride 1): what is compared is shape arithmetic, not argument validation.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Iterator, Optional, Union

import pytest
import torch
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from torch import nn

from shapelens.analysis import analyze
from shapelens.analysis.report import report_json

pytestmark = pytest.mark.oracle

ArgValue = Union[int, bool, str, tuple[int, ...]]

SPATIAL_SIZE_LIMIT = {1: 14, 2: 10, 3: 6}  # keeps every torch call well under a millisecond
LAYER_LINE = 4  # 0-based line of the layer's constructor in the script below


@dataclass(frozen=True)
class LayerCase:
    class_name: str
    positional: tuple[int, ...]  # channel counts for convolutions, nothing for pools
    keywords: tuple[tuple[str, ArgValue], ...]
    input_shape: tuple[int, ...]

    def script(self) -> str:
        arguments = [str(v) for v in self.positional] + [f"{name}={value!r}" for name, value in self.keywords]
        return (
            "import torch\n"
            "import torch.nn as nn\n"
            "\n"
            "model = nn.Sequential(\n"
            f"    nn.{self.class_name}({', '.join(arguments)}),\n"
            ")\n"
            f"x = torch.randn({', '.join(str(d) for d in self.input_shape)})\n"
            "y = model(x)\n"
        )

    def build(self) -> nn.Module:
        return getattr(nn, self.class_name)(*self.positional, **dict(self.keywords))


@dataclass(frozen=True)
class TorchResult:
    output_shape: Optional[tuple[int, ...]]  # None when torch raised
    params: int
    error: Optional[str]


def run_torch(case: LayerCase) -> TorchResult:
    torch.manual_seed(0)
    layer = case.build()
    params = sum(p.numel() for p in layer.parameters())
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 'same' with an even kernel warns about a padded copy
        try:
            output = layer(torch.randn(*case.input_shape))
        except RuntimeError as error:
            return TorchResult(output_shape=None, params=params, error=str(error).splitlines()[0])
    return TorchResult(output_shape=tuple(output.shape), params=params, error=None)


@dataclass(frozen=True)
class EngineResult:
    output_shape: Optional[tuple[int, ...]]
    params: Optional[int]
    errors_on_layer: tuple[str, ...]  # codes
    other_errors: tuple[str, ...]


def run_engine(case: LayerCase) -> EngineResult:
    document = report_json("property.py", analyze(case.script()))
    layers = [layer for model in document["models"] for layer in model["layers"]]
    shape = layers[0]["output_shape"] if len(layers) == 1 else None
    errors = [d for d in document["diagnostics"] if d["severity"] == "error"]
    on_layer = [d for d in errors if d["range"]["start"]["line"] == LAYER_LINE]
    elsewhere = [d for d in errors if d["range"]["start"]["line"] != LAYER_LINE]
    return EngineResult(
        output_shape=None if shape is None else tuple(shape),
        params=layers[0]["params"] if len(layers) == 1 else None,
        errors_on_layer=tuple(d["code"] for d in on_layer),
        other_errors=tuple(f"line {d['range']['start']['line'] + 1} {d['code']}: {d['message']}" for d in elsewhere),
    )


def assert_engine_agrees_with_torch(case: LayerCase) -> None:
    script = case.script()
    note(script)
    truth = run_torch(case)
    engine = run_engine(case)
    note(f"torch: {truth}")
    note(f"engine: {engine}")
    assert engine.other_errors == (), "errors away from the layer"
    if truth.error is not None:
        assert "negative-dimension" in engine.errors_on_layer, f"torch raised: {truth.error}"
        return
    if 0 in truth.output_shape and "negative-dimension" in engine.errors_on_layer:
        return  # torch returned an empty tensor; flagging it is right too
    assert engine.errors_on_layer == (), f"torch ran it and gave {truth.output_shape}"
    assert (engine.output_shape, engine.params) == (truth.output_shape, truth.params)


# --- strategies -----------------------------------------------------------------------------


def per_dimension(rank: int, values: st.SearchStrategy[int]) -> st.SearchStrategy[Union[int, tuple[int, ...]]]:
    """An int for every spatial dimension, written as one int or as a tuple."""
    return st.one_of(values, st.tuples(*([values] * rank)))


def as_tuple(value: Union[int, tuple[int, ...]], rank: int) -> tuple[int, ...]:
    return value if isinstance(value, tuple) else (value,) * rank


def keywords(**values: Optional[ArgValue]) -> tuple[tuple[str, ArgValue], ...]:
    """The drawn keyword arguments, leaving out the ones drawn as "not written" (None)."""
    return tuple((name, value) for name, value in values.items() if value is not None)


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


def input_shape(draw: st.DrawFn, rank: int, channels: int) -> tuple[int, ...]:
    sizes = st.integers(1, SPATIAL_SIZE_LIMIT[rank])
    return (draw(st.integers(1, 2)), channels, *(draw(sizes) for _ in range(rank)))


@st.composite
def convolutions(draw: st.DrawFn) -> LayerCase:
    rank = draw(st.sampled_from([1, 2, 3]))
    in_channels, out_channels = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel_size = draw(per_dimension(rank, st.integers(1, 5 if rank < 3 else 3)))
    stride = draw(optional(per_dimension(rank, st.integers(1, 3))))
    dilation = draw(optional(per_dimension(rank, st.integers(1, 3))))
    strided = stride is not None and max(as_tuple(stride, rank)) > 1
    padding_forms = [st.none(), per_dimension(rank, st.integers(0, 3)), st.just("valid")]
    if not strided:
        padding_forms.append(st.just("same"))  # torch: 'same' is for stride 1 only
    padding = draw(st.one_of(*padding_forms))
    bias = draw(optional(st.booleans()))
    return LayerCase(
        class_name=f"Conv{rank}d",
        positional=(in_channels, out_channels),
        keywords=keywords(kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation, bias=bias),
        input_shape=input_shape(draw, rank, in_channels),
    )


@st.composite
def transposed_convolutions(draw: st.DrawFn) -> LayerCase:
    rank = draw(st.sampled_from([1, 2, 3]))
    in_channels, out_channels = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel_size = draw(per_dimension(rank, st.integers(1, 4 if rank < 3 else 3)))
    stride = as_tuple(draw(per_dimension(rank, st.integers(1, 3))), rank)
    dilation = as_tuple(draw(per_dimension(rank, st.integers(1, 2))), rank)
    padding = draw(optional(per_dimension(rank, st.integers(0, 2))))
    # torch: output_padding must be smaller than either the stride or the dilation
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    bias = draw(optional(st.booleans()))
    return LayerCase(
        class_name=f"ConvTranspose{rank}d",
        positional=(in_channels, out_channels),
        keywords=keywords(
            kernel_size=kernel_size,
            stride=stride[0] if len(set(stride)) == 1 else stride,
            padding=padding,
            output_padding=None if not any(output_padding) else output_padding,
            dilation=None if dilation == (1,) * rank else dilation,
            bias=bias,
        ),
        input_shape=input_shape(draw, rank, in_channels),
    )


@st.composite
def poolings(draw: st.DrawFn) -> LayerCase:
    rank = draw(st.sampled_from([1, 2, 3]))
    kind = draw(st.sampled_from(["MaxPool", "AvgPool"]))
    kernel = as_tuple(draw(per_dimension(rank, st.integers(1, 4 if rank < 3 else 3))), rank)
    kernel_size = kernel[0] if len(set(kernel)) == 1 and draw(st.booleans()) else kernel
    stride = draw(optional(per_dimension(rank, st.integers(1, 3))))
    # torch: padding at most half of the kernel, in every dimension
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    ceil_mode = draw(optional(st.booleans()))
    extra: dict[str, Optional[ArgValue]] = {}
    if kind == "MaxPool":
        extra["dilation"] = draw(optional(per_dimension(rank, st.integers(1, 3))))
    else:
        extra["count_include_pad"] = draw(optional(st.booleans()))
    channels = draw(st.integers(1, 3))
    return LayerCase(
        class_name=f"{kind}{rank}d",
        positional=(),
        keywords=keywords(
            kernel_size=kernel_size,
            stride=stride,
            padding=None if not any(padding) else padding,
            ceil_mode=ceil_mode,
            **extra,
        ),
        input_shape=input_shape(draw, rank, channels),
    )


# --- properties -----------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the machine is shared; tiny tensors gain nothing from threads
    yield
    torch.set_num_threads(threads)


@settings(PROPERTY_SETTINGS, max_examples=1200)
@given(convolutions())
def test_convolution_shapes_match_torch(case: LayerCase) -> None:
    assert_engine_agrees_with_torch(case)


@settings(PROPERTY_SETTINGS, max_examples=1000)
@given(transposed_convolutions())
def test_transposed_convolution_shapes_match_torch(case: LayerCase) -> None:
    assert_engine_agrees_with_torch(case)


@settings(PROPERTY_SETTINGS, max_examples=1300)
@given(poolings())
def test_pooling_shapes_match_torch(case: LayerCase) -> None:
    assert_engine_agrees_with_torch(case)


def test_script_of_a_case_is_what_torch_builds() -> None:
    case = LayerCase(
        class_name="MaxPool2d",
        positional=(),
        keywords=(("kernel_size", 3), ("padding", (1, 0)), ("ceil_mode", True)),
        input_shape=(2, 1, 7, 5),
    )
    lines = case.script().splitlines()
    assert lines[LAYER_LINE] == "    nn.MaxPool2d(kernel_size=3, padding=(1, 0), ceil_mode=True),"
    assert lines[LAYER_LINE + 2] == "x = torch.randn(2, 1, 7, 5)"
    assert run_torch(case).output_shape == (2, 1, 3, 2)
