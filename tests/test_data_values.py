"""The values data and configuration code makes, against Python itself.

Each snippet runs for real (numpy, torch, Keras' data utilities, argparse with no command-line
arguments, dataclasses) and through the engine's interpreter; every top-level name the snippet
binds must come out the same: an array's shape, or the plain value (numbers, strings, tuples,
lists, dicts). A name listed as unknown must be unknown to the engine, with a reason; a ``None``
in an engine shape must stand for a size the program does not fix (listed per snippet).
"""

from __future__ import annotations

import ast
import types

import numpy as np
import pytest
import torch

from oracle.command_line import script_arguments
from shapelens.analysis import analyze, frameworks
from shapelens.analysis.interpreter import Interpreter
from shapelens.analysis.interpreter.values import ArrayValue
from shapelens.analysis.unknown import Unknown

NUMPY = """
import numpy as np
x = np.random.rand(60, 28, 28).astype("float32")
flat = x.reshape(-1, 784)
flat_shape = flat.shape
channel = x.reshape(x.shape[0], 28, 28, 1)
scaled = x / 255.0
expanded = np.expand_dims(x, -1)
expanded_front = np.expand_dims(x[0], axis=0)
indexed_none = x[..., None]
newaxis = x[:, np.newaxis]
squeezed = np.squeeze(channel, axis=-1)
squeezed_all = channel[:1].squeeze()
transposed = np.transpose(channel, (0, 3, 1, 2))
method_transposed = channel.transpose(0, 3, 1, 2)
reversed_axes = x.T
first_five = x[:5]
one = x[0]
cropped = x[:, :10]
stepped = x[::2, 3:-3, ::4]
stacked = np.stack([x[0], x[1], x[2]], axis=-1)
joined = np.concatenate([x, x[:4]])
joined_last = np.concatenate((channel, channel), axis=3)
rows = len(x)
tail = x.shape[1:]
last = x.shape[-1]
ndim = channel.ndim
size = flat.size
mean_rows = x.mean(axis=0)
kept = x.sum(axis=(1, 2), keepdims=True)
labels = np.argmax(flat, axis=1)
norms = np.linalg.norm(channel, axis=-1)
moved = np.moveaxis(channel, -1, 1)
swapped = channel.swapaxes(1, 2)
vertical = np.vstack([flat[:3], flat[3:5]])
horizontal = np.hstack([flat, flat[:, :16]])
literal = np.array([[1, 2, 3], [4, 5, 6]])
literal_float = np.asarray([0.5, 1.5], dtype=np.float32)
like = np.zeros_like(channel)
counting = np.arange(12)
stepping = np.arange(2, 20, 3)
spaced = np.linspace(0, 1, 7)
identity = np.eye(4)
order = np.random.permutation(len(x))
shuffled = x[order]
chosen = np.random.choice(10, size=(3, 2))
difference = channel - channel.mean(axis=0)
standardised = (flat - flat.mean(axis=0)) / (flat.std(axis=0) + 1e-7)
raveled = channel.ravel()
clipped = np.clip(x, 0, 1)
mask = x > 0.5
picked = flat[flat[:, 0] > 0.5]
cast = np.float32(x)
"""

KERAS_DATA = """
import numpy as np
import keras
from keras.utils import to_categorical, pad_sequences
from keras.preprocessing.sequence import pad_sequences as pad
labels = np.random.randint(0, 10, 50)
onehot = to_categorical(labels, 10)
column = labels.reshape(-1, 1)
onehot_column = keras.utils.to_categorical(column, num_classes=10)
padded = pad_sequences([[1, 2, 3], [4, 5], [6]])
padded_to = pad([[1, 2, 3], [4, 5]], maxlen=6, padding="post")
regular = pad_sequences(np.zeros((8, 5), dtype="int32"), maxlen=3)
data_format = keras.config.image_data_format()
backend_format = keras.backend.image_data_format()
onehot_shape = onehot.shape
padded_rows = len(padded)
normalized = keras.utils.normalize(np.random.rand(4, 3), axis=-1)
"""

