"""Applying the client's incremental changes: lines break only at \\n, \\r\\n and \\r, and
columns are counted in the negotiated units."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from shapelens.lsp.documents import apply_change

UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)
UTF8 = PositionCodec(types.PositionEncodingKind.Utf8)


def change(start: tuple[int, int], end: tuple[int, int], text: str) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(
            start=types.Position(line=start[0], character=start[1]),
            end=types.Position(line=end[0], character=end[1]),
        ),
        text=text,
    )


def test_a_line_separator_inside_a_comment_does_not_start_a_line():
    text = "# a\u2028b\nx = 1\n"
    assert apply_change(text, change((1, 4), (1, 5), "2"), UTF16) == "# a\u2028b\nx = 2\n"


def test_utf16_columns_after_an_emoji():
    text = "s = '🧠'; n = 3\n"
    three = len("s = '🧠'; n = ") + 1  # the emoji is two UTF-16 units
    assert apply_change(text, change((0, three), (0, three + 1), "4"), UTF16) == "s = '🧠'; n = 4\n"


def test_utf8_columns_after_cjk():
    text = "s = '形状'; n = 3\n"
    three = len("s = '形状'; n = ".encode("utf-8"))
    assert apply_change(text, change((0, three), (0, three + 1), "4"), UTF8) == "s = '形状'; n = 4\n"


def test_crlf_lines_and_an_insertion_at_the_very_end():
    text = "a = 1\r\nb = 2\r\n"
    assert apply_change(text, change((1, 4), (1, 5), "7"), UTF16) == "a = 1\r\nb = 7\r\n"
    assert apply_change(text, change((2, 0), (2, 0), "c = 3\n"), UTF16) == "a = 1\r\nb = 2\r\nc = 3\n"


def test_a_column_past_the_end_of_a_line_means_its_end():
    assert apply_change("ab\ncd\n", change((0, 99), (1, 0), ""), UTF16) == "abcd\n"


def test_a_whole_document_change_replaces_the_text():
    whole = types.TextDocumentContentChangeWholeDocument(text="new\n")
    assert apply_change("old\n", whole, UTF16) == "new\n"
