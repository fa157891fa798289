"""Shapes and summary tables as people read them: the CLI's text and the editor's Markdown.

Shapes are printed only through ``shapelens.analysis.dims``; a model's summary rows are
computed once (``summary_rows``) and laid out as a text table (``summary_table``, the CLI) or
a Markdown table (``model_summary``, the hover).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Optional, Sequence

from shapelens.analysis.dims import Dim, OutputShape, pretty_dim, pretty_output as format_output
from shapelens.analysis.report import Layer, Model, Span
from shapelens.analysis.requirements import symbols_in



def format_count(count: Dim) -> str:
    """``1,234``, ``33·num_classes``, or ``?`` when the count is unknown."""
    if count is None:
        return "?"
    return f"{count:,}" if isinstance(count, int) else pretty_dim(count)


def format_input_shapes(shapes: Sequence[OutputShape]) -> str:
    """One input's shape, or several inputs' shapes as a list."""
    if len(shapes) == 1:
        return format_output(shapes[0])
    return "[" + ", ".join(format_output(s) for s in shapes) + "]"


# --- the summary table, like ``model.summary()`` ------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    span: Span  # the layer's constructor
    path: Optional[str]  # its file, when it is another file of the project
    class_name: str
    output_shape: str  # ``?`` when unknown
    failed: bool  # the library rejects this application (a diagnostic says why)
    params: str
    called_from: str  # the helper calls between the model's scope and the layer, or ""


def helper_calls(layer_context: str, model_context: str) -> str:
    """The helper calls between the model's own scope and the layer: ``residual_block(x, 64)``."""
    if model_context and layer_context.startswith(model_context):
        return layer_context[len(model_context):].lstrip(" >")
    return layer_context


def summary_rows(model: Model) -> tuple[SummaryRow, ...]:
    return tuple(
        SummaryRow(
            span=layer.span,
            path=layer.path,
            class_name=layer.class_name,
            output_shape=format_output(layer.output_shape),
            failed=layer.failed,
            params=format_count(layer.params),
            called_from=helper_calls(layer.context, model.context),
        )
        for layer in model.layers
    )


def line_of(span: Span) -> str:
    return str(span.start_line + 1)


def summary_table(model: Model, where: Callable[[Span], str] = line_of, where_header: str = "line",
                  layer_file: Callable[[str], str] = str) -> list[str]:
    """The CLI's table: where the layer is (its line; ``cell:line`` in a notebook; ``models.py:12``
    for a layer of another file of the project, named by ``layer_file``), layer, output shape,
    params, the total, and where a helper was called."""
    rows = [
        (where(row.span) if row.path is None else f"{layer_file(row.path)}:{row.span.start_line + 1}", row.class_name,
         "error (see above)" if row.failed else row.output_shape, row.params, row.called_from)
        for row in summary_rows(model)
    ]
    width = max([len("Layer (type)")] + [len(r[1]) for r in rows]) + 2
    shape_width = max([len("Output shape")] + [len(r[2]) for r in rows]) + 2
    params_width = max([len("Params")] + [len(r[3]) for r in rows]) + 2
    where_width = max([5, len(where_header)] + [len(r[0]) for r in rows])
    header = f"  {where_header:>{where_width}}  {'Layer (type)':<{width}}{'Output shape':<{shape_width}}{'Params':<{params_width}}"
    out = [(header + ("Called from" if any(r[4] for r in rows) else "")).rstrip()]
    out += [
        f"  {line:>{where_width}}  {name:<{width}}{shape:<{shape_width}}{params:<{params_width}}{context}".rstrip()
        for line, name, shape, params, context in rows
    ]
    out += [f"  {line}" for line in count_lines(model)]
    out += [f"  {line}" for line in sizes_lines(model)]
    out += [f"  note: {note}" for note in dict.fromkeys(note for layer in model.layers for note in layer.notes)]
    return out


