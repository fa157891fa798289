"""Pretrained ``torchvision.models`` builds without a download.

A builder given weights (``weights=ResNet50_Weights.DEFAULT``, ``weights="IMAGENET1K_V1"``,
``pretrained=True``) first applies what the weights fix (``num_classes``, vit's ``image_size``,
googlenet's ``aux_logits``...), builds the model, then loads the state dict from the network. Inside
``no_weight_download()`` everything up to the load runs as in torchvision; ``get_state_dict``
gives an empty stand-in that ``load_state_dict`` skips, so the model keeps its initial values
(shapes and parameter counts are those of the pretrained model; the values are not). Anything
else that tries to fetch a URL raises.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from torch import nn

from oracle_backbones.torchvision_import import import_torchvision

torchvision = import_torchvision()
import torchvision.models._api as weights_api  # noqa: E402


class StubState(dict):
    """The state dict of pretrained weights, never downloaded: empty, and skipped when loaded."""


class DownloadRefused(RuntimeError):
    """A download was attempted inside ``no_weight_download()``."""


@contextlib.contextmanager
def no_weight_download() -> Iterator[None]:
    enum_class = weights_api.WeightsEnum
    original_get = enum_class.get_state_dict
    original_load = nn.Module.load_state_dict
    original_url_loader = weights_api.load_state_dict_from_url

    def stub_state(self: Any, *args: Any, **kwargs: Any) -> StubState:
        return StubState()

    def load(module: nn.Module, state_dict: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(state_dict, StubState):
            return nn.modules.module._IncompatibleKeys([], [])
        return original_load(module, state_dict, *args, **kwargs)

    def refuse(url: str, *args: Any, **kwargs: Any) -> Any:
        raise DownloadRefused(f"no download in the oracle: {url}")

    enum_class.get_state_dict = stub_state  # type: ignore[method-assign]
    nn.Module.load_state_dict = load  # type: ignore[method-assign]
    weights_api.load_state_dict_from_url = refuse
    try:
        yield
    finally:
        enum_class.get_state_dict = original_get  # type: ignore[method-assign]
        nn.Module.load_state_dict = original_load  # type: ignore[method-assign]
        weights_api.load_state_dict_from_url = original_url_loader
