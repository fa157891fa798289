"""Control flow the interpreter cannot decide, and loops that do no model work."""

from __future__ import annotations

import ast

from shapelens.analysis import analyze, frameworks
from shapelens.analysis.interpreter import Interpreter

SKIP_SWITCHED_AT_RUN_TIME = '''
import os
import keras
from keras import layers

def block(x, filters):
    y = layers.Conv2D(filters, 3, padding="same")(x)
    if os.environ.get("USE_SKIP") == "1":
        y = layers.Add()([x, y])
    return layers.Activation("relu")(y)

inputs = keras.Input(shape=(32, 32, 32))
outputs = layers.Dense(10)(layers.GlobalAveragePooling2D()(block(inputs, 64)))
model = keras.Model(inputs, outputs)
'''


def test_a_merge_only_on_an_undecided_path_is_a_warning_naming_the_condition() -> None:
    report = analyze(SKIP_SWITCHED_AT_RUN_TIME)
    assert report.error_count == 0
    (warning,) = [d for d in report.diagnostics if d.code == "merge-mismatch"]
    assert warning.severity == "warning"
    assert '`os.environ.get("USE_SKIP") == "1"`' in warning.message
    # the path that runs (no Add) goes on with its shapes
    shapes = {layer.class_name: layer.output_shape for layer in report.models[0].layers}
    assert shapes["Activation"] == (None, 32, 32, 64)
    assert shapes["Dense"] == (None, 10)


def test_an_error_on_every_path_stays_an_error() -> None:
    source = SKIP_SWITCHED_AT_RUN_TIME.replace(
        'return layers.Activation("relu")(y)', 'return layers.Add()([x, layers.Activation("relu")(y)])')
    report = analyze(source)
    errors = [d for d in report.diagnostics if d.severity == "error"]
    assert [d.code for d in errors] == ["merge-mismatch"]
    assert errors[0].span.start_line == 9


def test_a_conditional_expression_is_an_undecided_path_too() -> None:
    source = '''
import sys
import torch.nn as nn
head = nn.Linear(64, 10) if len(sys.argv) > 1 else nn.Linear(128, 10)
net = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 128), nn.ReLU(), head)  # shapelens: input=(N, 3, 8, 8)
'''
    report = analyze(source)
    assert report.error_count == 0


def statements_interpreted(source: str) -> int:
    budget = 1_000_000
    interpreter = Interpreter(ast.parse(source), tuple(source.splitlines()), frameworks(), budget)
    interpreter.run()
    return budget - interpreter.budget


TRAINING_LOOP = '''
import torch
import torch.nn as nn

model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
losses = []
for epoch in range(30):
    total = 0.0
    for step in range(500):
        x = torch.randn(8, 20)
        loss = model(x).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += 1.0
    losses.append(total / 500)
'''


def test_a_training_loop_is_not_unrolled_step_by_step() -> None:
    # unrolled, it would take 30 * 500 * 7 statements; the model is still checked on its input
    assert statements_interpreted(TRAINING_LOOP) < 200
    (model,) = analyze(TRAINING_LOOP).models
    assert [layer.output_shape for layer in model.layers] == [(8, 64), (8, 64), (8, 2)]


def test_a_loop_that_builds_layers_is_unrolled() -> None:
    source = '''
import keras
from keras import layers
inputs = keras.Input(shape=(64, 64, 3))
x = inputs
for filters in [16, 32, 64, 128]:
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.MaxPooling2D()(x)
model = keras.Model(inputs, x)
'''
    (model,) = analyze(source).models
    assert model.layers[-1].output_shape == (None, 4, 4, 128)


def test_a_cheap_quiet_loop_is_still_followed_exactly() -> None:
    source = '''
import keras
from keras import layers
units = 8
for _ in range(5):
    units *= 2
model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(units)])
'''
    (model,) = analyze(source).models
    assert model.layers[0].output_shape == (None, 256)


def dense_units(source: str) -> tuple[object, object]:
    """The units of the one Dense after ``source`` sets ``n``: a number, or the symbol the
    unknown size is named after and what it stands for."""
    source += "\nimport keras\nfrom keras import layers\nmodel = keras.Sequential([keras.Input((8,)), layers.Dense(n)])\n"
    (model,) = analyze(source).models
    units = model.layers[0].output_shape[-1]
    return (units, None) if isinstance(units, int) else (str(units), dict(model.symbols)[str(units)])