TORCH = """
import numpy as np
import torch
images = np.zeros((8, 32, 32, 3), dtype=np.float32)
batch = torch.from_numpy(images).permute(0, 3, 1, 2).float()
batch_shape = batch.shape
first = batch.size(0)
signals = torch.from_numpy(np.zeros((4, 100))).float().unsqueeze(1)
viewed = torch.tensor(images).view(8, -1)
reshaped = torch.as_tensor(images).reshape(-1, 3)
literal = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
typed = torch.FloatTensor(np.zeros((5, 2)))
sized = torch.Tensor(2, 3)
positions = torch.arange(0, 16, dtype=torch.long)
back = batch.numpy()
sliced = batch[:, 0]
squeezed = signals.squeeze(1)
flattened = torch.flatten(batch, 1)
unsqueezed = torch.unsqueeze(torch.from_numpy(np.zeros(6)), 0)
"""

ARGPARSE = """
import argparse
parser = argparse.ArgumentParser(description="demo")
parser.add_argument("--img-size", type=int, default=224)
parser.add_argument("--lr", type=float, default="0.01")
parser.add_argument("--epochs", type=int)
parser.add_argument("-b", "--batch_size", default=32, type=int)
parser.add_argument("--no-augment", dest="augment", action="store_false")
parser.add_argument("--verbose", action="store_true")
parser.add_argument("--name", default="resnet")
group = parser.add_argument_group("model")
group.add_argument("--width", type=int, default=64)
parser.set_defaults(seed=7)
args = parser.parse_args()
img_size = args.img_size
lr = args.lr
epochs = args.epochs
batch_size = args.batch_size
augment = args.augment
verbose = args.verbose
name = args.name
width = args.width
seed = args.seed
as_dict = vars(args)
given = parser.parse_args(["--img-size", "128", "--verbose", "--name=vgg"])
given_size = given.img_size
given_verbose = given.verbose
given_name = given.name
empty = parser.parse_args([])
empty_size = empty.img_size
known, rest = parser.parse_known_args()
known_width = known.width
half = args.img_size // 2
shape = (args.img_size, args.img_size, 3)
"""

CLASSES = """
from dataclasses import dataclass, field
from types import SimpleNamespace

@dataclass
class Config:
    n_embd: int = 768
    n_head: int = 12
    vocab_size: int = 50304
    dropout: float = 0.1
    layers: list = field(default_factory=list)
    name: str = field(default="gpt")

@dataclass
class Small(Config):
    n_embd: int = 128
    extra: int = 3

@dataclass(frozen=True)
class Frozen:
    width: int = 16

@dataclass
class Derived:
    size: int
    double: int = 0

    def __post_init__(self):
        self.double = self.size * 2

class CFG:
    IMG_SIZE = 224
    CHANNELS = 3
    SHAPE = (IMG_SIZE, IMG_SIZE, CHANNELS)

class SmallCFG(CFG):
    IMG_SIZE = 96

config = Config(n_head=8)
n_embd = config.n_embd
n_head = config.n_head
layers = config.layers
model_name = config.name
small = Small(vocab_size=100)
small_embd = small.n_embd
small_vocab = small.vocab_size
small_extra = small.extra
frozen_width = Frozen().width
positional = Config(256, 4)
positional_embd = positional.n_embd
derived = Derived(5)
doubled = derived.double
img = CFG.IMG_SIZE
shape = CFG.SHAPE
small_img = SmallCFG.IMG_SIZE
small_channels = SmallCFG.CHANNELS
instance_img = SmallCFG().IMG_SIZE
ns = SimpleNamespace(units=32, window=10)
ns.layers = 2
units = ns.units
ns_layers = ns.layers
settings = {"img_size": 64, "filters": [16, 32]}
settings.update({"dropout": 0.5})
img_size = settings.get("img_size", 32)
missing = settings.get("batch", 8)
dropout = settings["dropout"]
default_set = settings.setdefault("epochs", 10)
keys = tuple(settings.keys())
made = dict(settings, img_size=128)
made_size = made["img_size"]

from dataclasses import asdict, astuple
from functools import partial

@dataclass
class Train:
    model: Config = field(default_factory=Config)
    epochs: int = 3
    sizes: list = field(default_factory=lambda: [16, 32])

config_dict = asdict(config)
train_dict = asdict(Train(epochs=5))
train_tuple = astuple(Train())
frozen_tuple = astuple(Frozen())

def scaled(width, factor=2, offset=0):
    return width * factor + offset

triple = partial(scaled, factor=3)
tripled = triple(5)
overridden = triple(5, factor=4)
shifted = partial(scaled, 1, offset=7)()
fixed_keywords = triple.keywords
fixed_args = partial(scaled, 4).args
widths_down = sorted([64, 256, 128], reverse=True)
numbered = [f"conv{i}" for i, _ in enumerate(widths_down, start=1)]
widest = max([64, 256, 128], key=lambda width: -width)
square = (lambda size, channels=3: (size, size, channels))(32)
"""

