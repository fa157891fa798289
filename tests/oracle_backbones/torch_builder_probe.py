"""What a ``torchvision.models`` builder call does besides the architecture: its weights enum,
what pretrained weights change, and the first convolution an input meets.

Models are built on torch's ``meta`` device (no memory, no arithmetic) with initialisation
skipped and weight loading stubbed (``weights_stub.no_weight_download``: nothing is downloaded).
Only the exact text of an exception needs real tensors: the stem convolution alone is put on the
CPU for the text of a wrong channel count. Results are JSON, cached like ``torch_probe``'s.

``probe(builder, "weights")``  the enum: members (the num_classes and smallest input each
                               fixes), DEFAULT, what ``pretrained=True`` loads (or the exception),
                               and the exception of ``weights=DEFAULT, num_classes=10``
``probe(builder, "stem", size=S)``  the first Conv2d a forward pass of (2, 3, S, S) applies
                               (weight shape, groups) and torch's words for a 1-channel input
``probe(builder, "build", kwargs, size=S)``  ``builder(**kwargs)`` (``weights`` given as a member
                               name): parameter counts, ``aux_logits`` / ``transform_input``,
                               the output of (2, 3, S, S) in eval mode, and for
                               ``transform_input`` the exception for a 1-channel input; or the
                               exception of the call
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Mapping, Optional

import torch

from oracle_backbones.cache import cached, is_cached
from oracle_backbones.torch_probe import VERSION, _skip_initialisation, torchvision
from oracle_backbones.weights_stub import no_weight_download

import torchvision.models._api as weights_api  # noqa: E402


class _Captured(Exception):
    def __init__(self, weights: Any) -> None:
        super().__init__(repr(weights))
        self.weights = weights


@contextlib.contextmanager
def _capture_weights() -> Iterator[None]:
    """The weights a builder would load: ``get_state_dict`` raises with them."""
    enum_class = weights_api.WeightsEnum
    original = enum_class.get_state_dict

    def capture(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise _Captured(self)

    enum_class.get_state_dict = capture  # type: ignore[method-assign]
    try:
        yield
    finally:
        enum_class.get_state_dict = original  # type: ignore[method-assign]


def _error(error: BaseException) -> list[str]:
    return [type(error).__name__, str(error)]


def _builder(name: str) -> Any:
    return torchvision.models.get_model_builder(name)


def _construct(builder: str, **kwargs: Any) -> torch.nn.Module:
    """``builder(**kwargs)`` on the meta device; a builder that computes its widths with real
    tensors (regnet) is built on the CPU, then moved there."""
    try:
        with torch.device("meta"):
            return _builder(builder)(**kwargs)
    except NotImplementedError:  # "Cannot copy out of meta tensor"
        return _builder(builder)(**kwargs).to("meta")


def _weights(builder: str) -> dict[str, Any]:
    enum = torchvision.models.get_model_weights(builder)
    members = {
        # categories None: weights without a classifier (vgg16's IMAGENET1K_FEATURES), num_classes kept
        name: [None if member.meta["categories"] is None else len(member.meta["categories"]), list(member.meta["min_size"])]
        for name, member in enum.__members__.items()
        if member.name == name  # DEFAULT is an alias
    }
    result: dict[str, Any] = {"enum": enum.__name__, "members": members, "default": enum.DEFAULT.name}
    with _skip_initialisation(), _capture_weights():
        try:
            _construct(builder, pretrained=True)
            result["legacy"] = None  # (never: pretrained=True always loads or raises)
        except _Captured as captured:
            result["legacy"] = captured.weights.name
        except Exception as error:  # the library's refusal is the datum
            result["legacy_error"] = _error(error)
        try:
            _construct(builder, weights=enum.DEFAULT, num_classes=10)
        except _Captured:
            result["num_classes_error"] = None
        except Exception as error:
            result["num_classes_error"] = _error(error)
    return result


def _first_conv(model: torch.nn.Module, size: int) -> Optional[torch.nn.Conv2d]:
    found: list[torch.nn.Conv2d] = []

    def note(module: torch.nn.Module, args: Any) -> None:
        if isinstance(module, torch.nn.Conv2d) and not found:
            found.append(module)

    handles = [m.register_forward_pre_hook(note) for m in model.modules()]
    try:
        with torch.no_grad():
            model(torch.zeros(2, 3, size, size, device="meta"))
    finally:
        for handle in handles:
            handle.remove()
    return found[0] if found else None


def _stem(builder: str, size: int) -> dict[str, Any]:
    with _skip_initialisation():
        model = _construct(builder).eval()
    conv = _first_conv(model, size)
    if conv is None:
        return {"conv": None}
    result: dict[str, Any] = {"weight": list(conv.weight.shape), "groups": conv.groups}
    conv.to_empty(device="cpu")  # the words of the channel check are the CPU kernel's
    try:
        with torch.no_grad():
            model(torch.zeros(2, 1, size, size))
        result["one_channel"] = None
    except Exception as error:
        result["one_channel"] = _error(error)
    return result


def _build(builder: str, kwargs: Mapping[str, Any], size: Optional[int]) -> dict[str, Any]:
    try:
        with _skip_initialisation(), no_weight_download():
            model = _construct(builder, **kwargs).eval()
    except Exception as error:
        return {"build_error": _error(error)}
    parameters = list(model.parameters())
    result: dict[str, Any] = {
        "total": sum(p.numel() for p in parameters),
        "children": [name for name, child in model.named_children() if child is not None],
        "aux_logits": getattr(model, "aux_logits", None),
        "transform_input": getattr(model, "transform_input", None),
        "image_size": getattr(model, "image_size", None),
    }
    if size is not None:
        try:
            with torch.no_grad():
                output = model(torch.zeros(2, 3, size, size, device="meta"))
            result["output"] = list(output.shape)
        except Exception as error:
            result["output_error"] = _error(error)
        if result["transform_input"]:
            try:  # the transform indexes the channels before any layer: CPU input, meta model
                model(torch.zeros(2, 1, size, size))
            except Exception as error:
                result["one_channel"] = _error(error)
    return result


def _call(builder: str, kind: str, kwargs: Optional[Mapping[str, Any]] = None, size: Optional[int] = None) -> dict[str, Any]:
    return {"builder": builder, "kind": kind, "kwargs": dict(kwargs or {}), "size": size}


def probe(builder: str, kind: str, kwargs: Optional[Mapping[str, Any]] = None, size: Optional[int] = None) -> dict[str, Any]:
    """See the module's docstring."""

    def compute() -> dict[str, Any]:
        if kind == "weights":
            return _weights(builder)
        if kind == "stem":
            assert size is not None
            return _stem(builder, size)
        if kind == "build":
            return _build(builder, kwargs or {}, size)
        raise ValueError(f"unknown probe kind {kind!r}")

    return cached("torchvision-builder", VERSION, _call(builder, kind, kwargs, size), compute)


def probe_is_cached(builder: str, kind: str, kwargs: Optional[Mapping[str, Any]] = None, size: Optional[int] = None) -> bool:
    return is_cached("torchvision-builder", VERSION, _call(builder, kind, kwargs, size))
