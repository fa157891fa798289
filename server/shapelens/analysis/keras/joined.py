"""Code whose Keras version is not known: every layer runs under Keras 2 and Keras 3 and the
answers are joined. What both reject is an error; what only one rejects is a warning that says
which one; sizes the two agree on are kept, the others become unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Mapping, Sequence, Union

from ..dims import OutputShape, Shape
from ..rules import Applied, Args, LayerRule, ShapeError, UnknownArgument
from .dialect import Keras3, dialect_of

Outcome = Union[Applied, ShapeError, UnknownArgument]
UNKNOWN_VERSION = "which Keras runs this code is not known"


class JoinedArgs(Args):
    """A constructor call bound by each version's row (defaults and argument order can differ);
    ``values`` are Keras 3's, for code that reads an argument whatever the version."""

    __slots__ = ("variants",)

    def __init__(self, class_name: str, variants: Sequence[Args]) -> None:
        super().__init__(class_name, variants[0].values)
        self.variants = tuple(variants)


@dataclass(frozen=True)
class JoinedRule(LayerRule):
    """A layer under every version its code may run with (Keras 3's row first)."""

    variants: tuple[LayerRule, ...] = ()

    @classmethod
    def of(cls, rows: Sequence[LayerRule]) -> "JoinedRule":
        first = rows[0]
        copied = {f.name: getattr(first, f.name) for f in fields(LayerRule)}
        return cls(**copied, variants=tuple(rows))

    def bind(self, positional: Sequence[object], keywords: Mapping[str, object]) -> Args:
        return JoinedArgs(self.name, [row.bind(positional, keywords) for row in self.variants])

    def apply(self, args: Args, inputs: list[Shape]) -> Applied:
        each = args.variants if isinstance(args, JoinedArgs) else (args,) * len(self.variants)
        outcomes: list[tuple[Keras3, Outcome]] = []
        for row, bound in zip(self.variants, each):
            try:
                outcomes.append((dialect_of(row), row.apply(bound, inputs)))
            except (ShapeError, UnknownArgument) as raised:
                # without its traceback: its frames would hold ``outcomes``, and so itself, in a cycle
                outcomes.append((dialect_of(row), raised.with_traceback(None)))
        return join(outcomes)


def labels(dialects: Sequence[Keras3]) -> str:
    return " and ".join(d.label for d in dialects)


def one_sided(message: str, rejecting: Sequence[Keras3], accepting: Sequence[Keras3]) -> str:
    return (f"{labels(rejecting)} rejects this, {labels(accepting)} accepts it ({UNKNOWN_VERSION}): {message}")


def joined_error(errors: Sequence[tuple[Keras3, ShapeError]]) -> ShapeError:
    """Every version rejects: the first one's finding, with the others' words where they differ."""
    first = errors[0][1]
    message = first.message
    for dialect, error in errors[1:]:
        said = error.data.get("said")
        if error.message != first.message and said and str(said) not in message:
            message += f" ({dialect.label}: \"{said}\")"
    return ShapeError(first.code, message, **first.data)


def join_shapes(shapes: Sequence[OutputShape]) -> OutputShape:
    """The sizes every version agrees on; a size they differ on is unknown."""
    first = shapes[0]
    if all(s == first for s in shapes):
        return first
    if first is None or any(s is None or len(s) != len(first) for s in shapes):
        return None
    if isinstance(first[0], tuple):
        if not all(all(isinstance(part, tuple) for part in s) for s in shapes):  # type: ignore[union-attr]
            return None
        return tuple(join_shapes([s[i] for s in shapes]) for i in range(len(first)))  # type: ignore[index, misc]
    return tuple(first[i] if all(s[i] == first[i] for s in shapes) else None  # type: ignore[index]
                 for i in range(len(first)))


def join(outcomes: Sequence[tuple[Keras3, Outcome]]) -> Applied:
    first = outcomes[0][1]
    if type(first) is Applied and not first.warnings and all(o == first for _, o in outcomes[1:]):
        return first  # the versions agree on everything (the commonest case)
    errors = [(d, o) for d, o in outcomes if isinstance(o, ShapeError)]
    applied = [(d, o) for d, o in outcomes if isinstance(o, Applied)]
    unknown = [o for _, o in outcomes if isinstance(o, UnknownArgument)]
    if errors and not applied and not unknown:
        raise joined_error(errors)
    if unknown:
        raise unknown[0]
    warnings = tuple(dict.fromkeys(w for _, a in applied for w in a.warnings))
    if errors:
        rejecting = [d for d, _ in errors]
        accepting = [d for d, _ in applied]
        warnings += tuple((error.code, one_sided(error.message, rejecting, accepting)) for _, error in errors[:1])
    results = [a for _, a in applied]
    output = join_shapes([a.output for a in results])
    if output is None and any(a.output is not None for a in results):
        raise UnknownArgument(f"the output differs between {labels([d for d, _ in applied])}")
    params = results[0].params if all(a.params == results[0].params for a in results) else None
    fixed = results[0].non_trainable if all(a.non_trainable == results[0].non_trainable for a in results) else None
    # what the sizes must satisfy, when every version accepting the layer says the same
    requires = results[0].requires if all(a.requires == results[0].requires for a in results) else ()
    return Applied(output, params, results[0].arithmetic, warnings, requires, fixed)
