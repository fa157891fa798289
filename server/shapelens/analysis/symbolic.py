"""Exact integer expressions over named sizes: ``H-2``, ``(H-3)//2+1``, ``16*num_classes``.

A purpose-built normaliser (no sympy: it costs a second to import and ~50 µs an operation; this
costs a few µs): an expression is a polynomial with integer coefficients whose atoms are size
symbols (``H``, ``num_classes``) and floor divisions of an expression by a positive constant.
Normal form makes equal things print equally (``H-2-2`` is ``H-4``, ``(2*H+1)//2`` is ``H``,
``(X//2)//3`` is ``X//6``) while keeping the shape of a formula (``2*(H//2)`` stays as it is).
Every size symbol stands for a positive integer, which is what comparisons use to decide:
``compare`` answers true, false, or ``None`` when it depends on the sizes.
"""

from __future__ import annotations

from typing import Iterator, Mapping, Optional, Union

Monomial = tuple  # ((atom, power), ...) sorted by atom key; () is the constant term
INFINITY = float("inf")


class Atom:
    """A symbol or a floor division: what a polynomial is built of."""

    __slots__ = ("key", "_hash")

    def __init__(self, key: tuple) -> None:
        self.key = key
        self._hash = hash(key)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Atom) and self.key == other.key

    def __lt__(self, other: "Atom") -> bool:
        return self.key < other.key


class Symbol(Atom):
    """A named size. A *dynamic* one is a size the library itself leaves open while it builds the
    model (Keras' ``None`` in ``Input(shape=(None, None, 3))``): known only when data flows."""

    __slots__ = ("name", "dynamic")

    def __init__(self, name: str, dynamic: bool = False) -> None:
        super().__init__((0, name))
        self.name = name
        self.dynamic = dynamic

    def evaluate(self, values: Mapping[str, int]) -> int:
        return values[self.name]

    def bounds(self, lower: Mapping[str, int]) -> tuple[float, float]:
        return float(lower.get(self.name, 1)), INFINITY

    def symbols(self) -> Iterator[str]:
        yield self.name

    def python(self) -> str:
        return self.name

    def pretty(self) -> str:
        return self.name


