"""The table of PyTorch layer rules (``torch.nn``), in torch's argument order, with torch's words.
Shapes are (N, C, *spatial); torch also accepts unbatched input (C, *spatial)."""

from __future__ import annotations

from ...rules import LayerRule, table
from . import attention, convolutional, core, normalization, padding, pooling, recurrent, reshaping

TORCH_RULES: dict[str, LayerRule] = table(
    convolutional.ROWS + pooling.ROWS + normalization.ROWS + core.ROWS + reshaping.ROWS + recurrent.ROWS
    + attention.ROWS + padding.ROWS
)

__all__ = ["TORCH_RULES"]