FOLDS = """
import functools
import operator
from functools import reduce
from operator import mul, floordiv
import numpy as np
import torch

feature_map = torch.zeros(2, 64, 7, 7)
flat = reduce(operator.mul, feature_map.shape[1:], 1)
flat_no_initial = functools.reduce(mul, feature_map.size()[1:])
flat_lambda = reduce(lambda a, b: a * b, list(feature_map.shape)[1:])
whole = reduce(mul, feature_map.shape)
channels_total = reduce(operator.add, [16, 32, 64])
halved = reduce(floordiv, [224, 2, 2, 2])
spare = reduce(operator.add, [], 0)
power = operator.pow(2, 5)
difference = operator.sub(128, 32)
ratio = operator.truediv(9, 2)
remainder = operator.mod(100, 7)
wide = operator.add((1, 2), (3,))
tensor_sum = operator.add(feature_map, feature_map)
array_product = operator.matmul(np.ones((4, 3)), np.ones((3, 5)))
joined_names = reduce(operator.add, ["conv", "_", "1"])
"""

INDEXING = """
import numpy as np
import torch
x = np.random.rand(20, 28, 28).astype("float32")
label_column = np.random.randint(0, 10, size=(20, 1))
labels = np.random.randint(0, 10, size=(20,))
one_hot_column = np.eye(10)[label_column]
one_hot = np.eye(10)[labels]
chosen_rows = x[[0, 5, 7]]
last_rows = x[[-1, -2]]
grid = x[np.array([[0, 1], [2, 3]])]
t = torch.randn(6, 4)
picked = t[[0, 2]]
gathered = t[torch.tensor([1, 2, 3])]
weights = torch.tensor([[1.0, 2.0]])
flags = np.array([True, False])
mixed = np.array([[0.5, 1], [2, 3]])
"""

SNIPPETS = {
    "numpy": (NUMPY, set(), {"picked": (0,)}),
    "keras data utilities": (KERAS_DATA, set(), {}),
    "torch tensors from data": (TORCH, set(), {}),
    "argparse": (ARGPARSE, set(), {}),
    "classes and namespaces": (CLASSES, {"widest"}, {}),
    "functools.reduce and operator": (FOLDS, set(), {}),
    "integer-array and list indexing": (INDEXING, set(), {}),
}
# per snippet: (source, names the engine leaves unknown, array axes it leaves unknown: a boolean
# mask keeps as many rows as the data holds True)


def real_values(source: str) -> dict:
    namespace: dict = {"__name__": "__main__"}
    with script_arguments("snippet.py"):
        exec(compile(source, "snippet.py", "exec"), namespace)  # noqa: S102 - the snippets above
    return namespace


