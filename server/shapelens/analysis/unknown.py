"""The value the analysis cannot know statically, with the reason shown to the user."""

from __future__ import annotations


class Unknown:
    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def __repr__(self) -> str:
        return f"Unknown({self.reason!r})"


class NamedUnknown(Unknown):
    """An unknown value the program keeps in a variable (``state_dim = env.observation_space.shape[0]``):
    where a layer takes it as a size, it is a symbolic size named after the variable."""

    __slots__ = ("name",)

    def __init__(self, reason: str, name: str) -> None:
        self.reason = reason
        self.name = name


class Failed(Unknown):
    """Where the program itself fails (an attribute of a module that is still being imported):
    no run gives it a value, so no size is named after a variable that holds it."""

    __slots__ = ()


def derived(value: Unknown) -> Unknown:
    """What an operation on an unknown value gives (``env.action_space.n``): its reason, but not
    the name of the variable the value was in."""
    return Unknown(value.reason) if value.__class__ is NamedUnknown else value
