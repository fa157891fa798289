"""Keras' data functions: the datasets ``keras.datasets.<name>.load_data()`` gives, with the shapes
and dtypes Keras documents and asserts (keras/src/datasets/*.py, Keras 3.15), ``to_categorical``,
``pad_sequences``, ``normalize``, and the configured ``image_data_format()``.

The arrays are numpy arrays: they belong to the plugin that owns ``numpy``, whose methods they have.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Callable, Optional

from ..dims import Shape, equal
from ..interpreter.arrays import dtype_name, literal_shape
from ..interpreter.provenance import NotedStr, call_notes
from ..interpreter.values import ArrayValue, QName
from ..unknown import Unknown

if TYPE_CHECKING:
    from ..interpreter.core import Interpreter
    from ..interpreter.plugins import Plugin
    from . import KerasPlugin

# (rows, shape of one sample, dtype) of the train and test parts
Part = tuple[Optional[int], Shape, Optional[str], bool]  # rows, sample shape, dtype, ragged
Split = tuple[tuple[Part, Part], tuple[Part, Part]]

IMAGE_DATA_FORMAT = "channels_last"
IMAGE_DATA_FORMAT_NOTE = ("`image_data_format()` = 'channels_last': Keras' default channels_last "
                          "(~/.keras/keras.json can set channels_first)")


def images(train: int, test: int, sample: Shape, label: Shape) -> Split:
    return (((train, sample, "uint8", False), (train, label, "uint8", False)),
            ((test, sample, "uint8", False), (test, label, "uint8", False)))


def split_rows(total: Optional[int], test_split: object) -> tuple[Optional[int], Optional[int]]:
    """``int(len(x) * (1 - test_split))`` training rows, the rest for testing, as Keras splits."""
    if total is None or not isinstance(test_split, (int, float)) or isinstance(test_split, bool) or not 0 <= test_split < 1:
        return None, None
    train = int(total * (1 - test_split))
    return train, total - train


def sequences(train: Optional[int], test: Optional[int]) -> Split:
    """Word-index sequences of different lengths (``dtype=object``) and one label each."""
    return (((train, (), "object", True), (train, (), None, False)),
            ((test, (), "object", True), (test, (), None, False)))


def mnist(kwargs: dict) -> Split:
    return images(60000, 10000, (28, 28), ())


def cifar(kwargs: dict) -> Split:
    return images(50000, 10000, (32, 32, 3), (1,))


def imdb(kwargs: dict) -> Split:
    # `maxlen=` drops the longer reviews: how many are left is known only from the data
    count = None if kwargs.get("maxlen") else 25000
    return sequences(count, count)


def reuters(kwargs: dict) -> Split:
    total = None if kwargs.get("maxlen") else 11228
    return sequences(*split_rows(total, kwargs.get("test_split", 0.2)))


def tabular(total: int, features: int, kwargs: dict) -> Split:
    train, test = split_rows(total, kwargs.get("test_split", 0.2))
    return (((train, (features,), None, False), (train, (), None, False)),
            ((test, (features,), None, False), (test, (), None, False)))


def boston_housing(kwargs: dict) -> Split:
    return tabular(506, 13, kwargs)


def california_housing(kwargs: dict) -> Split:
    version = kwargs.get("version", "large")
    if version not in ("large", "small"):
        return tabular(0, 8, {"test_split": None})
    return tabular(20640 if version == "large" else 600, 8, kwargs)


DATASETS: dict[str, tuple[Callable[[dict], Split], tuple[str, ...]]] = {
    # name: (the split, load_data's positional parameters)
    "mnist": (mnist, ("path",)),
    "fashion_mnist": (mnist, ()),
    "cifar10": (cifar, ()),
    "cifar100": (cifar, ("label_mode",)),
    "imdb": (imdb, ("path", "num_words", "skip_top", "maxlen")),
    "reuters": (reuters, ("path", "num_words", "skip_top", "maxlen", "test_split")),
    "boston_housing": (boston_housing, ("path", "test_split")),
    "california_housing": (california_housing, ("version", "path", "test_split")),
}
LOADERS = frozenset(f"keras.datasets.{name}.load_data" for name in DATASETS)
# How many classes a data set's labels hold (its largest label + 1), which is what ``to_categorical``
# counts when it is not told: every class is in both parts of these sets. Left out: reuters (a rare
# topic may be missing from a part), and any set whose samples ``maxlen`` filters.
LABEL_CLASSES: dict[str, Callable[[dict], Optional[int]]] = {
    "mnist": lambda named: 10,
    "fashion_mnist": lambda named: 10,
    "cifar10": lambda named: 10,
    "cifar100": lambda named: {"fine": 100, "coarse": 20}.get(named.get("label_mode", "fine")),  # type: ignore[arg-type]
    "imdb": lambda named: None if named.get("maxlen") else 2,
}
CATEGORICAL = frozenset({"keras.utils.to_categorical", "keras.utils.np_utils.to_categorical",
                         "keras.utils.numerical_utils.to_categorical"})
PAD_SEQUENCES = frozenset({"keras.utils.pad_sequences", "keras.preprocessing.sequence.pad_sequences",
                           "keras.utils.sequence_utils.pad_sequences"})
IMAGE_DATA_FORMAT_CALLS = frozenset({"keras.backend.image_data_format", "keras.config.image_data_format"})
SET_IMAGE_DATA_FORMAT_CALLS = frozenset({"keras.backend.set_image_data_format", "keras.config.set_image_data_format"})
NORMALIZE = frozenset({"keras.utils.normalize", "keras.utils.numerical_utils.normalize"})


class Data:
    """The Keras data call hooks."""

    def __init__(self, plugin: "KerasPlugin") -> None:
        self.plugin = plugin

    def hook(self, path: str) -> Optional[Callable]:
        if path in LOADERS:
            return self.load_data
        if path in CATEGORICAL:
            return self.to_categorical
        if path in PAD_SEQUENCES:
            return self.pad_sequences
        if path in IMAGE_DATA_FORMAT_CALLS:
            return self.image_data_format
        if path in SET_IMAGE_DATA_FORMAT_CALLS:
            return self.set_image_data_format
        if path in NORMALIZE:
            return self.normalize
        return None

    def arrays(self, interp: "Interpreter") -> "Plugin":
        """The plugin whose values numpy arrays are."""
        return interp.frameworks.owner("numpy") or self.plugin  # type: ignore[return-value]

    def load_data(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        name = func.path.split(".")[-2]
        split, parameters = DATASETS[name]
        named = {**dict(zip(parameters, args)), **kwargs}
        owner, span = self.arrays(interp), interp.span(node)
        interp.events += 1

        def array(part: Part) -> ArrayValue:
            rows, sample, dtype, ragged = part
            return ArrayValue((rows, *sample), span, owner, dtype, (), ragged)

        parts = tuple(tuple(array(part) for part in pair) for pair in split(named))
        classes = LABEL_CLASSES[name](named) if name in LABEL_CLASSES else None
        if classes is not None:
            labels = self.plugin.state(interp).label_classes
            for _, label_array in parts:
                labels[id(label_array)] = (label_array, classes)
        return parts

    def to_categorical(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        labels = args[0] if args else kwargs.get("x", kwargs.get("y"))
        classes = args[1] if len(args) > 1 else kwargs.get("num_classes")
        shape = literal_shape(labels)
        if shape is None:
            return Unknown("`to_categorical` of labels whose shape is not known")
        if len(shape) > 1 and equal(shape[-1], 1) is True:
            shape = shape[:-1]  # Keras drops a trailing axis of 1: (n, 1) labels give (n, classes)
        width = classes if isinstance(classes, int) and not isinstance(classes, bool) and classes > 0 else None
        if classes is None and isinstance(labels, ArrayValue):  # the labels of a data set: its classes
            known = self.plugin.state(interp).label_classes.get(id(labels))
            width = known[1] if known is not None and known[0] is labels else None
        return self.made(interp, node, labels, (*shape, width), "float64", args, kwargs)

    def pad_sequences(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        sequences = args[0] if args else kwargs.get("sequences")
        maxlen = args[1] if len(args) > 1 else kwargs.get("maxlen")
        dtype = dtype_name(args[2] if len(args) > 2 else kwargs.get("dtype", "int32"))
        if maxlen is not None and not (isinstance(maxlen, int) and not isinstance(maxlen, bool)):
            return Unknown("`pad_sequences` with a `maxlen` that is not constant")
        rows: object
        if isinstance(sequences, ArrayValue):
            rows = sequences.shape[0] if sequences.shape else None
            longest = None if sequences.ragged or len(sequences.shape) < 2 else sequences.shape[1]
        elif isinstance(sequences, (list, tuple)) and all(isinstance(s, (list, tuple)) for s in sequences):
            rows = len(sequences)
            longest = max((len(s) for s in sequences), default=0)
        else:
            return Unknown("`pad_sequences` of sequences whose number is not known")
        return self.made(interp, node, sequences, (rows, maxlen if maxlen is not None else longest), dtype, args, kwargs)

    def normalize(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        source = args[0] if args else kwargs.get("x")
        shape = literal_shape(source)
        if shape is None:
            return Unknown("`normalize` of an array whose shape is not known")
        return self.made(interp, node, source, shape, None, args, kwargs)

    def made(self, interp: "Interpreter", node: ast.Call, source: object, shape: tuple, dtype: Optional[str],
             args: list, kwargs: dict) -> ArrayValue:
        if isinstance(source, ArrayValue):
            return source.derived(shape, dtype, self.arrays(interp), interp.span(node))
        return ArrayValue(shape, interp.span(node), self.arrays(interp), dtype, call_notes(interp, args, kwargs))

    def image_data_format(self, interp: "Interpreter", func: QName, args: list, kwargs: dict, node: ast.Call) -> object:
        """Keras' default, as a script run without a keras.json of its own sees it."""
        configured = self.plugin.state(interp).image_data_format
        if configured is not None:
            return configured
        interp.read_assumption(IMAGE_DATA_FORMAT_NOTE)
        value = NotedStr(IMAGE_DATA_FORMAT)
        value.notes = (IMAGE_DATA_FORMAT_NOTE,)
        return value

    def set_image_data_format(self, interp: "Interpreter", func: QName, args: list, kwargs: dict,
                              node: ast.Call) -> object:
        """The script sets the format itself: ``channels_last`` is then certain; another format changes
        the default of every layer, which the rules do not follow, so the format becomes unknown."""
        value = args[0] if args else kwargs.get("data_format")
        state = self.plugin.state(interp)
        state.image_data_format = IMAGE_DATA_FORMAT if value == IMAGE_DATA_FORMAT else Unknown(
            f"the image data format set by `{func.path}(...)`: layers default to it, which Shape Lens does not follow")
        return None
