"""The offline stand-ins the oracle gives fixture scripts for Keras' dataset loaders.

There is no network here, so ``keras.datasets.<name>.load_data()`` returns zero arrays of exactly
the shapes and dtypes Keras documents and asserts for the real data (keras/src/datasets/*.py of
Keras 3.15: ``mnist`` asserts ``x_train.shape == (60000, 28, 28)``; ``cifar10`` ``(50000, 32, 32, 3)``
images with ``(50000, 1)`` labels; ``imdb`` 25,000 + 25,000 reviews as ``dtype=object`` arrays of
word-index lists; ``reuters`` 11,228 newswires and ``boston_housing`` 506 / ``california_housing``
20,640 (or 600, ``version="small"``) rows, split at ``int(len(x) * (1 - test_split))`` as Keras
splits them). ``np.zeros`` costs no memory until a script writes or converts the array.

The word-index lists are short (1 to 20 words, all index 4, after the start mark 1), so
``pad_sequences`` is quick and every index fits any vocabulary a fixture declares; a fixture's
shapes never depend on their contents when it pads to a ``maxlen``.
"""

from __future__ import annotations

import contextlib
import importlib
from typing import Callable, Iterator

import numpy as np

Split = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _images(train: int, test: int, sample: tuple[int, ...], label: tuple[int, ...]) -> Split:
    return ((np.zeros((train, *sample), np.uint8), np.zeros((train, *label), np.uint8)),
            (np.zeros((test, *sample), np.uint8), np.zeros((test, *label), np.uint8)))


def _word_lists(count: int) -> np.ndarray:
    reviews = np.empty(count, dtype=object)
    for index in range(count):
        reviews[index] = [1] + [4] * (index % 20)
    return reviews


def _split(total: int, test_split: float) -> tuple[int, int]:
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1.")
    train = int(total * (1 - test_split))
    return train, total - train


def mnist(path: str = "mnist.npz") -> Split:
    return _images(60000, 10000, (28, 28), ())


def fashion_mnist() -> Split:
    return _images(60000, 10000, (28, 28), ())


def cifar10() -> Split:
    return _images(50000, 10000, (32, 32, 3), (1,))


def cifar100(label_mode: str = "fine") -> Split:
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f"`label_mode` must be one of `'fine'`, `'coarse'`. Received: label_mode={label_mode}.")
    return _images(50000, 10000, (32, 32, 3), (1,))


def imdb(path: str = "imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
         index_from=3, **kwargs) -> Split:
    return ((_word_lists(25000), np.zeros(25000, np.int64)), (_word_lists(25000), np.zeros(25000, np.int64)))


def reuters(path: str = "reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
            start_char=1, oov_char=2, index_from=3) -> Split:
    train, test = _split(11228, test_split)
    return ((_word_lists(train), np.zeros(train, np.int64)), (_word_lists(test), np.zeros(test, np.int64)))


def boston_housing(path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113) -> Split:
    train, test = _split(506, test_split)
    return ((np.zeros((train, 13)), np.zeros(train)), (np.zeros((test, 13)), np.zeros(test)))


def california_housing(version: str = "large", path: str = "california_housing.npz", test_split: float = 0.2,
                       seed: int = 113) -> Split:
    if version not in ("small", "large"):
        raise ValueError(f"Argument `version` must be one of 'small', 'large'. Received: version={version}")
    train, test = _split(20640 if version == "large" else 600, test_split)
    return ((np.zeros((train, 8), np.float32), np.zeros(train, np.float32)),
            (np.zeros((test, 8), np.float32), np.zeros(test, np.float32)))


LOADERS: dict[str, Callable[..., Split]] = {
    "mnist": mnist, "fashion_mnist": fashion_mnist, "cifar10": cifar10, "cifar100": cifar100, "imdb": imdb,
    "reuters": reuters, "boston_housing": boston_housing, "california_housing": california_housing,
}
# Where Keras 3 defines each loader, and where `keras.datasets` / `tf.keras.datasets` re-export it.
MODULES = ("keras.src.datasets.{}", "keras.datasets.{}", "keras._tf_keras.keras.datasets.{}")


@contextlib.contextmanager
def stubbed_loaders() -> Iterator[None]:
    """Every ``load_data`` of ``keras.datasets`` replaced by its stand-in, while a script runs."""
    originals = []
    for name, loader in LOADERS.items():
        for pattern in MODULES:
            module = importlib.import_module(pattern.format(name))
            originals.append((module, module.load_data))
            module.load_data = loader
    try:
        yield
    finally:
        for module, original in originals:
            module.load_data = original