def test_a_while_loop_whose_test_is_decided_is_unrolled() -> None:
    assert dense_units("n = 3\nwhile n < 50:\n    n = n * 2\n") == (96, None)
    # the test reads names the body changes, as the WGAN generator's does
    source = "cngf, tisize = 32, 4\nwhile tisize != 64:\n    cngf = cngf * 2\n    tisize = tisize * 2\nn = cngf\n"
    assert dense_units(source) == (512, None)
    source = "n, i = 8, 0\nwhile True:\n    i += 1\n    if i > 3:\n        break\n"
    assert dense_units(source) == (8, None)


def test_what_a_loop_of_unknown_length_changes_is_unknown() -> None:
    # zero passes are possible: neither the value before nor the value after one pass is guessed
    units, meaning = dense_units("import sys\nn = 3\nwhile len(sys.argv) > n:\n    n = n * 2\n")
    assert units == "n" and "`n` changes in a loop whose number of passes cannot be told statically" in meaning
    units, meaning = dense_units('n = 4\nfor line in open("sizes.txt"):\n    n = 7\n')
    assert units == "n" and "`n` changes in a loop" in meaning


def test_a_name_computed_from_what_an_earlier_pass_changed_is_unknown_too() -> None:
    # one pass leaves `n` at 5, but the second pass makes it 6
    units, meaning = dense_units('x = n = 5\nfor line in open("sizes.txt"):\n    n = x\n    x = x + 1\n')
    assert units == "n" and "`n` changes in a loop" in meaning


def test_a_summarised_quiet_loop_does_not_keep_the_value_of_one_pass() -> None:
    body = "".join(f"    v{i} = {i}\n" for i in range(6))
    units, meaning = dense_units(f"n = 1\nfor step in range(100):\n{body}    n += 1\n")
    assert units == "n" and "does no model work" in meaning
    units, meaning = dense_units(f"sizes = []\nfor step in range(100):\n{body}    sizes.append(step)\nn = len(sizes)\n")
    assert units == "n" and "the number of items of a list changes in a loop" in meaning


LOGGED_EPOCHS = """
history = []
for epoch in range(EPOCHS):
    total = 0.0
    for images, labels in []:
        total += 1.0
    history.append(total / 4)
    print(f"epoch {epoch}: loss {history[-1]:.4f}")
"""


def test_a_cheap_loop_that_leaves_only_losses_and_log_lines_is_not_followed_pass_by_pass() -> None:
    # two quiet passes, the second leaving floats, strings and a list of floats: the rest is summarised
    ten, thousand = (statements_interpreted(f"EPOCHS = {n}\n{LOGGED_EPOCHS}") for n in (10, 100))
    assert ten == thousand < 30
    units, meaning = dense_units(f"EPOCHS = 10\n{LOGGED_EPOCHS}n = len(history)\n")
    assert units == "n" and "does no model work" in meaning


def test_a_cheap_quiet_loop_that_makes_sizes_is_followed_exactly() -> None:
    # what a pass binds or grows is a size, or it sets an attribute or calls the program's function
    assert dense_units("n = 1\nfor _ in range(6):\n    n = n * 2\n    s = f'{n}'\n") == (64, None)
    assert dense_units("sizes = [2]\nfor _ in range(6):\n    sizes.append(sizes[-1] * 2)\nn = sizes[-1]\n") == (128, None)
    source = "class C:\n    pass\nc = C()\nc.n = 1\nfor _ in range(6):\n    c.n = c.n + 1\n    r = 0.5\nn = c.n\n"
    assert dense_units(source) == (7, None)
    source = "sizes = []\ndef grow():\n    sizes.append(4)\n    return 0.5\nfor _ in range(6):\n    r = grow()\nn = len(sizes)\n"
    assert dense_units(source) == (6, None)


