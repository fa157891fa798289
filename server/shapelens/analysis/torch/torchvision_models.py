"""What a ``torchvision.models`` classification builder builds, as a body plus a head.

``torchvision_model("resnet18", {"num_classes": 10})`` answers as torchvision does, without
torchvision: the body (the submodule whose output feeds the classifier, its channels, its
parameters and the spatial size it gives for an input size) and the head as named layers in
forward order (``fc``, ``classifier.6``, ``heads.head`` ...), so that ``model.fc.in_features``
and ``model.fc = nn.Linear(model.fc.in_features, 10)`` can be followed.

The family structure and spatial rules are code below (integer ``+ - * //`` and ceiling
division only, so a symbolic size works too); the numbers (channels, parameter counts, layer
attributes, minimum sizes and the exception below them) are measured from the real library
into ``torchvision_data.py`` by ``tools/backbones/generate.py``. ``tests/test_backbones_torch.py``
holds both to torchvision.

Shapes are NCHW with batch ``None``. Minimum sizes are those of a forward pass in eval mode.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Optional, TypeVar

from ..symbolic import Sym

Dim = Optional[int]
Shape = tuple[Dim, ...]
Size = TypeVar("Size")


def _ceil_div(n: Size, k: int) -> Size:
    return -(-n // k)  # type: ignore[operator]


def _halved_5_ceil(n: Size) -> Size:
    # five stride-2 stages, each padded so that it rounds up (k=3 p=1, k=5 p=2, k=7 p=3, 1x1)
    return _ceil_div(n, 32)


def _halved_5_floor(n: Size) -> Size:
    # five 2x2/2 max-pools (vgg), or a 4x4/4 stem then three 2x2/2 downsamplings (convnext)
    return n // 32  # type: ignore[operator]


def _densenet(n: Size) -> Size:
    # 7x7/2 p3 conv and 3x3/2 p1 max-pool round up; three 2x2/2 average pools round down
    return _ceil_div(n, 4) // 8  # type: ignore[operator]


def _ceil_pool(n: Size, k: int, s: int) -> Size:
    # MaxPool2d(k, s, ceil_mode=True), no padding, k >= s: never drops the last window
    return _ceil_div(n - k, s) + 1  # type: ignore[operator]


def _googlenet(n: Size) -> Size:
    n = _ceil_div(n, 2)  # conv1 7x7/2 p3
    n = _ceil_pool(n, 3, 2)  # maxpool1
    n = _ceil_pool(n, 3, 2)  # maxpool2
    n = _ceil_pool(n, 3, 2)  # maxpool3
    return _ceil_pool(n, 2, 2)  # maxpool4


def _inception_v3(n: Size) -> Size:
    n = (n - 3) // 2 + 1  # type: ignore[operator]  # Conv2d_1a_3x3, stride 2
    n = n - 2  # Conv2d_2a_3x3 (Conv2d_2b_3x3 is padded)
    n = (n - 3) // 2 + 1  # maxpool1
    n = n - 2  # Conv2d_4a_3x3
    n = (n - 3) // 2 + 1  # maxpool2
    n = (n - 3) // 2 + 1  # Mixed_6a
    return (n - 3) // 2 + 1  # Mixed_7a


def _squeezenet(first_kernel: int) -> Callable[[Any], Any]:
    def rule(n: Size) -> Size:
        n = (n - first_kernel) // 2 + 1  # type: ignore[operator]  # unpadded stride-2 conv
        n = _ceil_pool(n, 3, 2)
        n = _ceil_pool(n, 3, 2)
        return _ceil_pool(n, 3, 2)

    return rule


def _swin(n: Size) -> Size:
    # 4x4/4 patches, then three patch mergings that pad odd sizes
    return _ceil_div(n // 4, 8)  # type: ignore[operator]


@dataclass(frozen=True)
class Family:
    body: str  # the submodule whose output is the body's
    layout: str  # of the body's output: "NCHW", "NHWC" (swin) or "NLC" (vit: tokens)
    spatial: Optional[Callable[[Any], Any]]  # input H (or W) -> body H (or W)
    head: tuple[str, ...]  # forward order after the body: submodule paths and functional steps
    aux_modules: tuple[str, ...] = ()  # auxiliary classifiers (aux_logits=True)
    options: tuple[str, ...] = ()  # builder keyword arguments besides weights, progress, num_classes

    @property
    def head_modules(self) -> tuple[str, ...]:
        return tuple(step for step in self.head if not step.startswith("F."))


_RESNET = Family("layer4", "NCHW", _halved_5_ceil, ("avgpool", "F.flatten", "fc"))
_EFFICIENT = Family("features", "NCHW", _halved_5_ceil, ("avgpool", "F.flatten", "classifier"), options=("dropout",))

FAMILIES: dict[str, Family] = {
    "resnet": _RESNET,
    "regnet": Family("trunk_output", "NCHW", _halved_5_ceil, ("avgpool", "F.flatten", "fc")),
    "vgg": Family("features", "NCHW", _halved_5_floor, ("avgpool", "F.flatten", "classifier"), options=("init_weights", "dropout")),
    "mobilenet_v2": Family("features", "NCHW", _halved_5_ceil, ("F.adaptive_avg_pool2d", "F.flatten", "classifier"), options=("dropout",)),
    "mobilenet_v3": _EFFICIENT,
    "efficientnet": _EFFICIENT,
    "densenet": Family("features", "NCHW", _densenet, ("F.relu", "F.adaptive_avg_pool2d", "F.flatten", "classifier"), options=("drop_rate",)),
    "convnext": Family("features", "NCHW", _halved_5_floor, ("avgpool", "classifier")),
    "shufflenet": Family("conv5", "NCHW", _halved_5_ceil, ("F.mean", "fc")),
    "mnasnet": Family("layers", "NCHW", _halved_5_ceil, ("F.mean", "classifier"), options=("dropout",)),
    "squeezenet1_0": Family("features", "NCHW", _squeezenet(7), ("classifier", "F.flatten"), options=("dropout",)),
    "squeezenet1_1": Family("features", "NCHW", _squeezenet(3), ("classifier", "F.flatten"), options=("dropout",)),
    "googlenet": Family(
        "inception5b", "NCHW", _googlenet, ("avgpool", "F.flatten", "dropout", "fc"),
        aux_modules=("aux1", "aux2"), options=("aux_logits", "transform_input", "init_weights", "dropout", "dropout_aux"),
    ),
    "inception_v3": Family(
        "Mixed_7c", "NCHW", _inception_v3, ("avgpool", "dropout", "F.flatten", "fc"),
        aux_modules=("AuxLogits",), options=("aux_logits", "transform_input", "init_weights", "dropout"),
    ),
    "swin": Family("features", "NHWC", _swin, ("norm", "permute", "avgpool", "flatten", "head")),
    "vit": Family("encoder", "NLC", None, ("F.class_token", "heads"), options=("image_size", "dropout", "attention_dropout")),
}

_PREFIXES = (
    ("resnet", "resnet"), ("resnext", "resnet"), ("wide_resnet", "resnet"), ("regnet_", "regnet"),
    ("vgg", "vgg"), ("mobilenet_v2", "mobilenet_v2"), ("mobilenet_v3", "mobilenet_v3"),
    ("efficientnet", "efficientnet"), ("densenet", "densenet"), ("convnext", "convnext"),
    ("shufflenet_v2", "shufflenet"), ("mnasnet", "mnasnet"), ("squeezenet1_0", "squeezenet1_0"),
    ("squeezenet1_1", "squeezenet1_1"), ("googlenet", "googlenet"), ("inception_v3", "inception_v3"),
    ("swin_", "swin"), ("vit_", "vit"),
)


def family_of(builder: str) -> Optional[str]:
    """The family of a builder name (``resnext50_32x4d`` -> ``resnet``), None if not modelled."""
    for prefix, family in _PREFIXES:
        if builder.startswith(prefix):
            return family
    return None


@dataclass(frozen=True)
class HeadLayer:
    """One layer of the head, as ``repr(model.<path>)`` would show it."""

    path: str  # "fc", "classifier.6", "heads.head"
    kind: str  # the torch.nn class name
    attributes: Mapping[str, Any]  # in_features, out_features, bias, kernel_size, p, ...
    params: int

    @property
    def in_features(self) -> Optional[int]:
        return self.attributes.get("in_features", self.attributes.get("in_channels"))

    @property
    def out_features(self) -> Optional[int]:
        return self.attributes.get("out_features", self.attributes.get("out_channels"))


def linear(path: str, in_features: int, out_features: int, bias: bool = True) -> HeadLayer:
    """``nn.Linear(in_features, out_features, bias)`` placed at ``path``."""
    params = in_features * out_features + (out_features if bias else 0)
    attributes = {"in_features": in_features, "out_features": out_features, "bias": bias}
    return HeadLayer(path, "Linear", attributes, params)


@dataclass(frozen=True)
class ForwardError:
    """The exception torch raises in a forward pass."""

    error_type: str
    message: str


@dataclass(frozen=True)
class TorchvisionModel:
    """A built model: body and head, and what a forward pass of an input gives."""

    builder: str
    family: str
    body_module: str  # the submodule whose output is the body's ("layer4", "features")
    body_channels: int
    body_params: int
    aux_params: int  # auxiliary classifiers (googlenet, inception_v3 with aux_logits)
    head: tuple[HeadLayer, ...]
    min_input: tuple[int, int]  # the smallest (H, W) a forward pass accepts
    below_min: Optional[ForwardError]  # what torch raises for (H-1, W-1) below min_input
    image_size: Optional[int] = None  # vit: the only input size accepted

    @property
    def total_params(self) -> int:
        return self.body_params + self.aux_params + sum(layer.params for layer in self.head)

    def layer(self, path: str) -> Optional[HeadLayer]:
        """A head layer by path; ``classifier[-1]`` and ``classifier.-1`` index from the end."""
        path = path.replace("[", ".").replace("]", "")
        if path in {layer.path for layer in self.head}:
            return next(layer for layer in self.head if layer.path == path)
        container, _, index = path.rpartition(".")
        children = [layer for layer in self.head if layer.path.rpartition(".")[0] == container]
        try:
            return children[int(index)]
        except (ValueError, IndexError):
            return None

    def with_layer(self, path: str, layer: HeadLayer) -> Optional["TorchvisionModel"]:
        """The model after ``model.<path> = layer`` (a head layer, or a whole Sequential
        replaced by one layer); None if ``path`` is not in the head."""
        current = self.layer(path)
        if current is not None:
            layer = replace(layer, path=current.path)
            head = tuple(layer if old.path == current.path else old for old in self.head)
            return replace(self, head=head)
        prefix = path + "."
        if not any(old.path.startswith(prefix) for old in self.head):
            return None
        kept = [old for old in self.head if not old.path.startswith(prefix)]
        position = next(i for i, old in enumerate(self.head) if old.path.startswith(prefix))
        head = tuple(kept[:position]) + (replace(layer, path=path),) + tuple(kept[position:])
        return replace(self, head=head)

    def body_shape(self, height: Any, width: Any) -> Shape:
        """The body's output for an input (None, 3, height, width) at least min_input."""
        family = FAMILIES[self.family]
        if family.layout == "NLC":
            patch = _vit_patch(self.builder)
            return (None, (height // patch) * (width // patch) + 1, self.body_channels)
        assert family.spatial is not None
        rows, cols = family.spatial(height), family.spatial(width)
        if family.layout == "NHWC":
            return (None, rows, cols, self.body_channels)
        return (None, self.body_channels, rows, cols)

    def output(self, height: Any = None, width: Any = None) -> tuple[Optional[Shape], Optional[ForwardError]]:
        """The model's output for an input (None, 3, height, width) in eval mode, following the
        head's layers; or the error of the first layer whose input does not fit."""
        width_now = self.body_channels
        for layer in self.head:
            if layer.kind == "Linear" or layer.kind == "Conv2d":
                expected = layer.in_features
                if expected != width_now:
                    if layer.kind == "Conv2d":
                        return None, None  # channel mismatch text needs the spatial size
                    # torch prints (batch x features) and (in x out) of the weight
                    return None, ForwardError(
                        "RuntimeError",
                        f"mat1 and mat2 shapes cannot be multiplied (1x{width_now} and "
                        f"{expected}x{layer.out_features})",
                    )
                width_now = layer.out_features  # type: ignore[assignment]
            elif layer.kind == "AdaptiveAvgPool2d":
                # flattened next: each output position adds a copy of the channels
                size = layer.attributes["output_size"]
                rows, cols = (size, size) if isinstance(size, int) else size
                width_now = width_now * rows * cols
        return (None, width_now), None


def _vit_patch(builder: str) -> int:
    return int(builder.rsplit("_", 1)[1])


def _data() -> Any:
    from shapelens.analysis.torch import torchvision_data  # loaded on first use only

    return torchvision_data


def builder_names() -> tuple[str, ...]:
    return tuple(sorted(_data().BUILDERS))


_COMMON_OPTIONS = ("weights", "progress", "num_classes")


def torchvision_model(builder: str, kwargs: Mapping[str, Any]) -> Optional[TorchvisionModel]:
    """The model ``torchvision.models.<builder>(**kwargs)`` builds, or None when unknown.

    ``builder`` may be dotted (``torchvision.models.resnet18``). Modelled: ``weights=None``
    (also the deprecated ``pretrained=False``), ``num_classes`` (an int), ``aux_logits`` for
    googlenet / inception_v3, ``image_size`` for vit, and the options that change no shape
    (``progress``, ``dropout``, ``init_weights``, ...). Anything else gives None.
    """
    builder = builder.rsplit(".", 1)[-1]
    builders = _data().BUILDERS
    family_name = family_of(builder)
    if builder not in builders or family_name is None:
        return None
    family = FAMILIES[family_name]
    for key, value in kwargs.items():
        if key not in _COMMON_OPTIONS + family.options and key != "pretrained":
            return None
    if kwargs.get("weights") is not None or kwargs.get("pretrained", False) is not False:
        return None
    num_classes = kwargs.get("num_classes", 1000)
    if not isinstance(num_classes, (int, Sym)) or isinstance(num_classes, bool):  # a Sym: left open by a function
        return None
    channels, body, aux, min_size, below_min, head_rows = builders[builder]
    body_params, _, per_token = body
    image_size = None
    if family.layout == "NLC":
        image_size = kwargs.get("image_size", 224)
        patch = _vit_patch(builder)
        if not isinstance(image_size, int) or image_size % patch:
            return None
        body_params += per_token * ((image_size // patch) ** 2 + 1)
        if below_min is not None:  # torch._assert's text names the expected and received sizes
            text = below_min[1].replace("Expected 224 but got 223", f"Expected {image_size} but got {image_size - 1}")
            below_min = (below_min[0], text)
        min_size = image_size
    aux_params = 0
    if family.aux_modules and kwargs.get("aux_logits", True):
        if not isinstance(kwargs.get("aux_logits", True), bool):
            return None
        aux_params = aux[0] + aux[1] * num_classes
    head = tuple(_head_layer(row, num_classes) for row in head_rows)
    error = ForwardError(*below_min) if below_min else None
    return TorchvisionModel(
        builder, family_name, family.body, channels, body_params, aux_params, head,
        (min_size, min_size), error, image_size,
    )


def _head_layer(row: tuple[Any, ...], num_classes: int) -> HeadLayer:
    path, kind, attributes, (base, per_class), _ = row
    values = {k: num_classes if v == "num_classes" else v for k, v in attributes.items()}
    return HeadLayer(path, kind, values, base + per_class * num_classes)


def head_layer_repr(builder: str, path: str, num_classes: int = 1000) -> Optional[str]:
    """``repr(model.<path>)`` of a head layer as torchvision prints it."""
    for row in _data().BUILDERS[builder][5]:
        if row[0] == path:
            return str(row[4]).replace("{num_classes}", str(num_classes))
    return None
