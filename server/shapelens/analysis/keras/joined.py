"""Code whose Keras version is not known: every layer runs under Keras 2 and Keras 3 and the
answers are joined. What both reject is an error; what only one rejects is a warning that says
which one; sizes the two agree on are kept, the others become unknown.

Most layers' rows are the same in both versions but for their dialect (``dialect.py``), the only
thing a rule family asks about the version. Such a layer runs once, under Keras 3 with every
question the family asks its dialect written down; when Keras 2 answers each the same, its run
would take the same path to the same outcome, and is not made. Otherwise (another answer, a
failure, whose words differ between the versions) it runs under Keras 2 too.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping, Optional, Sequence, Union

from ..dims import OutputShape, Shape
from ..rules import Applied, Args, LayerRule, ShapeError, UnknownArgument
from .dialect import KERAS3, Keras3, dialect_of

Outcome = Union[Applied, ShapeError, UnknownArgument]
UNKNOWN_VERSION = "which Keras runs this code is not known"
# A question asked of a dialect: (attribute, positional and keyword arguments or None for a value read, answer).
Question = tuple[str, Optional[tuple], Optional[dict], object]
_ASKED = threading.local()  # ``log``: the questions of the run being recorded in this thread


# Written in a log when a rule applied another joined rule (its answers were joined already): no
# dialect has an attribute of that name, so the log is never answered alike.
NOT_REPLAYABLE: Question = ("<another joined rule>", None, None, None)


class AskedKeras3(Keras3):
    """Keras 3's answers, each question written in the recording thread's log."""

    def __getattribute__(self, name: str) -> Any:
        answer = getattr(KERAS3, name)
        log = getattr(_ASKED, "log", None)
        if log is None:
            return answer
        if not callable(answer) or name == "__class__":
            log.append((name, None, None, answer))
            return answer

        def asked(*args: object, **kwargs: object) -> object:
            result = answer(*args, **kwargs)
            log.append((name, args, kwargs, result))
            return result

        return asked


ASKED_KERAS3 = AskedKeras3()


def answers_alike(log: Sequence[Question], dialect: Keras3) -> bool:
    """Whether ``dialect`` answers every logged question as Keras 3 did (an error it would raise
    is never alike: errors are objects of their own)."""
    for name, args, kwargs, answer in log:
        try:
            other = getattr(dialect, name)
            if args is not None:
                other = other(*args, **(kwargs or {}))
        except Exception:  # noqa: BLE001 - a question the other dialect cannot answer is not answered alike
            return False
        if not (other == answer):
            return False
    return True


class JoinedArgs(Args):
    """A constructor call bound by each version's row (defaults and argument order can differ);
    ``values`` are Keras 3's, for code that reads an argument whatever the version."""

    __slots__ = ("variants",)

    def __init__(self, class_name: str, variants: Sequence[Args]) -> None:
        super().__init__(class_name, variants[0].values)
        self.variants = tuple(variants)

    @classmethod
    def alike(cls, bound: Args, count: int) -> "JoinedArgs":
        """The same binding for each of ``count`` versions (their values are shared, not copied)."""
        joined = cls.__new__(cls)
        joined.class_name, joined.values, joined.variants = bound.class_name, bound.values, (bound,) * count
        return joined


@dataclass(frozen=True)
class JoinedRule(LayerRule):
    """A layer under every version its code may run with (Keras 3's row first)."""

    variants: tuple[LayerRule, ...] = ()
    # Keras 3's row with a dialect that writes its questions down, when the rows differ only in
    # their dialect (``None`` otherwise); used for a call whose arguments every version binds alike
    asking: Optional[LayerRule] = field(default=None, compare=False)

    @classmethod
    def of(cls, rows: Sequence[LayerRule]) -> "JoinedRule":
        first = rows[0]
        copied = {f.name: getattr(first, f.name) for f in fields(LayerRule)}
        twins = dialect_of(first) is KERAS3 and all(replace(row, dialect=None) == replace(first, dialect=None)
                                                    for row in rows[1:])
        return cls(**copied, variants=tuple(rows), asking=replace(first, dialect=ASKED_KERAS3) if twins else None)

    def bind(self, positional: Sequence[object], keywords: Mapping[str, object]) -> Args:
        if self.asking is not None:  # the same row but for the dialect: the same arguments
            return JoinedArgs.alike(self.variants[0].bind(positional, keywords), len(self.variants))
        return JoinedArgs(self.name, [row.bind(positional, keywords) for row in self.variants])

    def apply(self, args: Args, inputs: list[Shape]) -> Applied:
        each = args.variants if isinstance(args, JoinedArgs) else (args,) * len(self.variants)
        outcomes: list[tuple[Keras3, Outcome]] = []
        rows = list(zip(self.variants, each))
        if self.asking is not None and alike_arguments(each):
            log, first = self.asked(each[0], inputs)
            if type(first) is Applied and (not log or all(answers_alike(log, dialect_of(row)) for row, _ in rows[1:])):
                if not first.warnings:
                    return first  # what ``join`` makes of outcomes that are all this one
                outcomes = [(dialect_of(row), first) for row, _ in rows]
                rows = []
            else:
                outcomes.append((KERAS3, first))
                rows = rows[1:]
        for row, bound in rows:
            outcomes.append((dialect_of(row), outcome(row, bound, inputs)))
        return join(outcomes)

    def asked(self, args: Args, inputs: list[Shape]) -> tuple[list[Question], Outcome]:
        """Keras 3's outcome, and the questions its family asked on the way."""
        outer = getattr(_ASKED, "log", None)
        if outer is not None:
            outer.append(NOT_REPLAYABLE)
        log: list[Question] = []
        _ASKED.log = log
        try:
            return log, outcome(self.asking, args, inputs)  # type: ignore[arg-type]
        finally:
            _ASKED.log = outer


def alike_arguments(each: Sequence[Args]) -> bool:
    """Whether every version bound the call's arguments alike (``layers.dot`` binds them otherwise)."""
    first = each[0]
    for bound in each[1:]:
        if bound is not first and bound.values != first.values:
            return False
    return True


def outcome(row: LayerRule, args: Args, inputs: list[Shape]) -> Outcome:
    try:
        return row.apply(args, inputs)
    except (ShapeError, UnknownArgument) as raised:
        # without its traceback: its frames would hold the caller's outcomes, and so itself, in a cycle
        return raised.with_traceback(None)


def labels(dialects: Sequence[Keras3]) -> str:
    return " and ".join(d.label for d in dialects)


def one_sided(message: str, rejecting: Sequence[Keras3], accepting: Sequence[Keras3]) -> str:
    return (f"{labels(rejecting)} rejects this, {labels(accepting)} accepts it ({UNKNOWN_VERSION}): {message}")


def verdict(findings: Sequence[tuple[Keras3, Optional[str]]], message: str) -> Optional[tuple[str, str]]:
    """(severity, message) of what each version the code may run with says (``None``: it accepts):
    an error when every version refuses, else a warning that says which one does; ``message`` holds
    ``{said}``, filled with the first refusing version's words. None when every version accepts."""
    refusing = [(dialect, said) for dialect, said in findings if said is not None]
    if not refusing:
        return None
    text = message.replace("{said}", refusing[0][1])
    if len(refusing) == len(findings):
        return "error", text
    return "warning", one_sided(text, [d for d, _ in refusing], [d for d, said in findings if said is None])


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
