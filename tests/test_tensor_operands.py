"""Arithmetic of a model's tensors with what is not the model's: parameters, buffers, data tensors
(``x + self.pos_embed``, ``x @ self.weight``, ``torch.cat((cls_token, x))``), against torch itself.

Each snippet runs in torch; the engine must report no error and give the last layer the output
shape torch gives it. Tensors joined by an operator, a function or a method (``t0 + t1``,
``torch.add``, ``t0.add_(t1)``, ``torch.cat``, ``torch.stack``) get torch's shape where torch joins
them, and an error in torch's words where it refuses.
"""

from __future__ import annotations

import pytest
import torch

from shapelens.analysis import analyze

HEADER = "import math\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"

SNIPPETS = {
    "a weight matrix held as a parameter": '''
class Proj(nn.Module):
    def __init__(self):
        super().__init__()
        self.W = nn.Parameter(torch.randn(12, 16))
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        return self.fc(x @ self.W)
''',
    "queries broadcast over a batch": '''
class QueryDecoder(nn.Module):
    def __init__(self, d=16, n_queries=10):
        super().__init__()
        self.proj = nn.Linear(12, d)
        self.query_pos = nn.Parameter(torch.zeros(1, n_queries, d))
        self.head = nn.Linear(n_queries * d, 3)

    def forward(self, x):
        h = self.proj(x).unsqueeze(1) + self.query_pos
        return self.head(h.flatten(1))
''',
    "a data tensor multiplied in by torch.matmul": '''
class Mix(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mixing", torch.rand(8, 16))
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(torch.matmul(self.mixing, x).t())
''',
    "a class token expanded and concatenated": '''
class Tokens(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(12, 8)
        self.cls = nn.Parameter(torch.zeros(1, 1, 8))
        self.head = nn.Linear(8, 5)

    def forward(self, x):
        tokens = self.embed(x).unsqueeze(1).expand(-1, 3, -1)
        tokens = torch.cat((self.cls.expand(tokens.shape[0], -1, -1), tokens), dim=1)
        return self.head(tokens * math.sqrt(8))
''',
    "heads mixed with torch.einsum": '''
class EinsumAttention(nn.Module):
    def __init__(self, heads=4):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(12, 16)
        self.mix = nn.Parameter(torch.randn(16, 6))
        self.out = nn.Linear(16, 3)

    def forward(self, x):
        q = self.q(x.unsqueeze(1).expand(-1, 5, -1)).view(x.size(0), 5, self.heads, 4)
        att = torch.einsum("bqhd,bkhd->bhqk", q, q).softmax(-1)
        y = torch.einsum("bhqk,bkhd->bqhd", att, q).reshape(x.size(0), 5, 16)
        scores = torch.einsum("bqd,de->bqe", [y, self.mix])
        implicit = torch.einsum("bqd,dk", y, self.mix).transpose(1, 2)  # the output "bkq": letters in order
        return self.out(y) + torch.einsum("...e->...", scores + implicit).unsqueeze(-1)
''',
    "a learned adjacency from torch.eye": '''
class GraphConv(nn.Module):
    def __init__(self, nodes=4):
        super().__init__()
        self.adj = nn.Parameter(torch.eye(nodes))
        self.rect = nn.Parameter(torch.eye(3, nodes))
        self.lin = nn.Linear(3, 8)
        self.head = nn.Linear(nodes * 8, 2)

    def forward(self, x):
        h = torch.matmul(self.adj, self.lin(x.view(x.size(0), nodes_of(x), 3)))
        mixed = self.rect @ h
        return self.head(h.transpose(1, 2).contiguous().view(x.size(0), -1)) + mixed.sum()


def nodes_of(x):
    return x.size(1) // 3
''',
    "queries, keys and values unpacked from one permuted tensor": '''
class Attention(nn.Module):
    def __init__(self, heads=3):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(12, 36)
        self.proj = nn.Linear(12, 5)

    def forward(self, x):
        tokens = x.view(x.size(0), 4, 3).repeat(1, 1, 4)
        B, N, C = tokens.shape
        qkv = self.qkv(tokens).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv
        y = ((q @ k.transpose(-2, -1)).softmax(dim=-1) @ v).transpose(1, 2).reshape(B, N, C)
        return self.proj(y)
''',
}


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_a_tensor_with_a_parameter_or_data_tensor_has_the_shape_torch_gives(name: str) -> None:
    source = HEADER + SNIPPETS[name] + "\nmodel = {}()\nout = model(torch.randn(16, 12))\n".format(
        SNIPPETS[name].split("class ")[1].split("(")[0])
    namespace: dict = {}
    exec(compile(source, "snippet.py", "exec"), namespace)  # noqa: S102 - the snippets above
    report = analyze(source)
    assert report.error_count == 0
    (model,) = report.models
    assert model.layers[-1].output_shape == tuple(namespace["out"].shape)


