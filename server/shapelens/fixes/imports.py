"""Adding a name to the ``from ... import`` that already brings in its sibling."""

from __future__ import annotations

from typing import Optional

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, ImportItem

from shapelens.analysis.report import TextEdit
from shapelens.fixes.arguments import separator_like
from shapelens.fixes.context import FixContext


class AppendImportsVisitor(AddImportsVisitor):
    """libcst's ``AddImportsVisitor``, writing the new names after the existing ones in the
    import's own layout (libcst puts them first): ``from keras.layers import (Conv2D, Dense,)``
    gets ``Flatten,`` on a line of its own."""

    def leave_ImportFrom(self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom) -> cst.ImportFrom:
        merged = super().leave_ImportFrom(original_node, updated_node)
        if isinstance(merged.names, cst.ImportStar) or isinstance(updated_node.names, cst.ImportStar):
            return merged
        added = len(merged.names) - len(updated_node.names)
        names = list(updated_node.names)
        for alias in merged.names[:added]:
            last = names[-1]
            separator = names[-2].comma if len(names) > 1 else cst.MaybeSentinel.DEFAULT
            names[-1] = last.with_changes(comma=separator_like(separator))
            names.append(alias.with_changes(comma=last.comma))
        return updated_node.with_changes(names=names) if added > 0 else merged


def import_alongside(context: FixContext, sibling: str, name: str) -> Optional[tuple[TextEdit, ...]]:
    """The edits that make ``name`` importable where it is used: none if an import already
    binds it (or ``*``); else added to the last top-level ``from`` import that binds
    ``sibling``; None if there is no such import."""
    statements = context.statements
    if statements.imports_name(name):
        return ()
    host = next(
        (
            imported
            for imported in reversed(statements.imports)
            if imported.is_from and sibling in imported.bound_names
        ),
        None,
    )
    if host is None or host.level > 0 or host.module is None:
        return None  # a relative module is the user's own: it need not have ``name``
    region = context.region_of_lines(host.first_line, host.last_line)
    if region is None:
        return None
    visitor = AppendImportsVisitor(CodemodContext(), [ImportItem(host.module, name)])
    edits = region.edits_for(visitor.transform_module(region.module))
    return edits or None