def test_a_list_appended_to_on_an_undecided_path_is_not_taken_as_appended() -> None:
    source = '''
import sys
import keras
from keras import layers

widths = [64]
if len(sys.argv) > 1:
    widths.append(128)
inputs = keras.Input(shape=(16,))
x = inputs
for width in widths:
    x = layers.Dense(width)(x)
outputs = layers.Reshape((8, 8))(x)
model = keras.Model(inputs, outputs)
'''
    # without the flag the Reshape gets 64 values and works: it is not an error
    report = analyze(source)
    assert report.error_count == 0
    # the loop over `widths` may run once or twice: its Dense is sized by the loop variable
    dense, reshape = report.models[0].layers
    assert [str(size) for size in dense.output_shape] == ["None", "width"]
    assert reshape.input_shapes == ((None, None),) and reshape.output_shape == (None, 8, 8)


def test_containers_changed_alike_on_every_path_keep_their_content() -> None:
    source = '''
import sys
import keras
from keras import layers

config = {"units": 16, "classes": 4}
sizes = [1, 2]
if len(sys.argv) > 1:
    config["units"] = 32
    sizes[0] = 5
else:
    config["units"] = 32
    sizes[0] = 7
model = keras.Sequential([keras.Input((8,)), layers.Dense(config["units"]), layers.Dense(config["classes"]),
                          layers.Dense(sizes[1]), layers.Dense(len(sizes))])
head = keras.Sequential([keras.Input((8,)), layers.Dense(sizes[0])])
'''
    body, head = analyze(source).models
    assert [layer.output_shape for layer in body.layers] == [(None, 32), (None, 4), (None, 2), (None, 2)]
    assert head.layers[0].output_shape is None
    assert "an item depends on a condition" in head.layers[0].unknown_reason


def test_a_module_set_differently_on_undecided_paths_runs_on_each_path() -> None:
    source = '''
import os
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(10, 20)
        if os.environ.get("NARROW"):
            self.fc2 = nn.Linear(20, 30)
        else:
            self.fc2 = nn.Linear(20, 50)
        self.out = nn.Linear(30, 2)

    def forward(self, x):
        return self.out(self.fc2(self.fc1(x)))

net = Net()
y = net(torch.randn(4, 10))
'''
    report = analyze(source)
    # `out` fits one of the two paths: neither path's failure is reported as certain
    assert report.error_count == 0
    rows = [(layer.class_name, layer.output_shape) for layer in report.models[0].layers]
    assert rows == [("Linear", (4, 20)), ("Linear", (4, 30)), ("Linear", (4, 50)), ("Linear", (4, 2))]


def test_a_layer_that_fails_on_one_undecided_path_is_a_warning_naming_it() -> None:
    source = '''
import os
import torch
import torch.nn as nn

class Block(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, padding=1)
        if os.environ.get("PROJECT"):
            self.shortcut = nn.Conv2d(cin, cout, 1)
        else:
            self.shortcut = nn.Conv2d(cout, cout, 1)

    def forward(self, x):
        return self.conv(x) + self.shortcut(x)

block = Block(3, 8)
y = block(torch.randn(2, 3, 16, 16))
'''
    report = analyze(source)
    assert report.error_count == 0
    # the shortcut of the `else` path takes the block's input, as the example input's mismatch
    (warning,) = report.diagnostics
    assert warning.severity == "warning" and "Conv2d expects 8 input channels" in warning.message
    assert 'only on the path where `os.environ.get("PROJECT")` decides so' in warning.message
    conv, projection, wrong = report.models[0].layers
    assert (conv.output_shape, projection.output_shape, wrong.failed) == ((2, 8, 16, 16), (2, 8, 16, 16), True)


def test_a_list_held_in_a_dict_and_changed_on_a_nested_undecided_path_is_unknown() -> None:
    source = '''
import sys
import keras
from keras import layers

config = {"widths": [4], "classes": 10}
if len(sys.argv) > 1:
    if len(sys.argv) > 2:
        config["widths"].append(8)
model = keras.Sequential([keras.Input((8,)), layers.Dense(len(config["widths"])), layers.Dense(len(config))])
'''
    (model,) = analyze(source).models
    first, second = model.layers
    assert first.output_shape is None and "depends on a condition" in first.unknown_reason
    assert second.unknown_reason and second.output_shape is None  # its input is unknown
    # the dict itself kept its keys on every path
    assert analyze(source.replace('len(config["widths"])', "len(config)")).models[0].layers[0].output_shape == (None, 2)


