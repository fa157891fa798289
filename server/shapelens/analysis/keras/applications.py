"""What a ``keras.applications`` builder call builds: output shape, parameters, or the refusal.

``keras_application("MobileNetV2", {"input_shape": (160, 160, 3), "include_top": False})``
answers as Keras 3 does, without Keras: the model's input and output shapes (batch ``None``),
its total and trainable parameter counts, the smallest input it accepts, and, when Keras
refuses the call, the error it raises in the library's own words.

Two sources meet here. The spatial rule of each model (the size of the body's output for an
input size) is code below, written with ``+ - * //`` and ceiling division only, so it also
works on symbolic sizes. Everything else (channels, parameter counts, minimum sizes, default
inputs, messages) is measured from the real library into ``applications_data.py`` by
``tools/backbones/generate.py``. Both are held to the library by ``tests/test_backbones_keras.py``.

Images are channels-last, Keras' default. An argument whose value the caller cannot know is
passed as ``UNKNOWN``; whatever depends on it comes back as ``None`` with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence, TypeVar

Dim = Optional[int]
Shape = tuple[Dim, ...]
Size = TypeVar("Size")  # an int, or a symbolic size implementing + - * //


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
"""An argument's value the caller could not determine."""


@dataclass(frozen=True)
class KerasRejection:
    """The exception the builder raises. ``complete`` is False when Keras' text goes on with
    something that cannot be known statically (a function's memory address)."""

    error_type: str
    message: str
    complete: bool = True


@dataclass(frozen=True)
class BackboneResult:
    """One builder call. With a ``rejection``, the shapes and counts are those the call would
    have had if Keras had accepted it (``None`` where they do not exist)."""

    name: str
    input_shape: Optional[Shape]  # the model's input, batch first (None unless an input_tensor fixes it)
    output_shape: Optional[Shape]
    total_params: Optional[int]
    trainable_params: Optional[int]
    min_input: tuple[int, int]  # the smallest (H, W) the builder accepts
    rejection: Optional[KerasRejection]
    unknown: tuple[str, ...]  # why any of the above is None