def test_a_view_that_torch_rejects_gives_no_size_rounded_down() -> None:
    source = HEADER + '''
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3)
        self.fc = nn.Linear(16 * 5 * 5, 10)

    def forward(self, x):
        return self.fc(self.conv(x).view(-1, 16 * 5 * 5))

model = Net()
out = model(torch.randn(4, 3, 8, 8))
'''
    with pytest.raises(RuntimeError, match="is invalid for input of size 2304"):
        exec(compile(source, "snippet.py", "exec"), {})  # noqa: S102
    (model,) = analyze(source).models
    fc = model.layers[-1]
    assert fc.output_shape is None and "is invalid for input of size 2304" in fc.unknown_reason


def test_a_transposed_convolution_given_its_output_size_is_not_sized_by_the_default() -> None:
    source = HEADER + '''
class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(8, 3, 3, stride=2, padding=1)
        self.fc = nn.Linear(3 * 16 * 16, 10)

    def forward(self, z):
        return self.fc(self.up(z, output_size=(16, 16)).flatten(1))

model = Decoder()
out = model(torch.randn(2, 8, 8, 8))
'''
    namespace: dict = {}
    exec(compile(source, "snippet.py", "exec"), namespace)  # noqa: S102 - torch runs it
    report = analyze(source)
    assert report.error_count == 0  # the default output would be 15x15: 675 features, not 768
    up, fc = report.models[0].layers
    assert up.output_shape == (2, 3, None, None) and up.params == 219
    assert "output_size" in up.unknown_reason and fc.output_shape == tuple(namespace["out"].shape)


JOINS = [  # (shapes of the tensors, dim): torch.cat, and a residual sum of the first two
    ([(1, 8, 14, 14), (1, 3, 13, 13)], 1),
    ([(2, 4, 5), (2, 4, 6), (3, 4, 6)], 1),
    ([(2, 4, 5), (3, 5, 5)], 2),
    ([(2, 3, 5), (2, 4, 6)], -1),
    ([(2, 4, 5), (2, 4)], 1),
    ([(2, 16, 8, 8), (2, 32, 4, 4)], 1),
]


# How each operation joins the tensors t0, t1, ... (the binary ones only the first two).
OPERATIONS = {
    "cat": "torch.cat([{names}], {dim})",
    "add": "t0 + t1",
    "torch.add": "torch.add(t0, t1)",
    "add method": "t0.add(t1)",
    "mul method": "t0.mul(t1)",
    "in-place add": "t0.add_(t1)",
    "torch.maximum": "torch.maximum(t0, t1)",
    "stack": "torch.stack([{names}], {dim})",
    "masked_fill": "t0.masked_fill(t1 > 0, 0.0)",
}


def joined_model(shapes: list, dim: int, operation: str) -> str:
    inputs = ", ".join(f"torch.randn{shape}" for shape in shapes)
    names = ", ".join(f"t{i}" for i in range(len(shapes)))
    body = OPERATIONS[operation].format(names=names, dim=dim)
    return HEADER + f'''
class Join(nn.Module):
    def __init__(self):
        super().__init__()
        self.keep = nn.Identity()

    def forward(self, {names}):
        return self.keep({body})

model = Join()
out = model({inputs})
'''


def joined_in_torch(shapes: list, dim: int, operation: str) -> tuple[object, object]:
    """(torch's first line of error or None, the result's shape or None), running the snippet."""
    namespace: dict = {}
    try:
        exec(compile(joined_model(shapes, dim, operation), "<joined>", "exec"), namespace)  # noqa: S102 - the oracle
    except (RuntimeError, IndexError) as error:
        return str(error).splitlines()[0], None
    return None, tuple(namespace["out"].shape)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("shapes, dim", JOINS)
def test_tensors_that_do_not_join_are_an_error_in_torch_words(shapes: list, dim: int, operation: str) -> None:
    torch_says, _ = joined_in_torch(shapes, dim, operation)
    errors = [d for d in analyze(joined_model(shapes, dim, operation)).diagnostics if d.severity == "error"]
    if torch_says is None or operation == "in-place add" and "doesn't match the broadcast shape" in torch_says:
        assert errors == []  # an in-place broadcast that would change the tensor's shape is left unknown
    else:
        (error,) = errors
        assert error.code == "merge-mismatch" and torch_says in error.message