HELPER_APPENDS = '''
import os
import torch
import torch.nn as nn

def stage(layers, c_in, c_out, pool):
    layers.append(nn.Conv2d(c_in, c_out, 3, padding=1))
    layers.append(nn.ReLU())
    if pool:
        layers.append(nn.MaxPool2d(2))

layers = []
stage(layers, 3, 16, os.environ.get("POOL") == "1")
layers += [nn.Flatten(), nn.Linear(16 * 16 * 16, 10)]
model = nn.Sequential(*layers)
out = model(torch.randn(1, 3, 32, 32))
'''


def test_a_list_a_helper_appends_to_on_an_undecided_path_is_not_guessed_in_the_caller() -> None:
    report = analyze(HELPER_APPENDS)
    # with POOL=1 the Linear fits: no error; without, torch fails: the engine cannot tell which
    assert report.error_count == 0
    (model,) = report.models
    rows = [(layer.class_name, layer.output_shape) for layer in model.layers]
    # the items every path appended before the branch keep their shapes; what comes after the
    # items of unknown number is unknown, and says why
    assert rows[:2] == [("Conv2d", (1, 16, 32, 32)), ("ReLU", (1, 16, 32, 32))]
    unknown = model.layers[2]
    assert unknown.output_shape is None and "depends on a condition" in unknown.unknown_reason
    assert [(name, shape) for name, shape in rows[3:]] == [("Flatten", None), ("Linear", None)]


def test_an_augmented_assignment_extends_the_list_every_holder_sees() -> None:
    source = '''
import torch
import torch.nn as nn

def block(layers, c_in, c_out):
    layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.MaxPool2d(2)]

layers = []
block(layers, 3, 8)
block(layers, 8, 16)
head = layers
head += [nn.Flatten(), nn.Linear(16 * 8 * 8, 10)]
model = nn.Sequential(*layers)
out = model(torch.randn(2, 3, 32, 32))
'''
    report = analyze(source)
    assert report.error_count == 0
    assert [layer.output_shape for layer in report.models[0].layers][-2:] == [(2, 1024), (2, 10)]


def sizes(source: str) -> list:
    """The units of the Dense layers of a Sequential that ``source`` ends with, by their order."""
    source = "import os\nimport keras\nfrom keras import layers\n" + source
    (model,) = analyze(source).models
    return [layer.output_shape[-1] if layer.output_shape else None for layer in model.layers]


def test_a_list_of_an_unknown_length_knows_the_items_at_its_known_ends_only() -> None:
    setup = 'widths = [16, 32]\nif os.environ.get("WIDE"):\n    widths.append(64)\nwidths.append(8)\n'
    dense = "model = keras.Sequential([keras.Input((4,)), layers.Dense({})])\n"
    assert sizes(setup + dense.format("widths[0]")) == [16]
    assert sizes(setup + dense.format("widths[1]")) == [32]
    assert sizes(setup + dense.format("widths[-1]")) == [8]
    assert sizes(setup + dense.format("widths[2]")) == [None]  # 64 or 8
    assert sizes(setup + dense.format("widths[-2]")) == [None]  # 64 or 32
    assert sizes(setup + dense.format("len(widths)")) == [None]
    assert sizes(setup + dense.format("len(widths[:2])")) == [2]
    assert sizes(setup + dense.format("tuple(widths)[-1]")) == [8]
    assert sizes(setup + dense.format("len(list(widths))")) == [None]
    assert sizes(setup + dense.format("len(widths[1:])")) == [None]
    assert sizes(setup + dense.format("4 if 64 in widths else 5")) == [None]
    assert sizes(setup + dense.format("4 if 16 in widths else 5")) == [4]
    # a loop over it may run any number of times: its layers are sized by the loop variable
    loop = "x = keras.Input((4,))\nfor w in widths:\n    x = layers.Dense(w)(x)\nmodel = keras.Model(x, x)\n"
    report = analyze("import os\nimport keras\nfrom keras import layers\n" + setup + loop)
    assert report.error_count == 0