def engine_values(source: str) -> dict:
    tree = ast.parse(source)
    interpreter = Interpreter(tree, tuple(source.splitlines()), frameworks(), budget=100_000)
    interpreter.run()
    values = dict(interpreter.module.vars)
    interpreter.release()
    return values


def comparable(value: object) -> bool:
    return not isinstance(value, (types.ModuleType, types.FunctionType, type)) and not callable(value)


def mismatch(name: str, real: object, engine: object, unknown_axes: tuple) -> str:
    if isinstance(real, (np.ndarray, torch.Tensor)):
        if not isinstance(engine, ArrayValue):
            return f"{name}: an array of shape {tuple(real.shape)}; the engine has {engine!r}"
        expected = tuple(None if axis in unknown_axes else int(d) for axis, d in enumerate(real.shape))
        return "" if engine.shape == expected else f"{name}: shape {expected}; the engine has {engine.shape}"
    if isinstance(real, (np.integer, np.floating)):
        real = real.item()
    if isinstance(engine, Unknown):
        return f"{name}: {real!r}; the engine does not know it ({engine.reason})"
    if type(real) in (tuple, list, dict, int, float, str, bool) or real is None:
        return "" if engine == real else f"{name}: {real!r}; the engine has {engine!r}"
    return ""


@pytest.mark.parametrize("title", SNIPPETS)
def test_the_engine_computes_what_python_computes(title: str) -> None:
    source, unknown, unknown_axes = SNIPPETS[title]
    real, engine = real_values(source), engine_values(source)
    names = [name for name, value in real.items() if not name.startswith("__") and comparable(value)]
    assert len(names) >= 10
    problems = []
    for name in names:
        if name in unknown:
            if not isinstance(engine.get(name), Unknown):
                problems.append(f"{name}: expected unknown, the engine has {engine.get(name)!r}")
            continue
        problem = mismatch(name, real[name], engine.get(name, Unknown("not bound")), unknown_axes.get(name, ()))
        if problem:
            problems.append(problem)
    assert problems == []


def test_data_read_from_files_stays_unknown_with_a_reason() -> None:
    source = (
        "import numpy as np\nimport pandas as pd\nimport json\nimport keras\n"
        "X = np.load('features.npy')\ndf = pd.read_csv('train.csv')\nconfig = json.load(open('config.json'))\n"
        "model = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(1)])\nmodel.fit(X, df['y'])\n"
    )
    values = engine_values(source)
    assert "data loaded from a file by `numpy.load(...)`" in values["X"].reason
    assert "data loaded from a file by `pandas.read_csv(...)`" in values["df"].reason
    assert "read from a file by `json.load(...)`" in values["config"].reason
    (model,) = analyze(source).models
    assert model.layers[0].output_shape is None
    assert "built by the data given to `model.fit(...)` at line 9, whose shape is not known: data loaded from a file " \
           "by `numpy.load(...)`" in model.layers[0].unknown_reason


def test_a_decided_branch_notes_the_assumption_it_was_decided_by() -> None:
    source = (
        "import keras\nfrom keras import backend as K\n"
        "if K.image_data_format() == 'channels_first':\n    shape = (3, 32, 32)\nelse:\n    shape = (32, 32, 3)\n"
        "model = keras.Sequential([keras.Input(shape=shape), keras.layers.Conv2D(4, 3)])\n"
        "plain = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(2)])\n"
    )
    configured, plain = analyze(source).models
    (conv,) = configured.layers
    assert conv.output_shape == (None, 30, 30, 4)
    assert any("Keras' default channels_last" in note for note in conv.notes)
    assert plain.layers[0].notes == ()


def test_a_script_that_needs_arguments_leaves_them_unknown() -> None:
    source = (
        "import argparse\nparser = argparse.ArgumentParser()\nparser.add_argument('data_dir')\n"
        "parser.add_argument('--size', type=int, required=True)\nargs = parser.parse_args()\n"
    )
    assert "the script needs the command-line argument `data_dir`" in engine_values(source)["args"].reason