JOINED = [  # tensors some of the operations join: the engine gives the result's shape where torch does
    ([(2, 4, 5), (2, 4, 5), (2, 4, 5)], 1), ([(2, 16), (2, 16)], -1), ([(3, 1, 5), (3, 4, 1)], 0), ([(2, 3), (1, 3)], 0),
]


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("shapes, dim", JOINED)
def test_tensors_torch_joins_have_its_shape(shapes: list, dim: int, operation: str) -> None:
    torch_says, shape = joined_in_torch(shapes, dim, operation)
    report = analyze(joined_model(shapes, dim, operation))
    errors = [d for d in report.diagnostics if d.severity == "error"]
    (model,) = report.models
    (kept,) = [layer for layer in model.layers if layer.class_name == "Identity"]
    if torch_says is None:
        assert errors == [] and kept.output_shape == shape
    else:  # torch refuses it (an in-place broadcast to a larger shape, a stack of other sizes): no shape either
        assert kept.output_shape is None and all(torch_says in d.message for d in errors)


PRODUCTS = [  # the two operands' shapes: attention scores, projections, batched products
    ((4, 8), (16, 4)), ((4, 8), (8, 4)), ((2, 4, 8), (2, 16, 4)), ((2, 4, 8), (2, 8, 4)), ((2, 3, 5, 8), (2, 3, 16, 5)),
    ((2, 3, 5, 8), (2, 3, 8, 5)), ((2, 3, 5, 8), (2, 4, 8, 5)), ((8,), (16, 4)), ((4, 8), (16,)), ((4, 8), (8,)),
    ((2, 4, 8), (16, 4)), ((2, 4, 8), (8, 4)), ((4, 8), (2, 16, 4)), ((2, 3, 5, 8), (3, 16, 5)), ((6, 5, 8), (2, 8, 5)),
    ((2, 1, 5, 8), (3, 16, 5)), ((2, 1, 5, 8), (3, 8, 5)), ((3, 4, 8), (8,)), ((2, 4, 8), (3, 8, 4)),
]
PRODUCT_FORMS = {"@": "t0 @ t1", "torch.matmul": "torch.matmul(t0, t1)", "method": "t0.matmul(t1)",
                 "torch.mm": "torch.mm(t0, t1)", "torch.bmm": "torch.bmm(t0, t1)"}


@pytest.mark.parametrize("form", sorted(PRODUCT_FORMS))
@pytest.mark.parametrize("left, right", PRODUCTS)
def test_matrix_products_have_torch_shape_or_its_error(left: tuple, right: tuple, form: str) -> None:
    source = HEADER + f'''
class Product(nn.Module):
    def __init__(self):
        super().__init__()
        self.keep = nn.Identity()

    def forward(self, t0, t1):
        return self.keep({PRODUCT_FORMS[form]})

model = Product()
out = model(torch.randn{left}, torch.randn{right})
'''
    namespace: dict = {}
    try:
        exec(compile(source, "<product>", "exec"), namespace)  # noqa: S102 - the oracle
        torch_says, shape = None, tuple(namespace["out"].shape)
    except RuntimeError as error:
        torch_says, shape = str(error).splitlines()[0], None
    report = analyze(source)
    errors = [d for d in report.diagnostics if d.severity == "error"]
    (kept,) = [layer for layer in report.models[0].layers if layer.class_name == "Identity"]
    if torch_says is None:
        assert errors == [] and kept.output_shape == shape
    else:  # torch's words where the engine reports it (ranks torch.mm / torch.bmm refuse are left unknown)
        assert kept.output_shape is None and all(torch_says in d.message for d in errors)
        refused_rank = (form == "torch.mm" and (len(left), len(right)) != (2, 2)) or \
            (form == "torch.bmm" and (len(left), len(right)) != (3, 3))
        assert errors or refused_rank or len(left) == 1 or len(right) == 1 and len(left) > 2


VIEWS = [((2, 576), (2, 8, -1, 7)), ((2, 576), (2, 8, 8, 8)), ((2, 576), (2, 24, 24)), ((64, 16, 4, 4), (-1, 400)),
         ((64, 16, 4, 4), (-1, 256)), ((3, 5), (5, -1))]


@pytest.mark.parametrize("method", ["view", "reshape"])
@pytest.mark.parametrize("shape, target", VIEWS)
def test_views_that_do_not_hold_the_values_are_an_error_in_torch_words(shape: tuple, target: tuple, method: str) -> None:
    try:
        getattr(torch.randn(*shape), method)(*target)
    except RuntimeError as error:
        torch_says = str(error).splitlines()[0]
    else:
        torch_says = None
    source = HEADER + f'''
class Viewer(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)

    def forward(self, x):
        return x.{method}{target}

model = Viewer()
out = model(torch.randn{shape})
'''
    errors = [d for d in analyze(source).diagnostics if d.severity == "error"]
    if torch_says is None:
        assert errors == []
    else:
        (error,) = errors
        assert error.code == "reshape-size" and torch_says in error.message
