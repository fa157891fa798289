"""``x.view(...)`` on a tensor whose values are not laid out in the order of its axes (a transposed
attention output viewed back to ``(B, T, C)``), held to real torch: random chains of the operations
whose strides the engine follows, each script run by torch and analysed by the engine, which must
report ``view-not-contiguous`` exactly where torch refuses the view, and nothing where it accepts it."""

from __future__ import annotations

import random

import pytest
import torch

from shapelens.analysis import analyze

HEADER = "import torch\nimport torch.nn as nn\n"


def factorization(total: int, parts: int, rng: random.Random) -> list[int]:
    sizes = []
    for _ in range(parts - 1):
        divisor = rng.choice([d for d in range(1, total + 1) if total % d == 0])
        sizes.append(divisor)
        total //= divisor
    sizes.append(total)
    rng.shuffle(sizes)
    return sizes


def step(value: torch.Tensor, rng: random.Random) -> tuple[str, torch.Tensor]:
    """One operation the engine follows the strides of, as code and as torch's result."""
    rank = value.dim()
    kind = rng.choice(["transpose", "permute", "contiguous", "view", "reshape", "chunk", "split", "unbind", "t", "matmul",
                       "relu", "softmax", "slice"])
    if kind == "relu":  # not followed: torch keeps the operand's strides
        return ".relu()", value.relu()
    if kind == "softmax":  # not followed: torch makes a new contiguous tensor
        return ".softmax(-1)", value.softmax(-1)
    if kind == "slice" and value.shape[0] > 1:  # not followed: a view of every other row
        return "[::2]", value[::2]
    if kind == "transpose" and rank >= 2:
        a, b = rng.sample(range(rank), 2)
        return f".transpose({a}, {b})", value.transpose(a, b)
    if kind == "permute" and rank >= 2:
        order = list(range(rank))
        rng.shuffle(order)
        return f".permute({', '.join(map(str, order))})", value.permute(order)
    if kind == "contiguous":
        return ".contiguous()", value.contiguous()
    if kind in ("view", "reshape"):
        target = factorization(value.numel(), rng.randint(1, 4), rng)
        try:
            return f".{kind}({', '.join(map(str, target))})", getattr(value, kind)(target)
        except RuntimeError:
            return "", value
    if kind == "chunk":
        dim = rng.randrange(rank)
        return f".chunk(2, dim={dim})[0]", value.chunk(2, dim=dim)[0]
    if kind == "split" and value.shape[-1] > 1:
        return f".split({value.shape[-1] - 1}, dim=-1)[0]", value.split(value.shape[-1] - 1, dim=-1)[0]
    if kind == "unbind" and rank >= 2:
        dim = rng.randrange(rank)
        return f".unbind({dim})[0]", value.unbind(dim)[0]
    if kind == "t" and rank == 2:
        return ".t()", value.t()
    if kind == "matmul" and rank >= 2:
        width = rng.choice([1, 2, 3])
        return f" @ torch.ones({value.shape[-1]}, {width})", value @ torch.ones(value.shape[-1], width)
    return "", value


NOT_FOLLOWED = (".relu()", ".softmax(-1)", "[::2]")


def case(seed: int) -> tuple[str, bool]:
    """A script (a Linear's output, a chain of operations, a view) and whether torch accepts it."""
    rng = random.Random(seed)
    shape = [rng.choice([1, 2, 3, 4, 6]) for _ in range(rng.randint(2, 4))]
    lines = [f"layer = nn.Linear({shape[-1]}, {shape[-1]})", f"y = layer(torch.randn({', '.join(map(str, shape))}))"]
    value = torch.randn(shape)
    for _ in range(rng.randint(1, 4)):
        code, value = step(value, rng)
        if code:
            lines.append(f"y = (y{code})" if code.startswith(" @") else f"y = y{code}")
    target = factorization(value.numel(), rng.randint(1, 4), rng)
    lines.append(f"z = y.view({', '.join(map(str, target))})")
    try:
        value.view(target)
        accepted = True
    except RuntimeError as error:
        assert "view size is not compatible" in str(error)
        accepted = False
    return HEADER + "\n".join(lines) + "\n", accepted


CASES = [case(seed) for seed in range(500)]


def test_the_cases_hold_both_outcomes() -> None:
    refused = sum(1 for _, accepted in CASES if not accepted)
    assert 40 <= refused <= len(CASES) - 40, refused


@pytest.mark.parametrize("index", range(len(CASES)))
def test_a_view_is_refused_exactly_where_torch_refuses_it(index: int) -> None:
    source, accepted = CASES[index]
    codes = [d.code for d in analyze(source).diagnostics if d.severity == "error"]
    if any(step in source for step in NOT_FOLLOWED):
        # strides lost on the way (until a `.contiguous()` or a product makes them known again): a
        # finding only where torch refuses
        assert codes == [] or (codes == ["view-not-contiguous"] and not accepted), source
    else:
        assert codes == ([] if accepted else ["view-not-contiguous"]), source


def test_the_message_is_torchs_and_stands_on_the_view() -> None:
    source = HEADER + ("attn = nn.Linear(16, 16)\ny = attn(torch.randn(2, 4, 8, 16))\n"
                       "merged = y.transpose(1, 2).view(2, 8, 64)\n")
    (diagnostic,) = analyze(source).diagnostics
    assert diagnostic.code == "view-not-contiguous" and diagnostic.span.start_line == 4
    assert "view size is not compatible with input tensor's size and stride" in diagnostic.message
    assert "Use .reshape(...) instead." in diagnostic.message


def test_strides_the_engine_does_not_follow_are_never_held_against_a_view() -> None:
    # an element-wise result keeps its operand's (transposed) strides, so transposing it back makes
    # it contiguous again: torch accepts these views, and the engine, which does not follow strides
    # through element-wise operations, must not take the second transpose for the first
    source = HEADER + (
        "layer = nn.Linear(8, 8)\ny = layer(torch.randn(4, 6, 8)).transpose(1, 2)\n"
        "a = torch.relu(y).transpose(1, 2).view(4, 48)\nb = (y * 2).transpose(1, 2).view(4, 48)\n"
    )
    namespace: dict = {}
    exec(compile(source, "snippet.py", "exec"), namespace)  # noqa: S102 - torch accepts every view
    assert all(namespace[name].shape for name in "ab")
    assert [d.code for d in analyze(source).diagnostics] == []
