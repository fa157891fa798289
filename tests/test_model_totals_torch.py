"""A model's total parameters against real torch 2.13.0: each module a helper, a loop or a
comprehension makes at one constructor call counts once (``sum(p.numel() for p in
model.parameters())``), a module applied twice counts once, a parameter a module holds itself
counts too. A model whose layers depend on a path the analysis cannot decide has no total."""

from __future__ import annotations

import contextlib
import io
import runpy
import sys
from pathlib import Path

import pytest
import torch

from shapelens.analysis import analyze

pytestmark = pytest.mark.oracle

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "torch" / "valid"
# models whose layers come from helpers and loops (several layers at one constructor call)
NAMES = ["resnet_make_layer_blocks", "densenet_add_module", "modulelist_append_loop", "ordereddict_built_in_loop",
         "vgg_make_layers_star", "moduledict_heads",
         # parameters held outside any layer count (a class token, positional embeddings); buffers do not
         "vit_patch_embedding_cls_token_pos_embed", "embedding_scaled_positional_encoding_buffer",
         # a decoder's weight tied to the embedding's: the shared tensor counts once
         "word_language_model_tied_weights",
         # attention and the Transformer family: torch's own projections, feed-forward pairs and norms
         "transformer_language_model_tutorial", "translation_transformer_seq2seq", "attention_pooling_cross_attention",
         "vit_linear_probe_frozen_encoder",
         # layers the forward does not apply count too (an auxiliary head, a branch not taken), and so
         # does a ParameterList
         "multimodal_fusion_optional_inputs", "cyclegan_resnet_generator", "text_classification_embeddingbag",
         # tuple results (torch.max(x, 2)[0], chunk, split), F.pad, repeat
         "unet_milesial_odd_input", "pointnet_classifier_feature_transform"]


