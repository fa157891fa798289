"""Where an assumed value comes from.

Some values are not in the file's text: an argparse default (the script may be run with other
arguments), a library's configured default (``image_data_format()``). The analysis uses them and
says so: such a value carries notes (``NotedInt`` / ``NotedFloat`` / ``NotedStr`` behave exactly as
their base type), arithmetic keeps them, a branch decided by reading one notes what it assigns, and
every layer built or applied on a noted value shows the notes in its hover.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from .core import Interpreter

Notes = tuple[str, ...]
MAX_ITEMS = 64  # a longer sequence is data, not configuration: its items are not searched


class NotedInt(int):
    notes: Notes = ()


class NotedFloat(float):
    notes: Notes = ()


class NotedStr(str):
    notes: Notes = ()


NOTED_TYPES = (NotedInt, NotedFloat, NotedStr)
PLAIN_TYPES = frozenset({int, float, str, bool, type(None)})
_NOTED_OF = ((int, NotedInt), (float, NotedFloat), (str, NotedStr))


def merge(*groups: Iterable[str]) -> Notes:
    """The notes of several values, each once, in order."""
    present = [group for group in groups if group]
    if len(present) <= 1:
        return tuple(present[0]) if present else ()
    out: list[str] = []
    for group in present:
        for note in group:
            if note not in out:
                out.append(note)
    return tuple(out)


def noted(value: object, notes: Notes) -> object:
    """The value carrying these notes too (numbers, strings, tuples of them, values that keep notes)."""
    if not notes or value is None or isinstance(value, bool):
        return value
    if type(value) is tuple or type(value) in NOTED_TYPES or type(value) in (int, float, str):
        if isinstance(value, tuple):
            return tuple(noted(item, notes) for item in value) if len(value) <= MAX_ITEMS else value
        for base, kind in _NOTED_OF:
            if isinstance(value, base):
                made = kind(value)
                made.notes = merge(getattr(value, "notes", ()), notes)
                return made
    with_notes = getattr(value, "with_notes", None)
    return with_notes(notes) if with_notes is not None else value


def notes_of(value: object, depth: int = 0) -> Notes:
    """The notes a value carries, looking into tuples, lists and dicts (not too deep)."""
    kind = type(value)
    if kind in NOTED_TYPES:
        return value.notes  # type: ignore[union-attr]
    if kind in PLAIN_TYPES:
        return ()
    if kind is tuple or kind is list or kind is dict:
        if depth >= 3 or len(value) > MAX_ITEMS:  # type: ignore[arg-type]
            return ()
        items = value.values() if kind is dict else value  # type: ignore[union-attr]
        found: Notes = ()
        for item in items:  # type: ignore[union-attr]
            inner = notes_of(item, depth + 1)
            if inner:
                found = merge(found, inner)
        return found
    return getattr(value, "notes", ()) if hasattr(kind, "with_notes") else ()


def call_notes(interp: "Interpreter", args: list, kwargs: dict) -> Notes:
    """The notes of a constructor call: of its arguments, and of the decisions it is made under."""
    found: Notes = ()
    for group in (args, kwargs.values()):
        if len(group) > MAX_ITEMS:
            continue
        for item in group:
            if type(item) in PLAIN_TYPES:  # the commonest arguments, and they carry no notes
                continue
            inner = notes_of(item, 1)
            if inner:
                found = merge(found, inner)
    active = interp.active_notes()
    return merge(found, active) if active else found