def test_list_changes_the_analysis_cannot_follow_make_the_length_unknown() -> None:
    base = "widths = [16, 32]\n{}\nmodel = keras.Sequential([keras.Input((4,)), layers.Dense(len(widths))])\n"
    assert sizes(base.format("widths.extend(open('sizes.txt'))")) == [None]
    assert sizes(base.format("widths.insert(int(os.environ['AT']), 8)")) == [None]
    assert sizes(base.format("widths.pop(int(os.environ['AT']))")) == [None]
    assert sizes(base.format("widths[int(os.environ['AT'])] = 8")) == [2]  # the length stays
    assert sizes(base.format("widths[0:1] = open('sizes.txt')")) == [None]
    assert sizes(base.format("widths[0:1] = [1, 2, 3]")) == [4]
    assert sizes(base.format("widths.insert(0, 8)")) == [3]
    assert sizes(base.format("widths.pop()")) == [1]
    item = "widths = [16, 32]\nwidths[int(os.environ['AT'])] = 8\nmodel = keras.Sequential([keras.Input((4,)), layers.Dense(widths[0])])\n"
    assert sizes(item) == [None]  # any item may be the one set


def test_a_dict_whose_keys_depend_on_the_path_cannot_be_iterated() -> None:
    setup = 'import json\nunits = {"a": 16}\nif os.environ.get("B"):\n    units["b"] = 32\n'
    dense = "model = keras.Sequential([keras.Input((4,)), layers.Dense({})])\n"
    assert sizes(setup + dense.format('units["a"]')) == [16]
    assert sizes(setup + dense.format('units.get("a")')) == [16]
    assert sizes(setup + dense.format('units["b"]')) == [None]
    assert sizes(setup + dense.format("len(units)")) == [None]
    assert sizes(setup + dense.format("len(list(units.values()))")) == [None]
    # a key the analysis cannot read may be any of them: every item is unknown after it is set
    assert sizes(setup + dense.format('units.update(json.load(open("u.json"))) or units["a"]')) == [None]
    assert sizes(setup.replace('units["b"]', 'units[os.environ["KEY"]]') + dense.format('units["a"]')) == [None]


def test_a_module_list_of_unknown_modules_is_not_taken_as_empty() -> None:
    source = '''
import json
import torch
import torch.nn as nn

class Net(nn.Module):
    def __init__(self, blocks):
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.head(x)

net = Net(json.load(open("blocks.json")))
out = net(torch.randn(2, 32))
'''
    report = analyze(source)
    # the blocks may well turn 32 features into 64: no error on the head
    assert report.error_count == 0


def test_parameters_given_by_starred_items_of_unknown_number_are_unknown() -> None:
    source = '''
def build(units, classes=10, *rest):
    return keras.Sequential([keras.Input((4,)), layers.Dense(units), layers.Dense(classes)])

model = build(*open("sizes.txt"))
'''
    # read at run time, each is a size named after its parameter; `classes` may come from the file too
    assert [str(size) for size in sizes(source)] == ["units", "classes"]
    assert [str(size) for size in sizes(source.replace('*open("sizes.txt")', '8, *open("sizes.txt")'))] == ["8", "classes"]


def test_torch_containers_changed_on_an_undecided_path_are_not_guessed() -> None:
    source = '''
import os
import torch
import torch.nn as nn

class Stack(nn.Sequential):
    def __init__(self):
        super().__init__()
        self.add_module("fc1", nn.Linear(32, 64))
        if os.environ.get("EXTRA"):
            self.add_module("fc2", nn.Linear(64, 128))
        self.add_module("out", nn.Linear(WIDTH, 10))

seq = nn.Sequential(nn.Linear(32, 64))
if os.environ.get("EXTRA"):
    seq.append(nn.Linear(64, 128))
seq.append(nn.Linear(WIDTH, 10))
a = Stack()(torch.randn(2, 32))
b = seq(torch.randn(2, 32))
'''
    for width in (64, 128):  # each fits one path: neither is an error
        report = analyze(source.replace("WIDTH", str(width)))
        assert report.error_count == 0
        for model in report.models:
            first, unknown, last = model.layers
            assert first.output_shape == (2, 64) and unknown.output_shape is None
            assert "depends on a condition" in unknown.unknown_reason and last.output_shape is None