class FloorDiv(Atom):
    """``numerator // divisor`` with a positive integer divisor that does not divide it."""

    __slots__ = ("numerator", "divisor")

    def __init__(self, numerator: "Sym", divisor: int) -> None:
        super().__init__((1, numerator.terms, divisor))
        self.numerator = numerator
        self.divisor = divisor

    def evaluate(self, values: Mapping[str, int]) -> int:
        return self.numerator.evaluate(values) // self.divisor

    def bounds(self, lower: Mapping[str, int]) -> tuple[float, float]:
        low, high = self.numerator.bounds(lower)
        return (low // self.divisor if low != -INFINITY else -INFINITY,
                high // self.divisor if high != INFINITY else INFINITY)

    def symbols(self) -> Iterator[str]:
        yield from self.numerator.symbols()

    def python(self) -> str:
        inner = self.numerator.python()
        bare = inner.isidentifier() or (inner[:1] == "-" and inner[1:].isidentifier())
        return f"{inner}//{self.divisor}" if bare else f"({inner})//{self.divisor}"

    def pretty(self) -> str:
        return f"⌊{self.numerator.pretty_operand()}/{self.divisor}⌋"

    def ceiling(self) -> Optional[str]:
        """``⌈X/k⌉`` when this is ``(-X)//k`` (a ceiling is ``-((-X)//k)``)."""
        if all(c < 0 for m, c in self.numerator.terms if m != ()):
            return f"⌈{(-self.numerator).pretty_operand()}/{self.divisor}⌉"  # type: ignore[union-attr]
        return None


def _term_key(item: tuple) -> tuple:
    monomial, _ = item
    degree = sum(power for _, power in monomial)
    return (-degree, tuple(atom.key for atom, _ in monomial))


class Sym:
    """An integer expression in normal form. Immutable; ``==`` and ``hash`` are structural."""

    __slots__ = ("terms", "_hash")

    def __init__(self, terms: tuple) -> None:
        self.terms = terms  # ((monomial, coefficient), ...) without zero coefficients, in print order
        self._hash = hash(terms)

    # --- construction ---

    @staticmethod
    def symbol(name: str, dynamic: bool = False) -> "Sym":
        return of_atom(Symbol(name, dynamic))

    @staticmethod
    def of(mapping: dict) -> Union["Sym", int]:
        """The normal form of {monomial: coefficient}; a plain ``int`` when no symbol is left."""
        items = tuple(sorted(((m, c) for m, c in mapping.items() if c), key=_term_key))
        if not items:
            return 0
        if len(items) == 1 and items[0][0] == ():
            return items[0][1]
        return Sym(items)

    def mapping(self) -> dict:
        return dict(self.terms)

    # --- arithmetic ---

    def __add__(self, other: object) -> Union["Sym", int]:
        if isinstance(other, bool) or not isinstance(other, (int, Sym)):
            return NotImplemented
        out = self.mapping()
        for monomial, coefficient in as_terms(other):
            out[monomial] = out.get(monomial, 0) + coefficient
        return Sym.of(out)

    __radd__ = __add__

    def __neg__(self) -> Union["Sym", int]:
        return Sym.of({m: -c for m, c in self.terms})

    def __sub__(self, other: object) -> Union["Sym", int]:
        if isinstance(other, bool) or not isinstance(other, (int, Sym)):
            return NotImplemented
        return self + (-other)

    def __rsub__(self, other: object) -> Union["Sym", int]:
        if isinstance(other, bool) or not isinstance(other, int):
            return NotImplemented
        return (-self) + other

    def __mul__(self, other: object) -> Union["Sym", int]:
        if isinstance(other, bool) or not isinstance(other, (int, Sym)):
            return NotImplemented
        out: dict = {}
        for m1, c1 in self.terms:
            for m2, c2 in as_terms(other):
                monomial = multiply_monomials(m1, m2)
                out[monomial] = out.get(monomial, 0) + c1 * c2
        return Sym.of(out)

    __rmul__ = __mul__

    def __floordiv__(self, other: object) -> Union["Sym", int]:
        if isinstance(other, bool) or not isinstance(other, int) or other <= 0:
            return NotImplemented  # only division by a positive constant is exact here
        return floordiv(self, other)

    def __mod__(self, other: object) -> Union["Sym", int]:
        if isinstance(other, bool) or not isinstance(other, int) or other <= 0:
            return NotImplemented
        return self - other * floordiv(self, other)

    def __bool__(self) -> bool:
        raise TypeError("the truth of a symbolic size depends on the sizes; compare it with dims.compare")

    def __lt__(self, other: object) -> bool:
        raise TypeError("symbolic sizes are compared with dims.compare")

    __le__ = __gt__ = __ge__ = __lt__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sym) and self.terms == other.terms

    def __hash__(self) -> int:
        return self._hash

    # --- reading ---

    def name(self) -> Optional[str]:
        """The symbol's name when this is one symbol alone (``H``), else ``None``."""
        if len(self.terms) == 1:
            monomial, coefficient = self.terms[0]
            if coefficient == 1 and len(monomial) == 1 and monomial[0][1] == 1 and isinstance(monomial[0][0], Symbol):
                return monomial[0][0].name
        return None

    def constant(self) -> int:
        return next((c for m, c in self.terms if m == ()), 0)

    def symbols(self) -> Iterator[str]:
        for monomial, _ in self.terms:
            for atom, _ in monomial:
                yield from atom.symbols()

    def dynamic(self) -> bool:
        """Whether it involves a size the library leaves open while building (see ``Symbol``)."""
        return any(atom.dynamic if isinstance(atom, Symbol) else atom.numerator.dynamic()
                   for monomial, _ in self.terms for atom, _ in monomial)

    def evaluate(self, values: Mapping[str, int]) -> int:
        total = 0
        for monomial, coefficient in self.terms:
            product = coefficient
            for atom, power in monomial:
                product *= atom.evaluate(values) ** power
            total += product
        return total

    def bounds(self, lower: Mapping[str, int] = {}) -> tuple[float, float]:
        """An interval holding every value the expression takes (sizes are at least 1, or ``lower``)."""
        low, high = 0.0, 0.0
        for monomial, coefficient in self.terms:
            term = (float(coefficient), float(coefficient))
            for atom, power in monomial:
                a, b = atom.bounds(lower)
                for _ in range(power):
                    term = interval_product(term, (a, b))
            low, high = low + term[0], high + term[1]
        return low, high

    def python(self) -> str:
        """A Python expression: ``H-2``, ``(H-3)//2+1``, ``2*W``."""
        return render(self, lambda atom: atom.python(), "*", "-")

    def pretty(self) -> str:
        """For people: ``H−2``, ``⌊(H−3)/2⌋+1``, ``⌈H/2⌉``."""
        return render(self, lambda atom: atom.pretty(), "·", "−")

    def pretty_operand(self) -> str:
        text = self.pretty()
        return text if text.isidentifier() else f"({text})"

    def __str__(self) -> str:
        return self.python()

    def __repr__(self) -> str:
        return f"Sym({self.python()!r})"


