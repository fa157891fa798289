"""The symbolic size type: normal form, evaluation, printing and three-valued comparison,
checked on random expressions against plain integer arithmetic."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shapelens.analysis.dims import compare
from shapelens.analysis.symbolic import Sym

NAMES = ("H", "W", "num_classes")
points = st.fixed_dictionaries({name: st.integers(1, 300) for name in NAMES})


@st.composite
def expressions(draw, depth: int = 4):
    """A random expression as a tree, evaluated both symbolically and on integers."""
    if depth == 0 or draw(st.booleans()) and depth < 4:
        return draw(st.one_of(st.sampled_from(NAMES), st.integers(-20, 40)))
    op = draw(st.sampled_from(["+", "-", "*", "//", "ceil"]))
    left = draw(expressions(depth - 1))
    if op in ("//", "ceil"):
        return (op, left, draw(st.integers(1, 7)))
    return (op, left, draw(expressions(depth - 1)))


def build(tree, leaf):
    if not isinstance(tree, tuple):
        return leaf(tree)
    op, left, right = tree
    a = build(left, leaf)
    if op == "//":
        return a // right
    if op == "ceil":
        return -(-a // right)
    b = build(right, leaf)
    return a + b if op == "+" else a - b if op == "-" else a * b


def symbolic(tree):
    return build(tree, lambda leaf: Sym.symbol(leaf) if isinstance(leaf, str) else leaf)


def concrete(tree, point):
    return build(tree, lambda leaf: point[leaf] if isinstance(leaf, str) else leaf)


def value_at(value, point):
    return value.evaluate(point) if isinstance(value, Sym) else value


@settings(max_examples=200, deadline=None)
@given(expressions(), points, points)
def test_the_normal_form_evaluates_like_the_integers(tree, point, other) -> None:
    value = symbolic(tree)
    for at in (point, other):
        assert value_at(value, at) == concrete(tree, at)
        if isinstance(value, Sym):
            assert eval(value.python(), {}, dict(at)) == concrete(tree, at)  # noqa: S307 - the JSON contract


@settings(max_examples=150, deadline=None)
@given(expressions(), points)
def test_bounds_hold_every_value(tree, point) -> None:
    value = symbolic(tree)
    if isinstance(value, Sym):
        low, high = value.bounds()
        assert low <= value.evaluate(point) <= high


@settings(max_examples=200, deadline=None)
@given(expressions(), expressions(), st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), st.lists(points, min_size=3, max_size=6))
def test_a_decided_comparison_holds_at_every_point(left, right, op, at) -> None:
    a, b = symbolic(left), symbolic(right)
    decided = compare(a, op, b)
    if decided is None:
        return
    for point in at:
        x, y = value_at(a, point), value_at(b, point)
        assert eval(f"{x} {op} {y}") == decided  # noqa: S307


@settings(max_examples=200, deadline=None)
@given(expressions())
def test_equal_expressions_print_equally(tree) -> None:
    value = symbolic(tree)
    H = Sym.symbol("H")
    assert str((value + H) - H) == str(value)
    assert str(value * 1) == str(value)


def test_the_forms_people_read() -> None:
    H, W = Sym.symbol("H"), Sym.symbol("W")
    assert str(H - 2 - 2) == "H-4"
    assert str(2 * (H // 2)) == "2*(H//2)"
    assert str((H - 3) // 2 + 1) == "(H-3)//2+1"
    assert str(-(-H // 2)) == "-(-H//2)"
    assert str((2 * H + 1) // 2) == "H"
    assert str((H // 2) // 3) == "H//6"
    assert ((H - 3) // 2 + 1).pretty() == "⌊(H−3)/2⌋+1"
    assert (-(-H // 2)).pretty() == "⌈H/2⌉"
    assert (16 * H * W).pretty() == "16·H·W"
    assert compare(H - 2, "<", H) is True
    assert compare(H - 2, ">=", 1) is None
    assert compare(H + W, ">=", 2) is True
