"""The value the analysis cannot know statically, with the reason shown to the user."""

from __future__ import annotations


class Unknown:
    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"
