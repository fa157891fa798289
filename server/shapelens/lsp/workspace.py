"""pygls' workspace, with text documents whose lines break where LSP breaks them.

pygls' ``TextDocument`` splits its text with ``str.splitlines``, which also breaks at form
feeds, vertical tabs, \\x1c-\\x1e, \\x85, \\u2028 and \\u2029; LSP (like Python) breaks lines only
at \\r\\n, \\r and \\n, so one ``# a\\u2028b`` comment would shift every position after it by a
line. pygls' own didOpen / didChange / didClose handling keeps the documents; they are
``LspTextDocument``s, and so will be a notebook's cells (text documents in the same workspace).
"""

from __future__ import annotations

import io
import itertools
import logging
from typing import Optional
from urllib.parse import unquote

import attrs
from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.workspace import TextDocument, Workspace

TEXT_SYNC = types.TextDocumentSyncKind.Incremental
log = logging.getLogger("shapelens.lsp")


def lsp_lines(text: str) -> list[str]:
    """The lines with their endings, broken only at \\r\\n, \\r and \\n."""
    return io.StringIO(text, newline="").readlines()


class LspTextDocument(TextDocument):
    """A text document whose lines, positions and incremental changes follow LSP's line breaks."""

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(lsp_lines(self.source))

    def _offset(self, lines: list[str], starts: list[int], position: types.Position) -> int:
        """The index in the text of a client position; a column past a line's end means its end,
        a line past the last means the end of the text."""
        if position.line >= len(lines):
            return starts[-1]
        content = lines[position.line].rstrip("\r\n")
        units = 0
        for index, char in enumerate(content):
            if units >= position.character:
                return starts[position.line] + index
            units += self.position_codec.client_num_units(char)
        return starts[position.line] + len(content)

    def _apply_incremental_change(self, change: types.TextDocumentContentChangePartial) -> None:
        # pygls' version clamps a column past the end of the last line one character short
        # (and writes the clamped column into the client's Position)
        text = self.source
        lines = lsp_lines(text)
        starts = list(itertools.accumulate(map(len, lines), initial=0))
        start = self._offset(lines, starts, change.range.start)
        end = max(self._offset(lines, starts, change.range.end), start)
        self._source = text[:start] + change.text + text[end:]


class LspWorkspace(Workspace):
    """pygls' workspace (text and notebook documents), holding ``LspTextDocument``s."""

    def _create_text_document(
        self,
        doc_uri: str,
        source: Optional[str] = None,
        version: Optional[int] = None,
        language_id: Optional[str] = None,
    ) -> TextDocument:
        return LspTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self.position_codec,
        )

    def update_notebook_document(self, params: types.DidChangeNotebookDocumentParams) -> None:
        """pygls' update, for an open notebook and the cells it holds: a change to a notebook that
        is not open, or to the text of a cell that is not, is logged and left out (pygls would
        raise halfway through the update)."""
        if self.get_notebook_document(notebook_uri=params.notebook_document.uri) is None:
            log.warning("a change to a notebook that is not open: %s", params.notebook_document.uri)
            return
        cells = params.change.cells
        if cells is not None and cells.text_content:
            structure = cells.structure
            opening = {unquote(item.uri) for item in (structure.did_open or ())} if structure is not None else set()
            closing = {unquote(item.uri) for item in (structure.did_close or ())} if structure is not None else set()
            opened = (set(self.text_documents) - closing) | opening
            known = [text for text in cells.text_content if unquote(text.document.uri) in opened]
            if len(known) != len(cells.text_content):
                log.warning("a change to the text of cells that are not open in %s", params.notebook_document.uri)
                params = attrs.evolve(params, change=attrs.evolve(params.change, cells=attrs.evolve(cells, text_content=known)))
        super().update_notebook_document(params)


class ShapeLensProtocol(LanguageServerProtocol):
    """pygls' language server protocol, serving its documents from an ``LspWorkspace``."""

    def use_lsp_workspace(self) -> None:
        """Replace the ``Workspace`` pygls builds at ``initialize`` (before the user's handler
        runs, so before any document arrives) by an ``LspWorkspace`` with the same settings."""
        built = self.workspace
        self._workspace = LspWorkspace(
            built.root_uri, TEXT_SYNC, list(built.folders.values()), built.position_encoding
        )