def _ceil_div(n: Size, k: int) -> Size:
    return -(-n // k)  # type: ignore[operator]


def _halved_5_floor(n: Size) -> Size:
    # five 2x2 max-pools (VGG) or a stride-4 stem then three stride-2 downsamplings (ConvNeXt)
    return n // 32  # type: ignore[operator]


def _halved_5_ceil(n: Size) -> Size:
    # five stride-2 stages that round up: "same" padding, or explicit padding fitted to it
    return _ceil_div(n, 32)


def _densenet(n: Size) -> Size:
    # stem: padded 7x7/2 conv and 3x3/2 max-pool (round up); then three 2x2 average pools
    return _ceil_div(n, 4) // 8  # type: ignore[operator]


def _mobilenet(n: Size) -> Size:
    # a "same" 3x3/2 conv (rounds up), then four depthwise 3x3/2 on ((0, 1), (0, 1)) padding
    return _ceil_div(n, 2) // 16  # type: ignore[operator]


def _inception(n: Size) -> Size:
    # stem 3x3/2, 3x3, (3x3 same), pool 3x3/2, (1x1), 3x3, pool 3x3/2, then two 3x3/2 reductions
    n = (n - 3) // 2 + 1  # type: ignore[operator]
    n = n - 2
    n = (n - 3) // 2 + 1
    n = n - 2
    n = (n - 3) // 2 + 1
    n = (n - 3) // 2 + 1
    return (n - 3) // 2 + 1


def _xception(n: Size) -> Size:
    # valid 3x3/2 and 3x3 convs, then four "same" 3x3/2 max-pools
    return _ceil_div((n - 3) // 2 + 1 - 2, 16)  # type: ignore[operator]


def _nasnet_large(n: Size) -> Size:
    # valid 3x3/2 stem, then four stride-2 reductions that round up
    return _ceil_div((n - 3) // 2 + 1, 16)  # type: ignore[operator]


SPATIAL_RULES: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(("VGG16", "VGG19"), _halved_5_floor),
    **dict.fromkeys(("ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase"), _halved_5_floor),
    **dict.fromkeys(("ConvNeXtLarge", "ConvNeXtXLarge"), _halved_5_floor),
    **dict.fromkeys(("ResNet50", "ResNet101", "ResNet152"), _halved_5_ceil),
    **dict.fromkeys(("ResNet50V2", "ResNet101V2", "ResNet152V2"), _halved_5_ceil),
    **dict.fromkeys((f"EfficientNetB{i}" for i in range(8)), _halved_5_ceil),
    **dict.fromkeys((f"EfficientNetV2{v}" for v in ("B0", "B1", "B2", "B3", "S", "M", "L")), _halved_5_ceil),
    **dict.fromkeys(("MobileNetV2", "MobileNetV3Small", "MobileNetV3Large"), _halved_5_ceil),
    **dict.fromkeys(("DenseNet121", "DenseNet169", "DenseNet201"), _densenet),
    **dict.fromkeys(("InceptionV3", "InceptionResNetV2"), _inception),
    "MobileNet": _mobilenet,
    "Xception": _xception,
    "NASNetLarge": _nasnet_large,
    "NASNetMobile": _nasnet_large,
}
"""Model name -> H (or W) of the body's output for an input H (or W) >= the model's minimum."""


# Builders whose padding (imagenet_utils.correct_pad) or cell wiring (NASNet) reads the input's
# static size: with one axis unknown they pad the other differently or raise TypeError, and
# NASNet wires other cells when the size is unknown.
_SIZE_DEPENDENT = frozenset(
    {"MobileNetV2", "MobileNetV3Small", "MobileNetV3Large", "NASNetLarge", "NASNetMobile"}
    | {f"EfficientNetB{i}" for i in range(8)}
)


def size_dependent(name: str) -> bool:
    """Whether the builder fits its padding or wiring to the input's static size (so a model built
    with an open size runs another graph than one built for a given size)."""
    return name in _SIZE_DEPENDENT


def default_argument(name: str, argument: str) -> Any:
    """The default of one of the builder's parameters (``UNKNOWN`` when it has no such parameter)."""
    signature = _data().MODELS[name][0]
    return next((default for parameter, default in signature if parameter == argument), UNKNOWN)


def body_size(name: str, size: Size) -> Size:
    """The body's output size along one spatial axis, for an accepted input size."""
    return SPATIAL_RULES[name](size)


def _data() -> Any:
    from shapelens.analysis.keras import applications_data  # loaded on first use only

    return applications_data


def model_names() -> tuple[str, ...]:
    return tuple(sorted(_data().MODELS))


# Arguments whose values select measured numbers (the model's width).
_WIDTH_ARGUMENTS = ("alpha", "depth_multiplier", "minimalistic", "include_preprocessing")


class _Call:
    """The arguments of one builder call, with the builder's defaults filled in."""

    def __init__(self, signature: Sequence[tuple[str, Any]], values: Mapping[str, Any]) -> None:
        self.values = {name: values.get(name, default) for name, default in signature}

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def known(self, name: str) -> bool:
        return self.values.get(name) is not UNKNOWN


def _message(check: str, checks: Mapping[str, int], **values: Any) -> Optional[KerasRejection]:
    if check not in checks:
        return None
    error_type, text = _data().TEMPLATES[checks[check]]
    return KerasRejection(error_type, text.format(**{k: _python_str(v) for k, v in values.items()}))


def _python_str(value: Any) -> str:
    return str(value)


def _bind(name: str, signature: Sequence[tuple[str, Any]], args: Sequence[Any], kwargs: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    names = [parameter for parameter, _ in signature]
    if len(args) > len(names):
        return None
    bound = dict(zip(names, args))
    for key, value in kwargs.items():
        if key in bound:
            return None  # "got multiple values": not modelled
        bound[key] = value
    return bound


def keras_application(
    name: str, kwargs: Mapping[str, Any], args: Sequence[Any] = ()
) -> Optional[BackboneResult]:
    """What ``keras.applications.<name>(*args, **kwargs)`` builds, or None for another name.

    ``name`` may be dotted (``keras.applications.mobilenet_v2.MobileNetV2``); the last part
    counts. Argument values are Python values (``input_shape=(160, 160, 3)``,
    ``pooling="avg"``, ``weights=None``), ``input_tensor`` is the shape of the tensor passed
    (batch first), and ``UNKNOWN`` stands for a value the caller cannot know.
    """
    name = name.rsplit(".", 1)[-1]
    models = _data().MODELS
    if name not in models:
        return None
    signature, always, checks, imagenet_top_sizes, configs = models[name]
    bound = _bind(name, signature, args, kwargs)
    if bound is None:
        return None
    parameters = {parameter for parameter, _ in signature}
    for keyword in bound:
        if keyword not in parameters:
            return _rejected(name, _message("keyword", checks, keyword=keyword))
    if always is not None:
        error_type, text = _data().TEMPLATES[always]
        return _rejected(name, KerasRejection(error_type, text))
    call = _Call(signature, bound)
    return _Builder(name, call, checks, imagenet_top_sizes, configs).result()


def _rejected(name: str, rejection: Optional[KerasRejection]) -> BackboneResult:
    return BackboneResult(name, None, None, None, None, (0, 0), rejection, () if rejection else ("unmodelled call",))


class _Builder:
    """Follows one builder's checks and arithmetic."""

    def __init__(
        self,
        name: str,
        call: _Call,
        checks: Mapping[str, int],
        imagenet_top_sizes: tuple[int, ...],
        configs: Mapping[tuple[tuple[str, Any], ...], tuple[Any, ...]],
    ) -> None:
        self.name = name
        self.call = call
        self.checks = checks
        self.imagenet_top_sizes = imagenet_top_sizes
        self.configs = configs
        self.unknown: list[str] = []
        first = next(iter(configs.values()))
        self.default_size, self.input_without_top, self.input_with_top, self.min_size = first[:4]
        self.numbers = self._numbers()

    def _numbers(self) -> Optional[tuple[Any, ...]]:
        width_names = sorted({key for config in self.configs for key, _ in config})
        if not all(self.call.known(n) for n in width_names):
            self.unknown.append("the width arguments are not known")
            return None
        key = tuple((n, self.call[n]) for n in width_names)
        numbers = self.configs.get(key)
        if numbers is None:
            described = ", ".join(f"{n}={v!r}" for n, v in key)
            self.unknown.append(f"{self.name}({described}) was not measured")
        return numbers

    def result(self) -> BackboneResult:
        rejection, input_shape = self._checks()
        output_shape, total, trainable = self._build(input_shape)
        return BackboneResult(
            name=self.name,
            input_shape=input_shape,
            output_shape=output_shape,
            total_params=total,
            trainable_params=trainable,
            min_input=(self.min_size, self.min_size),
            rejection=rejection,
            unknown=tuple(self.unknown),
        )

    # -- the checks, in the order the builders make them ------------------------------------

    def _checks(self) -> tuple[Optional[KerasRejection], Optional[Shape]]:
        call, checks = self.call, self.checks
        for argument in ("weights", "include_top", "input_shape", "input_tensor"):
            if not call.known(argument):
                self.unknown.append(f"{argument} is not known")
                return None, None
        weights, include_top, input_shape = call["weights"], call["include_top"], call["input_shape"]
        imagenet = weights == "imagenet"
        if weights is not None and not imagenet:
            self.unknown.append("whether the weights file exists is not known")
        if imagenet and include_top:
            if not call.known("classes"):
                self.unknown.append("classes is not known")
                return None, None
            if call["classes"] != 1000:
                return _message("classes", checks, classes=call["classes"]), None
        built: Optional[Shape]
        tensor = call["input_tensor"]
        if imagenet and include_top and "imagenet_shape" in checks:
            if input_shape is not None and not self._imagenet_top_shape(input_shape):
                return _message("imagenet_shape", checks, input_shape=input_shape), None
            built = tuple(input_shape) if input_shape is not None else self.input_with_top
        elif input_shape is not None:
            if len(input_shape) != 3:
                return _message("rank", checks), None
            if imagenet and input_shape[-1] != 3 and "imagenet_channels" in checks:
                return _message("imagenet_channels", checks, input_shape=input_shape), None
            if self._too_small(input_shape):
                return _message("min_size", checks, input_shape=input_shape), None
            if include_top and None in input_shape and "static" in checks:
                return _message("static", checks, input_shape=input_shape), None
            built = tuple(input_shape)
        else:
            built = self.input_with_top if include_top else self.input_without_top
            if include_top and None in built and "static" in checks and tensor is None:
                return _message("static", checks, input_shape=built), None
        rejection = self._width_checks(imagenet) or self._activation_check(imagenet, include_top)
        if tensor is not None:
            built = tuple(tensor[1:])
            if any(d is not None and d < self.min_size for d in built[:2]):
                # Keras checks input_shape only; such a tensor fails (or not) in some layer.
                self.unknown.append("an input_tensor smaller than the minimum size: not modelled")
                return rejection, None
            return rejection, tuple(tensor)
        return rejection, (None, *built)

    def _too_small(self, input_shape: Sequence[Dim]) -> bool:
        rows, cols = input_shape[0], input_shape[1]
        if rows is None or cols is None:
            # Some builders (MobileNetV3) check only when both axes are known.
            size = cols if rows is None else rows
            return size is not None and size < self.min_size and "min_size_one_axis" in self.checks
        return rows < self.min_size or cols < self.min_size

    def _imagenet_top_shape(self, input_shape: Any) -> bool:
        # Keras compares the given value with a tuple: a list never equals it.
        return isinstance(input_shape, tuple) and any(
            input_shape == (s, s, 3) for s in self.imagenet_top_sizes
        )

    def _width_checks(self, imagenet: bool) -> Optional[KerasRejection]:
        if not imagenet:
            return None
        call, checks = self.call, self.checks
        if "depth_multiplier" in checks and call.known("depth_multiplier") and call["depth_multiplier"] != 1:
            return _message("depth_multiplier", checks, depth_multiplier=call["depth_multiplier"])
        if "alpha" in checks and call.known("alpha") and call.known("minimalistic"):
            minimalistic = bool(call.values.get("minimalistic", False))
            accepted = _data().IMAGENET_ALPHAS.get((self.name, minimalistic), {}).get(call["alpha"])
            if accepted is None:
                self.unknown.append(f"whether Keras has imagenet weights for alpha={call['alpha']!r} is not known")
            elif not accepted:
                check = "alpha_minimalistic" if minimalistic and "alpha_minimalistic" in checks else "alpha"
                return _message(check, checks, alpha=call["alpha"])
        return None

    def _activation_check(self, imagenet: bool, include_top: Any) -> Optional[KerasRejection]:
        if not (imagenet and include_top and "activation" in self.checks):
            return None
        if not self.call.known("classifier_activation"):
            self.unknown.append("classifier_activation is not known")
            return None
        if self.call["classifier_activation"] in (None, "softmax"):
            return None
        error_type, text = _data().TEMPLATES[self.checks["activation"]]
        return KerasRejection(error_type, text, complete=False)

    # -- the arithmetic ---------------------------------------------------------------------

    def _build(self, input_shape: Optional[Shape]) -> tuple[Optional[Shape], Optional[int], Optional[int]]:
        if input_shape is None or self.numbers is None:
            return None, None, None
        batch, height, width, channels = input_shape
        numbers = self.numbers
        one_unknown = (height is None) != (width is None)
        if self.name in _SIZE_DEPENDENT and (one_unknown or (height is None and "NASNet" in self.name)):
            self.unknown.append(f"{self.name} with an unknown spatial size is not modelled")
            return None, None, None
        body_channels, total, trainable = numbers[4], numbers[5], numbers[6]
        rows = None if height is None else body_size(self.name, height)
        cols = None if width is None else body_size(self.name, width)
        include_top, pooling = self.call["include_top"], self.call["pooling"]
        if include_top:
            classes = self.call["classes"] if self.call.known("classes") else None
            if classes is None:
                self.unknown.append("classes is not known")
            output: Shape = (batch, classes)
        elif not self.call.known("pooling"):
            self.unknown.append("pooling is not known")
            return None, None, None
        elif pooling in ("avg", "max"):
            output = (batch, body_channels)
        elif pooling is None:
            output = (batch, rows, cols, body_channels)
        else:
            self.unknown.append(f"pooling={pooling!r} is not modelled")
            return None, None, None
        counts = [self._count(numbers, channels, rows, cols) for numbers in (total, trainable)]
        return output, counts[0], counts[1]

    def _count(self, numbers: tuple[int, ...], channels: Dim, rows: Dim, cols: Dim) -> Optional[int]:
        body_base, per_channel, avg_extra, max_extra, top_base, per_class, per_position = numbers
        if channels is None:
            return None
        count = body_base + per_channel * channels
        if self.call["include_top"]:
            if not self.call.known("classes"):
                return None
            if per_position and (rows is None or cols is None):
                return None
            positions = rows * cols if per_position else 0  # type: ignore[operator]
            return count + top_base + per_class * self.call["classes"] + per_position * positions
        pooling = self.call["pooling"]
        return count + (avg_extra if pooling == "avg" else max_extra if pooling == "max" else 0)
