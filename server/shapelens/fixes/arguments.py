"""Reading and writing a layer constructor's arguments with libcst, keeping the call's layout."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Optional, Union

import libcst as cst

from shapelens.fixes.region import Region, code_of

# What ``literal`` returns for an argument that is not a Python literal.
NOT_LITERAL = object()


@dataclass(frozen=True)
class Signature:
    """A layer constructor's argument order and defaults, as the engine binds them."""

    positional: Optional[tuple[str, ...]]  # None: the engine does not model the class
    defaults: dict = field(default_factory=dict)

    @classmethod
    def of(cls, class_name: str, framework: str = "keras") -> "Signature":
        from shapelens.analysis import layer_signature

        found = layer_signature(framework, class_name)
        return cls(None, {}) if found is None else cls(*found)

    def takes(self, name: str) -> bool:
        return name in (self.positional or ())

    def default(self, name: str) -> object:
        """The default of an argument the call does not write (e.g. pool_size=(2, 2))."""
        return self.defaults.get(name)


def literal(node: cst.CSTNode) -> object:
    """The Python value a node writes literally, else ``NOT_LITERAL``."""
    try:
        return ast.literal_eval(code_of(node).strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return NOT_LITERAL


def keyword_literal(call: cst.Call, name: str) -> object:
    """The literal value of a keyword argument (None if absent)."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return literal(arg.value)
    return None


def find_argument(call: cst.Call, signature: Signature, name: str) -> Optional[cst.Arg]:
    """The argument that binds ``name``, by keyword or by the constructor's positional order."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    positional = [a for a in call.args if a.keyword is None and not a.star]
    names = signature.positional or ()
    if name in names and names.index(name) < len(positional):
        return positional[names.index(name)]
    return None


def separator_like(comma: Union[cst.Comma, cst.MaybeSentinel]) -> cst.Comma:
    """A comma with the whitespace of an existing separator, minus any comment on it."""
    if isinstance(comma, cst.Comma):
        after = comma.whitespace_after
        if isinstance(after, cst.ParenthesizedWhitespace):
            after = after.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
        return cst.Comma(whitespace_before=comma.whitespace_before, whitespace_after=after)
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _split_trailing_comma(trailing: cst.Comma, separator: cst.Comma) -> tuple[cst.Comma, cst.Comma]:
    """The commas around an argument appended after a trailing comma: the old last argument
    keeps its own comment, the new one ends where the old one did (before the ``)``)."""
    old_after, between = trailing.whitespace_after, separator.whitespace_after
    if isinstance(old_after, cst.ParenthesizedWhitespace) and isinstance(between, cst.ParenthesizedWhitespace):
        kept = separator.with_changes(
            whitespace_after=between.with_changes(first_line=old_after.first_line, empty_lines=old_after.empty_lines)
        )
        closing = trailing.with_changes(
            whitespace_after=old_after.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
        )
        return kept, closing
    return separator, trailing


def set_argument(call: cst.Call, signature: Signature, name: str, value_code: str) -> Optional[cst.Call]:
    """The call with ``name`` bound to ``value_code``: its value replaced where it is written,
    else added as a keyword after the last argument (keeping one-per-line layouts)."""
    value = cst.parse_expression(value_code)
    existing = find_argument(call, signature, name)
    if existing is not None:
        return call.deep_replace(existing, existing.with_changes(value=value))  # type: ignore[return-value]
    if any(a.keyword is None and not a.star for a in call.args) and signature.positional is None:
        return None  # positional order unknown: a keyword might bind an argument twice
    new_arg = cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
    if not call.args:
        return call.with_changes(args=[new_arg])
    args = list(call.args)
    last = args[-1]
    separator = args[-2].comma if len(args) > 1 else cst.MaybeSentinel.DEFAULT
    if isinstance(last.comma, cst.Comma):  # trailing comma: the new argument goes on its own line
        if isinstance(separator, cst.MaybeSentinel):
            separator = cst.Comma(whitespace_after=call.whitespace_before_args)
        last_comma, new_comma = _split_trailing_comma(last.comma, separator_like(separator))
        args[-1] = last.with_changes(comma=last_comma)
        args.append(new_arg.with_changes(comma=new_comma))
    else:
        args[-1] = last.with_changes(comma=separator_like(separator))
        args.append(new_arg)
    return call.with_changes(args=args)


def quote_of(region: Region) -> str:
    """The quote the region's first string uses (double if it has none)."""
    for node in region.positions:
        if isinstance(node, cst.SimpleString):
            return node.quote[-1:] or '"'
    return '"'