def model_summary(model: Model) -> str:
    """The hover's table: one Markdown row per layer (after the input, if no layer is one), then the total."""
    title = f"**Model `{model.name}`** ({model.framework})"
    if model.context:
        title += f" — in `{model.context}`"
    rows = ["| Layer | Output shape | Params |", "| --- | --- | ---: |"]
    if model.input_shape is not None:
        rows.append(f"| Input | `{format_output(model.input_shape)}` | 0 |")
    rows += [f"| {row.class_name} | `{row.output_shape}` | {row.params} |" for row in summary_rows(model)]
    assumed = ["", model.assumptions] if model.assumptions else []
    return "\n".join([title, "", *rows, "", *count_lines(model, "  "), *sizes_markdown(model), *assumed])


def count_lines(model: Model, end: str = "") -> list[str]:
    """``Total params``, and as Keras' summary splits them ``Trainable`` / ``Non-trainable params`` when
    some are not trained (a frozen backbone, moving statistics). ``end`` ends a line but the last
    (two spaces: a Markdown line break)."""
    lines = [f"Total params: {format_count(model.total_params)}"]
    if model.total_params is not None and model.non_trainable_params != 0:
        lines += [f"Trainable params: {format_count(model.trainable_params)}",
                  f"Non-trainable params: {format_count(model.non_trainable_params)}"]
    return [line + end for line in lines[:-1]] + lines[-1:]


def sizes_lines(model: Model) -> list[str]:
    """What the model's size symbols stand for, and what the sizes must satisfy."""
    lines = [f"{name}: {meaning}" for name, meaning in model.symbols]
    needs = [c.text for c in model.requires if "≥" in c.text and ":" not in c.text]
    if needs:
        lines.append(f"needs {', '.join(needs)}")
    lines += [c.text for c in model.requires if c.text not in needs]
    return lines


def sizes_markdown(model: Model) -> list[str]:
    lines = sizes_lines(model)
    return ["", *(f"- {line}" for line in lines)] if lines else []


# --- hovers and inlay hints ---------------------------------------------------------------------


def inlay_label(layers: Iterable[Layer]) -> str:
    """``→ (None, 63, 63, 32)``; a layer applied with several shapes (a helper called twice)
    lists each distinct one once."""
    shapes: list[str] = []
    for layer in layers:
        text = format_output(layer.output_shape)
        if text not in shapes:
            shapes.append(text)
    return "→ " + " | ".join(shapes)


def layer_card(layer: Layer, symbols: Sequence[tuple[str, str]] = ()) -> str:
    """One layer application: class, input → output shape, parameters, what the size symbols in
    them stand for (``symbols``: its model's), window arithmetic."""
    title = f"**{layer.class_name}**"
    if layer.context:
        title += f" — in `{layer.context}`"
    lines = [title, ""]
    if layer.output_shape is None:
        if layer.input_shapes:
            lines += [f"Input `{format_input_shapes(layer.input_shapes)}`", ""]
        lines.append(f"Output shape unknown: {layer.unknown_reason or 'its input shape is unknown'}")
    else:
        inputs = format_input_shapes(layer.input_shapes) if layer.input_shapes else "?"
        lines.append(f"`{inputs}` → `{format_output(layer.output_shape)}`")
        if layer.unknown_reason:
            lines += ["", f"Some sizes unknown: {layer.unknown_reason}"]
    lines += ["", f"Params: {format_count(layer.params)}"]
    if layer.params is not None and layer.non_trainable != 0:  # a split of a known count
        lines[-1] += (f" (trainable {format_count(layer.trainable_params)}, "
                      f"non-trainable {format_count(layer.non_trainable)})")
    used = symbols_in([layer.output_shape, layer.params, *layer.input_shapes])
    meanings = [f"`{name}`: {meaning}" for name, meaning in symbols if name in used]
    if meanings:
        lines += ["", *(line + "  " for line in meanings[:-1]), meanings[-1]]
    if layer.notes:
        lines += ["", *(f"Note: {note}" for note in layer.notes)]
    if layer.arithmetic:
        lines += ["", "```text", *layer.arithmetic, "```"]
    return "\n".join(lines)


def layers_hover(layers: Sequence[tuple[Model, Layer]]) -> str:
    """Every application of the layer under the cursor (helpers give several), one card each."""
    return "\n\n---\n\n".join(layer_card(layer, model.symbols) for model, layer in layers)


def input_card(model_name: str, shape: OutputShape) -> str:
    return f"**Input** of `{model_name}`\n\nShape `{format_output(shape)}`"
