"""Sizes the program reads at run time (a gym environment's, a folder's count of classes): a
layer sized by a variable holding one has a symbolic size named after the variable."""

from __future__ import annotations

from shapelens.analysis import analyze

DQN = '''
import gymnasium as gym
import torch.nn as nn


class QNetwork(nn.Module):
    def __init__(self, state_dim, n_actions, hidden=128):
        super().__init__()
        self.fc1 = nn.Linear(state_dim, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.out = nn.Linear(hidden, n_actions)

    def forward(self, x):
        return self.out(self.fc2(self.fc1(x).relu()).relu())


env = gym.make("CartPole-v1")
state_dim = env.observation_space.shape[0]
n_actions = env.action_space.n
policy = QNetwork(state_dim, n_actions)
'''


def sizes(shape: object) -> list[str]:
    return [str(size) for size in shape]  # type: ignore[union-attr]


def test_a_layer_sized_by_a_variable_holding_an_unknown_value_is_named_after_it() -> None:
    report = analyze(DQN)
    (model,) = report.models
    assert sizes(model.input_shape) == ["N", "state_dim"]
    assert [sizes(layer.output_shape) for layer in model.layers] == [["N", "128"], ["N", "128"], ["N", "n_actions"]]
    meanings = dict(model.symbols)
    assert meanings["state_dim"].startswith("`state_dim`, not known statically: `gymnasium.make(...)` is not modelled")
    assert report.diagnostics == ()


def test_values_read_from_one_unknown_value_are_different_sizes() -> None:
    # both come from `env`, but neither is `env`, nor the other
    source = DQN.replace("policy = QNetwork(state_dim, n_actions)",
                         "policy = QNetwork(env.observation_space.shape[0], env.action_space.n)")
    (model,) = analyze(source).models
    assert sizes(model.layers[-1].output_shape) == ["N", "n_actions"]  # the class's own parameter, opened
    assert "env" not in dict(model.symbols)


def test_a_symbolic_size_on_a_known_input_is_a_condition_not_an_error() -> None:
    source = '''
import os
import torch
import torch.nn as nn

n_features = len(os.listdir("features"))
model = nn.Sequential(nn.Linear(n_features, 4), nn.ReLU(), nn.Linear(4, 2))
y = model(torch.randn(2, 10))
'''
    report = analyze(source)
    assert report.diagnostics == ()
    (model,) = report.models
    assert [condition.python for condition in model.requires] == ["n_features == 10"]


def test_a_keras_head_sized_by_the_number_of_class_folders() -> None:
    source = '''
import os
import keras
from keras import layers

class_names = sorted(os.listdir("data/train"))
num_classes = len(class_names)
model = keras.Sequential([keras.Input((64, 64, 3)), layers.Flatten(), layers.Dense(num_classes, activation="softmax")])
'''
    (model,) = analyze(source).models
    assert sizes(model.layers[-1].output_shape) == ["None", "num_classes"]
    assert str(model.layers[-1].params) == "12289*num_classes"


def test_a_variable_named_like_a_role_symbol_keeps_its_name_and_the_role_moves_aside() -> None:
    source = '''
import os
import torch.nn as nn
N = len(os.listdir("data"))
model = nn.Sequential(nn.Linear(N, 4), nn.ReLU(), nn.Linear(4, N))
'''
    (model,) = analyze(source).models
    assert sizes(model.input_shape) == ["N2", "N"]
    assert dict(model.symbols)["N2"].startswith("batch size")
