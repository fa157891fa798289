"""Hover Markdown, inlay labels, settings and position conversion, on hand-built values."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from shapelens import render
from shapelens.analysis.dims import format_output, format_shape, symbol
from shapelens.analysis.report import Layer, Model, Span
from shapelens.lsp.convert import from_position, to_position
from shapelens.lsp.options import ServerOptions, options_from_settings

CONV = Layer(
    class_name="Conv2D",
    span=Span(3, 4, 3, 24),
    input_shapes=((None, 63, 63, 3),),
    output_shape=(None, 61, 61, 32),
    params=896,
    arithmetic=("height: floor((63 - 3) / 1) + 1 = 61", "width: floor((63 - 3) / 1) + 1 = 61"),
)
POOL = Layer("MaxPooling2D", Span(4, 4, 4, 26), ((None, 61, 61, 32),), (None, 30, 30, 32), 0)
LSTM = Layer("LSTM", Span(5, 4, 5, 40), ((None, 10, 8),), ((None, 16), (None, 16), (None, 16)), 1600)
UNKNOWN = Layer(
    "Conv2D", Span(6, 4, 6, 30), ((None, 8, 8, 3),), None, None,
    unknown_reason="argument `filters` of Conv2D is not a constant",
)


def test_layer_card_has_class_shapes_params_and_arithmetic():
    assert render.layer_card(CONV) == "\n".join([
        "**Conv2D**",
        "",
        "`(None, 63, 63, 3)` → `(None, 61, 61, 32)`",
        "",
        "Params: 896",
        "",
        "```text",
        "height: floor((63 - 3) / 1) + 1 = 61",
        "width: floor((63 - 3) / 1) + 1 = 61",
        "```",
    ])


def test_an_unknown_shape_says_why():
    card = render.layer_card(UNKNOWN)
    assert "Output shape unknown: argument `filters` of Conv2D is not a constant" in card
    assert "Params: ?" in card


def test_a_card_says_what_the_size_symbols_of_its_layer_stand_for():
    filters = symbol("filters")
    layer = Layer("Conv2D", Span(6, 4, 6, 30), ((None, 8, 8, 3),), (None, 6, 6, filters), 28 * filters)
    symbols = (("filters", "`filters`, not known statically: `int` of an unknown value"), ("H", "input height"))
    card = render.layer_card(layer, symbols)
    assert "`(None, 8, 8, 3)` → `(None, 6, 6, filters)`" in card
    assert "`filters`: `filters`, not known statically: `int` of an unknown value" in card
    assert "input height" not in card  # a symbol of the model that this layer's sizes do not use


def test_several_outputs_render_as_a_list():
    assert format_output(LSTM.output_shape) == "[(None, 16), (None, 16), (None, 16)]"
    assert format_shape((None,)) == "(None,)"


def test_a_layer_in_a_helper_called_twice_gets_one_card_per_call():
    first = Layer("Conv2D", CONV.span, ((None, 32, 32, 3),), (None, 30, 30, 8), 224, context="block(x, 8)")
    second = Layer("Conv2D", CONV.span, ((None, 15, 15, 8),), (None, 13, 13, 8), 584, context="block(y, 8)")
    model = Model("m", "keras", Span(1, 0, 12, 1), (first, second), (None, 32, 32, 3))
    hover = render.layers_hover([(model, first), (model, second)])
    assert hover.count("**Conv2D**") == 2
    assert "in `block(y, 8)`" in hover and "---" in hover
    assert render.inlay_label([first, second]) == "→ (None, 30, 30, 8) | (None, 13, 13, 8)"


def test_model_summary_lists_layers_and_counts_a_shared_layer_once():
    shared = Layer("Dense", Span(9, 0, 9, 10), ((None, 4),), (None, 4), 20)
    model = Model("siamese", "keras", Span(1, 0, 12, 1), (CONV, POOL, shared, shared), (None, 63, 63, 3))
    summary = render.model_summary(model)
    assert summary.splitlines()[:5] == [
        "**Model `siamese`** (keras)",
        "",
        "| Layer | Output shape | Params |",
        "| --- | --- | ---: |",
        "| Input | `(None, 63, 63, 3)` | 0 |",
    ]
    assert "| Conv2D | `(None, 61, 61, 32)` | 896 |" in summary
    assert summary.endswith("Total params: 916")


def test_model_summary_total_is_unknown_when_a_count_is():
    model = Model("m", "keras", Span(1, 0, 3, 1), (CONV, UNKNOWN), (None, 63, 63, 3))
    assert render.model_summary(model).endswith("Total params: ?")


def test_the_cli_table_and_the_hover_table_show_the_same_rows():
    block = Layer("Conv2D", Span(8, 8, 8, 30), ((None, 61, 61, 32),), (None, 59, 59, 1234), 1_234_567,
                  context="build() > block(x, 64)")
    failed = Layer("MaxPooling2D", Span(9, 4, 9, 30), ((None, 1, 1, 64),), None, 0, failed=True)
    model = Model("net", "keras", Span(1, 0, 12, 1), (CONV, block, failed), (None, 63, 63, 3), context="build()")
    assert render.summary_table(model) == [
        "   line  Layer (type)  Output shape          Params     Called from",
        "      4  Conv2D        (None, 61, 61, 32)    896",
        "      9  Conv2D        (None, 59, 59, 1234)  1,234,567  block(x, 64)",
        "     10  MaxPooling2D  error (see above)     0",
        "  Total params: 1,235,463",
    ]
    assert render.model_summary(model).splitlines()[5:] == [
        "| Conv2D | `(None, 61, 61, 32)` | 896 |",
        "| Conv2D | `(None, 59, 59, 1234)` | 1,234,567 |",
        "| MaxPooling2D | `?` | 0 |",
        "",
        "Total params: 1,235,463",
    ]


def test_settings_defaults_and_overrides():
    assert options_from_settings(None) == ServerOptions()
    options = options_from_settings(
        {"enable": False, "inlayHints": {"enable": False}, "debounceMs": 40, "severity": {"spatial-collapse": "off", "x": "loud"}}
    )
    assert options == ServerOptions(enable=False, inlay_hints=False, debounce_ms=40, severity={"spatial-collapse": "off"})
    assert options.severity_for("spatial-collapse", "warning") is None
    assert options.severity_for("negative-dimension", "error") == "error"


def test_settings_accept_the_wrapping_section_and_flat_keys_and_ignore_bad_values():
    assert options_from_settings({"shapelens": {"debounceMs": 10}}).debounce_ms == 10
    assert options_from_settings({"inlayHints.enable": False}).inlay_hints is False
    assert options_from_settings({"debounceMs": "fast", "enable": "yes"}) == ServerOptions()
    assert options_from_settings({"debounceMs": -5}).debounce_ms == 0


def test_columns_round_trip_through_utf16_and_utf8():
    lines = ["x = '🧠形' + f(1)"]
    col = lines[0].index("f(")
    utf16, utf8 = PositionCodec(types.PositionEncodingKind.Utf16), PositionCodec(types.PositionEncodingKind.Utf8)
    assert to_position(0, col, lines, utf16).character == col + 1  # the emoji is two UTF-16 units
    assert to_position(0, col, lines, utf8).character == len(lines[0][:col].encode("utf-8"))
    for codec in (utf16, utf8):
        assert from_position(to_position(0, col, lines, codec), lines, codec) == (0, col)


def test_a_client_column_inside_a_surrogate_pair_maps_to_its_character():
    lines = ["'🧠'"]
    codec = PositionCodec(types.PositionEncodingKind.Utf16)
    assert from_position(types.Position(line=0, character=2), lines, codec) == (0, 1)
    assert from_position(types.Position(line=0, character=99), lines, codec) == (0, 3)


def test_code_ends_before_a_trailing_comment_but_not_at_a_hash_in_a_string():
    from shapelens.lsp.features import code_end

    assert code_end('    layers.Conv2D(8, 3),  # too wide') == len("    layers.Conv2D(8, 3),")
    assert code_end("    layers.Dense(4, name='#1'),") == len("    layers.Dense(4, name='#1'),")
    assert code_end('x = f("""a # b""")  # note') == len('x = f("""a # b""")')
    assert code_end("s = 'it\\'s # here'  ") == len("s = 'it\\'s # here'")
