"""Markdown for hovers and the text of inlay hints, rendered from engine results."""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

from shapelens.analysis.report import Layer, Model, OutputShape

INPUT_CLASSES = frozenset({"Input", "InputLayer"})


def format_shape(shape: OutputShape) -> str:
    """``(None, 63, 63, 32)`` as Python prints it; several outputs as a list; ``?`` if unknown."""
    if shape is None:
        return "?"
    if shape and isinstance(shape[0], tuple):
        return "[" + ", ".join(format_shape(s) for s in shape) + "]"
    return repr(tuple(shape))


def format_count(count: Optional[int]) -> str:
    return "?" if count is None else f"{count:,}"


def format_input_shapes(shapes: Sequence[OutputShape]) -> str:
    if len(shapes) == 1:
        return format_shape(shapes[0])
    return "[" + ", ".join(format_shape(s) for s in shapes) + "]"


def inlay_label(layers: Iterable[Layer]) -> str:
    """``→ (None, 63, 63, 32)``; a layer applied with several shapes (a helper called twice)
    lists each distinct one once."""
    shapes: list[str] = []
    for layer in layers:
        text = format_shape(layer.output_shape)
        if text not in shapes:
            shapes.append(text)
    return "→ " + " | ".join(shapes)


def _unknown_line(layer: Layer) -> str:
    reason = layer.unknown_reason or "its input shape is unknown"
    return f"Output shape unknown: {reason}"


def layer_card(layer: Layer) -> str:
    """One layer application: class, input → output shape, parameters, window arithmetic."""
    title = f"**{layer.class_name}**"
    if layer.context:
        title += f" — in `{layer.context}`"
    lines = [title, ""]
    if layer.class_name in INPUT_CLASSES:
        lines.append(f"Input shape `{format_shape(layer.output_shape)}`")
        return "\n".join(lines)
    if layer.output_shape is None:
        if layer.input_shapes:
            lines.append(f"Input `{format_input_shapes(layer.input_shapes)}`")
            lines.append("")
        lines.append(_unknown_line(layer))
    else:
        inputs = format_input_shapes(layer.input_shapes) if layer.input_shapes else "?"
        lines.append(f"`{inputs}` → `{format_shape(layer.output_shape)}`")
    lines.append("")
    lines.append(f"Params: {format_count(layer.params)}")
    if layer.arithmetic:
        lines += ["", "```text", *layer.arithmetic, "```"]
    return "\n".join(lines)


def layers_hover(layers: Sequence[Layer]) -> str:
    """Every application of the layer under the cursor (helpers give several), one card each."""
    return "\n\n---\n\n".join(layer_card(layer) for layer in layers)


def input_card(model_name: str, shape: OutputShape) -> str:
    return f"**Input** of `{model_name}`\n\nShape `{format_shape(shape)}`"


def model_summary(model: Model) -> str:
    """The model as ``model.summary()`` shows it: one row per layer, then the total."""
    title = f"**Model `{model.name}`** ({model.framework})"
    if model.context:
        title += f" — in `{model.context}`"
    rows = ["| Layer | Output shape | Params |", "| --- | --- | ---: |"]
    if model.input_shape is not None and not any(
        layer.class_name in INPUT_CLASSES for layer in model.layers
    ):
        rows.append(f"| Input | `{format_shape(model.input_shape)}` | 0 |")
    for layer in model.layers:
        rows.append(
            f"| {layer.class_name} | `{format_shape(layer.output_shape)}` "
            f"| {format_count(layer.params)} |"
        )
    total = f"Total params: {format_count(model.total_params)}"
    assumed = ["", model.assumptions] if model.assumptions else []
    return "\n".join([title, "", *rows, "", total, *assumed])
