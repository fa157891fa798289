"""Which calls of a torch module make it a model of the report, and on what input."""

from __future__ import annotations

from shapelens.analysis import analyze


GENERATOR_AND_CRITIC = '''
import torch
import torch.nn as nn

generator = nn.Sequential(nn.Linear(16, 3 * 8 * 8), nn.Unflatten(1, (3, 8, 8)), nn.Tanh())

class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 8 * 8, 1)

    def forward(self, x):
        return self.fc(torch.flatten(self.conv(x), 1))

critic = Critic()
tail = nn.Sequential(nn.Linear(1, 1))
fake = generator(torch.randn(5, 16))
score = tail(critic(fake))
'''


def test_a_module_fed_another_models_output_runs_on_it_as_a_model_of_its_own() -> None:
    models = {model.name: model for model in analyze(GENERATOR_AND_CRITIC).models}
    assert models["critic"].input_shape == (5, 3, 8, 8)
    assert [layer.output_shape for layer in models["critic"].layers] == [(5, 4, 8, 8), (5, 1)]
    assert models["tail"].input_shape == (5, 1)


def test_a_module_fed_a_tensor_of_unknown_sizes_keeps_its_symbolic_run() -> None:
    source = GENERATOR_AND_CRITIC.replace("torch.randn(5, 16)", "torch.load('noise.pt')")
    models = {model.name: model for model in analyze(source).models}
    assert [str(size) for size in models["critic"].input_shape] == ["N", "3", "H", "W"]


BLOCKS_IN_A_SEQUENTIAL = '''
import torch
import torch.nn as nn

class PatchEmbed(nn.Module):
    def __init__(self, dim=48):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, 8, stride=8)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)

class Mixer(nn.Module):
    def __init__(self, dim=48):
        super().__init__()
        self.fc = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        return self.fc(x).view(B, N, C)

model = nn.Sequential(PatchEmbed(), Mixer())
tokens = model(torch.randn(2, 3, 32, 32))
unused = nn.Sequential(PatchEmbed(), Mixer())
'''


def test_the_modules_an_nn_sequential_holds_run_in_its_chain_and_not_as_models_of_their_own() -> None:
    # before: each block also ran alone, on an input seeded from its first layer (a 2-D one for the
    # Mixer, whose forward unpacks three sizes), and was listed as a model of '?' rows
    models = analyze(BLOCKS_IN_A_SEQUENTIAL).models
    assert [model.name for model in models] == ["model", "unused"]
    assert [layer.output_shape for layer in models[0].layers] == [(2, 48, 4, 4), (2, 16, 48)]
    assert [str(size) for size in models[1].input_shape] == ["N", "3", "H", "W"]