def test_parameters_a_config_of_unknown_keys_may_set_are_unknown_not_their_defaults() -> None:
    source = '''
import json
import keras
from keras import layers

config = json.load(open("config.json"))

def build(units=64, classes=10):
    return keras.Sequential([keras.Input((4,)), layers.Dense(units), layers.Dense(classes)])

model = build(SPREAD)
'''
    # read at run time, any parameter may be in it: each is a size named after its parameter
    assert [str(size) for size in sizes(source.replace("SPREAD", "**config"))] == ["units", "classes"]
    assert [str(size) for size in sizes(source.replace("SPREAD", "8, **config"))] == ["8", "classes"]
    # a dict whose keys are known passes them and leaves the rest to the defaults
    known = analyze("import keras\nfrom keras import layers\n" + source.replace("SPREAD", '**{"units": 8}'))
    called = [m for m in known.models if "units" in m.name]
    assert [[layer.output_shape for layer in m.layers] for m in called] == [[(None, 8), (None, 10)]]
    # `{**config, ...}` has keys of its own and the config's unknown ones
    assert [str(size) for size in sizes(source.replace("SPREAD", '**{**config, "units": 8}'))] == ["8", "classes"]
    # a model function called with unknown keywords is not also shown run on its defaults
    assert len(analyze(source.replace("SPREAD", "**config")).models) == 1


def test_a_model_built_from_an_unreadable_config_is_not_checked_against_its_defaults() -> None:
    torch_source = '''
import json, os
import torch
import torch.nn as nn

class MLP(nn.Module):
    def __init__(self, in_features=784, hidden=256, classes=10):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc2 = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))

net = MLP(**json.loads(os.environ["SM_HPS"]))
y = net(torch.randn(8, 32))
'''
    report = analyze(torch_source)
    assert report.error_count == 0  # torch fails only if the config's in_features is not 32
    (model,) = report.models
    assert [c.python for c in model.requires] == ["in_features == 32"]
    keras_source = '''
import json
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

cfg = json.load(open("cfg.json"))
head = layers.Dense(**cfg["head"])
features = keras.Input(shape=(16,))
model = keras.Model(features, head(features))
inputs = keras.Input(shape=(cfg["features"],), **cfg["input"])
'''
    report = analyze(keras_source)
    assert report.error_count == 0
    (dense,) = [layer for model in report.models for layer in model.layers if layer.class_name == "Dense"]
    assert dense.output_shape is None and "`**cfg[\"head\"]`" in dense.unknown_reason


def test_a_size_the_passes_of_a_loop_disagree_on_is_unknown_to_the_analysis_not_undefined() -> None:
    source = '''
import sys
import keras
from keras import layers

widths = [int(arg) for arg in sys.argv[1:]]
inputs = keras.Input(shape=(20,))
x = inputs
for width in widths:
    x = layers.Dense(width, activation="relu")(x)
model = keras.Model(inputs, layers.Dense(3)(x))
'''
    # after the loop the last axis is 20 or a width: Keras knows it, so Dense(3) is no error
    report = analyze(source)
    assert report.error_count == 0
    last = report.models[0].layers[-1]
    assert last.output_shape is None or last.output_shape == (None, 3)
    assert "a loop whose number of passes cannot be told" in (last.unknown_reason or "")


def test_a_sequential_popped_on_an_undecided_path_is_not_taken_as_popped_or_not() -> None:
    source = '''
import os
import keras
from keras import layers

model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3), layers.Flatten()])
if os.environ.get("FEATURES"):
    model.pop()
model.add(layers.Dense(2))
'''
    report = analyze(source)
    assert report.error_count == 0
    shapes = [layer.output_shape for layer in report.models[0].layers]
    assert shapes[0] == (None, 6, 6, 4) and shapes[-1] in (None, (None, 2))
    # decided, the popped layer is gone and what follows it takes its input
    popped = analyze(source.replace('os.environ.get("FEATURES")', "True"))
    assert [layer.class_name for layer in popped.models[0].layers] == ["Conv2D", "Dense"]
    assert popped.models[0].layers[-1].output_shape == (None, 6, 6, 2)
