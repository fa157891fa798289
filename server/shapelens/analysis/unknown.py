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


class SomeItems(Unknown):
    """Items of a list, tuple or dict whose number the analysis cannot tell: the paths of an
    undecided branch left different numbers, or it was extended with what cannot be iterated
    statically. A sequence that holds one has no known length and no known items past it (a
    dict that has one as a key, no known keys), and what iterates it does not know what it gets;
    copies and concatenations carry it along."""

    __slots__ = ()


EXTENDED = "the number of items of a list extended with what cannot be iterated statically is not known"


def some_items(items: "list | tuple | dict") -> "SomeItems | None":
    """The first ``SomeItems`` a list or tuple holds (a dict, as a key): its reason says why the
    number of items is not known. ``None`` when the items are all known."""
    for item in items:
        if item.__class__ is SomeItems:
            return item  # type: ignore[no-any-return]
    return None


def unknown_length(items: "list | tuple | dict") -> bool:
    """Whether a list, tuple or dict holds items of an unknown number (``SomeItems``)."""
    return some_items(items) is not None


def known_position(items: "list | tuple", index: int) -> bool:
    """Whether ``items[index]`` is the same item on every path, in a sequence that may hold
    ``SomeItems``: an index before the first of them, or from the end after the last."""
    if index >= 0:
        return all(item.__class__ is not SomeItems for item in items[: index + 1])
    return all(item.__class__ is not SomeItems for item in items[index:])


def items_of_unknown_length(items: "list | tuple", index: "int | slice") -> object:
    """``items[index]`` of a sequence that holds ``SomeItems``: the item where it is the same on
    every path, a slice within the items known from the start, and otherwise items of an
    unknown number (a slice) or an unknown item."""
    if isinstance(index, int):
        if known_position(items, index):
            return items[index]
        return Unknown(some_items(items).reason)  # type: ignore[union-attr]
    start, stop, step = index.start or 0, index.stop, index.step or 1
    if step > 0 and start >= 0 and stop is not None and stop >= 0 and known_position(items, stop - 1):
        return items[index]
    return type(items)([some_items(items)])


def keyword_arguments(kwargs: dict) -> "SomeItems | None":
    """Keyword arguments some of which are not known (``f(**config)`` with a config read at run
    time): their dict has a ``SomeItems`` key, and any parameter not passed by name may be one of
    them. ``None`` when every keyword argument is known."""
    return some_items(kwargs) if kwargs else None


def known_keywords(kwargs: dict) -> dict:
    """The keyword arguments passed by a name the analysis knows."""
    return {key: value for key, value in kwargs.items() if key.__class__ is str}


def unpacked_keywords(value: object, what: str) -> dict:
    """The keyword arguments ``**value`` passes: a dict's items under string keys, and a
    ``SomeItems`` key standing for those not known (the dict's unknown keys, or all of them when
    ``value`` is not a dict the analysis can read)."""
    if not isinstance(value, dict):
        reason = f"the keyword arguments `{what}` passes cannot be read statically"
        return {SomeItems(reason): Unknown(reason)}
    out: dict = {}
    for key, item in value.items():
        if isinstance(key, str):
            out[key] = item
        elif isinstance(key, Unknown):
            lost = key if key.__class__ is SomeItems else SomeItems(f"a key of the dict `{what}` unpacks is not known statically")
            out[lost] = item
    return out


def positional_arguments(args: list, parameters: int) -> list:
    """The arguments as ``parameters`` positional parameters take them: from the first items of
    an unknown number (``f(*items)``) on, which goes where is not known."""
    lost = some_items(args)
    if lost is None:
        return args
    at = args.index(lost)
    return args[:at] + [Unknown(lost.reason)] * (parameters - at) + args[at:]
