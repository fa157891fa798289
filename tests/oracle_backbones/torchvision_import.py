"""``import torchvision`` with the CPU build of torch.

The torchvision wheel on PyPI is built against the CUDA torch; with ``torch==2.13.0+cpu`` its
compiled extension does not load, and ``import torchvision`` fails while registering fake
implementations of two detection operators it expects the extension to have declared. Declaring
their schemas first is enough for ``torchvision.models`` (no detection operator is ever run).
"""

from __future__ import annotations

import types

import torch

_LIBRARY: "torch.library.Library | None" = None  # kept alive: the definitions live with it


def _declared(operator: str) -> bool:
    try:
        getattr(torch.ops.torchvision, operator)
    except (AttributeError, RuntimeError):
        return False
    return True


def import_torchvision() -> types.ModuleType:
    """The ``torchvision`` module, declaring the operator schemas the CPU torch lacks."""
    global _LIBRARY
    if _LIBRARY is None and not _declared("nms"):
        _LIBRARY = torch.library.Library("torchvision", "DEF")
        _LIBRARY.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
        _LIBRARY.define("qnms(Tensor qdets, Tensor scores, float iou_threshold) -> Tensor")
    import torchvision

    return torchvision