def of_atom(atom: Atom) -> Sym:
    return Sym(((((atom, 1),), 1),))


def as_terms(value: Union[int, Sym]) -> tuple:
    return value.terms if isinstance(value, Sym) else (((), value),)


def multiply_monomials(a: Monomial, b: Monomial) -> Monomial:
    powers: dict = {}
    for atom, power in (*a, *b):
        powers[atom] = powers.get(atom, 0) + power
    return tuple(sorted(powers.items(), key=lambda item: item[0].key))


def interval_product(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    products = []
    for x in a:
        for y in b:
            if (x == 0 and abs(y) == INFINITY) or (y == 0 and abs(x) == INFINITY):
                products.append(0.0)
            else:
                products.append(x * y)
    return min(products), max(products)


def floordiv(value: Sym, divisor: int) -> Union[Sym, int]:
    """``value // divisor``. When every symbolic term is a whole multiple of the divisor they come
    out of the floor (``(2*H+1)//2`` is ``H``); otherwise the formula keeps its shape
    (``(H-3)//2``). Nested divisions merge (``(X//2)//3`` is ``X//6``)."""
    if divisor == 1:
        return value
    symbolic = [(m, c) for m, c in value.terms if m != ()]
    if all(c % divisor == 0 for _, c in symbolic):
        outside = Sym.of({m: c // divisor for m, c in symbolic})
        return outside + value.constant() // divisor
    nested = single_floor(value)
    atom = FloorDiv(nested.numerator, nested.divisor * divisor) if nested else FloorDiv(value, divisor)
    return of_atom(atom)


def single_floor(value: Sym) -> Optional[FloorDiv]:
    """The floor division ``value`` is, if it is exactly one (``X//2``)."""
    if len(value.terms) != 1:
        return None
    monomial, coefficient = value.terms[0]
    if coefficient != 1 or len(monomial) != 1:
        return None
    atom, power = monomial[0]
    return atom if isinstance(atom, FloorDiv) and power == 1 else None


SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def render(value: Sym, atom_text, times: str, minus: str) -> str:
    parts: list[str] = []
    for monomial, coefficient in value.terms:
        if times == "·" and coefficient < 0 and len(monomial) == 1 and monomial[0][1] == 1:
            atom = monomial[0][0]
            ceiling = atom.ceiling() if isinstance(atom, FloorDiv) else None
            if ceiling is not None:  # -k·⌊-X/d⌋ is k·⌈X/d⌉
                text = ceiling if coefficient == -1 else f"{-coefficient}·{ceiling}"
                parts.append(f"+{text}" if parts else text)
                continue
        magnitude = abs(coefficient)
        alone = len(monomial) == 1 and monomial[0][1] == 1 and magnitude == 1
        factors = []
        for atom, power in monomial:
            text = atom_text(atom)
            if isinstance(atom, FloorDiv) and times == "*" and (not alone or coefficient < 0):
                text = f"({text})"  # `2*(H//2)`, not `2*H//2`
            if power == 1:
                factors.append(text)
            elif times == "*":  # the JSON contract has no `**`: `X*X`
                factors.extend([text] * power)
            else:
                factors.append(text + str(power).translate(SUPERSCRIPTS))
        body = times.join(factors)
        if not body:
            text = str(magnitude)
        elif magnitude == 1:
            text = body
        else:
            text = f"{magnitude}{times}{body}"
        if not parts:
            parts.append(("-" if minus == "-" else minus) + text if coefficient < 0 else text)
        else:
            parts.append(f"{minus}{text}" if coefficient < 0 else f"+{text}")
    return "".join(parts)
