"""The workspace's documents apply the client's incremental changes as LSP means them: lines
break only at \\n, \\r\\n and \\r, and columns are counted in the negotiated units."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from shapelens.lsp.workspace import TEXT_SYNC, LspTextDocument, LspWorkspace

UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)
UTF8 = PositionCodec(types.PositionEncodingKind.Utf8)
URI = "untitled:edited.py"


def workspace_with(text: str, codec: PositionCodec) -> LspWorkspace:
    workspace = LspWorkspace(None, TEXT_SYNC, position_encoding=codec.encoding)
    workspace.put_text_document(types.TextDocumentItem(uri=URI, language_id="python", version=1, text=text))
    return workspace


def apply_change(text: str, change: types.TextDocumentContentChangeEvent, codec: PositionCodec) -> str:
    """The text after one change, applied the way pygls applies a didChange."""
    workspace = workspace_with(text, codec)
    workspace.update_text_document(types.VersionedTextDocumentIdentifier(uri=URI, version=2), change)
    document = workspace.get_text_document(URI)
    assert document.version == 2
    return document.source


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


def test_the_workspace_keeps_lsp_documents_whose_lines_break_only_at_line_endings():
    document = workspace_with("a\x0cb\u2028c\x85d\r\ne\rf\n", UTF16).get_text_document(URI)
    assert isinstance(document, LspTextDocument)
    assert document.lines == ("a\x0cb\u2028c\x85d\r\n", "e\r", "f\n")


def test_a_column_past_the_end_of_the_last_line_means_its_end():
    assert apply_change("x = 1", change((0, 5), (0, 99), "0"), UTF16) == "x = 10"