def test_a_script_that_sets_another_data_format_is_not_second_guessed() -> None:
    # Layers then default to channels_first, which the rules do not follow: no guess, no false error.
    source = (
        "import keras\nfrom keras import backend as K\nK.set_image_data_format('channels_first')\n"
        "data_format = K.image_data_format()\nshape = (1, 28, 28) if K.image_data_format() == 'channels_first' else (28, 28, 1)\n"
        "model = keras.Sequential([keras.Input(shape=shape), keras.layers.Conv2D(4, 3)])\n"
    )
    report = analyze(source)
    assert report.diagnostics == ()
    assert report.models[0].layers[0].output_shape is None
    assert "set by `keras.backend.set_image_data_format(...)`" in engine_values(source)["data_format"].reason


def test_a_fold_the_engine_cannot_finish_is_unknown_with_its_reason() -> None:
    source = (
        "import json\nfrom functools import reduce\nfrom operator import mul\n"
        "empty = reduce(mul, [])\n"
        "config = json.load(open('config.json'))\nread = reduce(mul, config['shape'])\n"
        "import scipy.special\nopaque = reduce(scipy.special.comb, [5, 2])\n"
    )
    values = engine_values(source)
    assert "of an empty sequence with no initial value fails" in values["empty"].reason
    assert "over items that are not known" in values["read"].reason
    assert isinstance(values["opaque"], Unknown)


def test_to_categorical_of_a_data_sets_labels_counts_its_classes() -> None:
    # keras.utils.to_categorical(y) without num_classes gives max(y) + 1 columns: every class of these
    # sets is in both parts (mnist 0-9, CIFAR-100's 20 coarse and 100 fine labels, imdb's 0 and 1); a
    # slice may miss the largest label, and reuters' test part may miss a rare topic
    source = (
        "import keras\nfrom keras.datasets import cifar100, imdb, mnist, reuters\n"
        "(x, y), (xt, yt) = mnist.load_data()\nonehot, onehot_test = keras.utils.to_categorical(y), "
        "keras.utils.to_categorical(yt)\nsliced = keras.utils.to_categorical(y[:100])\n"
        "(cx, cy), _ = cifar100.load_data(label_mode='coarse')\ncoarse = keras.utils.to_categorical(cy)\n"
        "(fx, fy), _ = cifar100.load_data()\nfine = keras.utils.to_categorical(fy)\n"
        "(ix, iy), _ = imdb.load_data(num_words=10000)\nsentiment = keras.utils.to_categorical(iy)\n"
        "(rx, ry), _ = reuters.load_data()\ntopics = keras.utils.to_categorical(ry)\n"
    )
    shapes = {name: value.shape for name, value in engine_values(source).items() if isinstance(value, ArrayValue)}
    assert shapes["onehot"] == (60000, 10) and shapes["onehot_test"] == (10000, 10)
    assert shapes["sliced"] == (100, None)
    assert shapes["coarse"] == (50000, 20) and shapes["fine"] == (50000, 100)
    assert shapes["sentiment"] == (25000, 2)
    assert shapes["topics"] == (8982, None)


def test_an_array_made_from_a_literal_has_the_dtype_of_its_numbers() -> None:
    # numpy makes Python floats float64, torch float32; integers are int64 in both, booleans bool
    source = ("import numpy as np\nimport torch\nints = np.array([[0, 1], [2, 3]])\nfloats = np.array([0.5, 1])\n"
              "flags = np.array([True, False])\nlong = torch.tensor([1, 2, 3])\nsingle = torch.tensor([[1.0, 2]])\n"
              "mask = torch.tensor([True])\n")
    real, engine = real_values(source), engine_values(source)
    for name in ("ints", "floats", "flags", "long", "single", "mask"):
        assert engine[name].dtype == str(real[name].dtype).replace("torch.", ""), name
