"""Whether the analysis followed every place a file sets ``requires_grad``: trainable counts are
given only then (a file may freeze parameters in ways it does not follow)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from . import TorchState

Site = tuple[int, int]  # (line, column) of a place the file sets requires_grad


def written_sites(tree: ast.AST, interp: "Interpreter") -> set[Site]:
    """Every place the file's text sets ``requires_grad``: ``x.requires_grad = ...`` and
    ``x.requires_grad_(...)``."""
    sites: set[Site] = set()
    if "requires_grad" not in interp.text:
        return sites  # most files set none: no walk over the whole tree
    for node in ast.walk(tree):
        target = None
        if isinstance(node, ast.Attribute) and node.attr == "requires_grad" and isinstance(node.ctx, ast.Store):
            target = node
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "requires_grad_":
            target = node
        if target is not None:
            span = interp.span(target)
            sites.add((span.start_line, span.start_col))
    return sites


def freezing_followed(interp: "Interpreter") -> bool:
    """Whether every ``requires_grad`` the file sets was followed (then trainable counts are known)."""
    state: "TorchState" = interp.states["torch"]  # type: ignore[assignment]
    if state.written_sites is None:
        state.written_sites = written_sites(interp.tree, interp)
    return state.written_sites <= state.followed_sites