@pytest.mark.parametrize("name", NAMES)
def test_total_params_are_torch(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = FIXTURES / f"{name}.py"
    monkeypatch.setattr(sys, "argv", [str(path)])
    with contextlib.redirect_stdout(io.StringIO()):
        namespace = runpy.run_path(str(path), run_name="__main__")
    truth = {variable: sum(p.numel() for p in value.parameters())
             for variable, value in namespace.items() if isinstance(value, torch.nn.Module)}
    engine = {model.name: model.total_params for model in analyze(path.read_text(encoding="utf-8")).models}
    compared = sorted(set(truth) & set(engine))
    assert compared, (truth, engine)
    assert {n: engine[n] for n in compared} == {n: truth[n] for n in compared}


def test_a_model_whose_layers_depend_on_an_undecided_path_has_no_total() -> None:
    source = """
import os
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Linear(8, 16)
        if os.environ.get("BACKBONE") == "small":
            self.body = nn.Linear(16, 16)
        else:
            self.body = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 16))
        self.head = nn.Linear(16, 2)

    def forward(self, x):
        return self.head(self.body(self.stem(x)))

model = Net()
out = model(torch.randn(4, 8))
"""
    (model,) = analyze(source).models
    assert model.total_params is None  # 4 layers on one path, 6 on the other: never their sum
    assert analyze(source.replace('os.environ.get("BACKBONE") == "small"', "False")).models[0].total_params == 2306


def test_a_model_holding_modules_of_an_unknown_number_has_no_total() -> None:
    source = """
import json, os
import torch
import torch.nn as nn

HEADS = json.loads(os.environ.get("HEADS", '{"age": 1, "gender": 2}'))

class MultiHead(nn.Module):
    def __init__(self, heads):
        super().__init__()
        self.body = nn.Linear(8, 16)
        self.heads = nn.ModuleDict({name: nn.Linear(16, n) for name, n in heads.items()})

    def forward(self, x):
        f = self.body(x)
        return {name: head(f) for name, head in self.heads.items()}

model = MultiHead(HEADS)
out = model(torch.randn(4, 8))
"""
    (model,) = analyze(source).models
    assert model.total_params is None  # the heads the config names hold parameters too (144 + 51 in torch)


def test_weights_tied_on_an_undecided_path_leave_no_total() -> None:
    source = """
import os
import torch
import torch.nn as nn

class TiedLM(nn.Module):
    def __init__(self, vocab=1000, dim=64):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.decoder = nn.Linear(dim, vocab)
        if os.environ.get("TIE"):
            self.decoder.weight = self.embed.weight

    def forward(self, tokens):
        return self.decoder(self.embed(tokens))

model = TiedLM()
logits = model(torch.randint(0, 1000, (2, 12)))
"""
    (model,) = analyze(source).models
    assert [layer.params for layer in model.layers] == [64000, 65000]
    assert model.total_params is None  # 65,000 or 129,000: the analysis cannot tell which


# torch counts the parameters of the modules a model registers: attributes, nn.ModuleList / ModuleDict,
# nn.Sequential; not those of modules in plain lists, dicts or made in forward, nor of a deleted attribute.
REGISTRATION = {
    'modules kept in a plain list are not registered': """
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = [nn.Linear(784, 64), nn.Linear(64, 32)]  # plain list, not nn.ModuleList
        self.out = nn.Linear(32, 10)

    def forward(self, x):
        for layer in self.hidden:
            x = torch.relu(layer(x))
        return self.out(x)


net = MLP()
y = net(torch.randn(5, 784))
""",
    'heads kept in a plain dict are not registered': """
import torch
import torch.nn as nn


class MultiHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(16, 32)
        self.heads = {"age": nn.Linear(32, 1), "gender": nn.Linear(32, 2)}  # plain dict

    def forward(self, x):
        h = torch.relu(self.body(x))
        return {k: head(h) for k, head in self.heads.items()}


model = MultiHead()
out = model(torch.randn(4, 16))
""",
    'a submodule deleted in __init__': """
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(16, 16)
        self.extra = nn.Linear(16, 3)
        del self.extra
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(self.body(x))


m = Net()
y = m(torch.randn(4, 16))
""",
    'parameters kept in a plain list are not registered': """
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(16, 10)
        self.scales = [nn.Parameter(torch.ones(10)) for _ in range(3)]  # plain list

    def forward(self, x):
        y = self.fc(x)
        for s in self.scales:
            y = y * s
        return y


m = Net()
y = m(torch.randn(4, 16))
""",
    'a layer made and called inside forward is not registered': """
import torch
import torch.nn as nn


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x):
        x = torch.relu(self.conv(x))
        x = x.view(x.size(0), -1)
        return nn.Linear(x.size(1), 6)(x)  # beginner style


model = SmallCNN()
y = model(torch.randn(2, 3, 16, 16))
""",
}
# models whose parameters the analysis cannot count: no total, never a wrong one
UNCOUNTED = {
    "a parameter of data whose shape is not followed": """
import torch
import torch.nn as nn


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.linspace(0.5, 1.5, 8).exp())
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(x * self.scale)


model = Scaled()
y = model(torch.randn(4, 8))
""",
    "a subclass of a torch layer (WaveNet's CausalConv1d)": """
import torch
import torch.nn as nn


class CausalConv1d(nn.Conv1d):
    def __init__(self, in_channels, out_channels, kernel_size, dilation=1):
        self.pad = (kernel_size - 1) * dilation
        super().__init__(in_channels, out_channels, kernel_size, padding=self.pad, dilation=dilation)

    def forward(self, x):
        return super().forward(x)[:, :, :-self.pad]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.causal = CausalConv1d(1, 16, kernel_size=2)
        self.head = nn.Conv1d(16, 4, 1)

    def forward(self, x):
        return self.head(self.causal(x))


model = Net()
y = model(torch.randn(2, 1, 100))
""",
    'subclasses of nn.Linear and nn.LSTM': """
import torch
import torch.nn as nn


class MyLinear(nn.Linear):
    pass


class MyLSTM(nn.LSTM):
    def forward(self, x):
        out, _ = super().forward(x)
        return out


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = MyLSTM(8, 16, batch_first=True)
        self.fc = MyLinear(16, 4)
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        return self.out(self.fc(self.rnn(x)[:, -1]))


net = Net()
y = net(torch.randn(3, 5, 8))
""",
    'an RNN chosen by an undecided string, no else': """
import torch
import torch.nn as nn


class CharRNN(nn.Module):
    def __init__(self, n_chars, hidden, model="lstm"):
        super().__init__()
        self.model = model.lower()
        self.encoder = nn.Embedding(n_chars, hidden)
        if self.model == "gru":
            self.rnn = nn.GRU(hidden, hidden)
        elif self.model == "lstm":
            self.rnn = nn.LSTM(hidden, hidden)
        self.decoder = nn.Linear(hidden, n_chars)

    def forward(self, x):
        out, _ = self.rnn(self.encoder(x))
        return self.decoder(out)


net = CharRNN(100, 50, model="lstm")
y = net(torch.randint(0, 100, (7, 4)))
""",
}


def torch_totals(source: str) -> dict[str, int]:
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source, "<snippet>", "exec"), namespace)  # noqa: S102 - the oracle runs the snippet
    return {name: sum(p.numel() for p in value.parameters())
            for name, value in namespace.items() if isinstance(value, torch.nn.Module)}


@pytest.mark.parametrize("title", REGISTRATION)
def test_only_registered_modules_count_as_in_torch(title: str) -> None:
    source = REGISTRATION[title]
    truth = torch_totals(source)
    engine = {model.name: model.total_params for model in analyze(source).models}
    assert engine and all(engine[name] == truth[name] for name in engine), (engine, truth)


@pytest.mark.parametrize("title", UNCOUNTED)
def test_a_model_the_analysis_cannot_count_has_no_total(title: str) -> None:
    source = UNCOUNTED[title]
    assert torch_totals(source)  # it runs in torch
    assert [model.total_params for model in analyze(source).models] == [None]
