"""``import tensorflow as tf`` for the oracle's fixture scripts, backed by Keras 3 and NumPy.

TensorFlow is not installed here. Fixtures are written the way users write them (``tf.keras``,
``from tensorflow.keras.layers import Conv2D``, ``tf.random.normal``), so the oracle harness puts
this package on ``sys.path`` while it executes a fixture, and only then.

``tensorflow.keras`` is Keras 3's own tf.keras namespace (``keras._tf_keras.keras``), the module
TensorFlow 2.16+ itself exposes as ``tf.keras``: same classes, same errors. Tensor factories return
NumPy arrays, which every Keras entry point (``model(x)``, ``predict``, ``fit``) accepts.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Optional, Sequence

import numpy as np

__version__ = "2.16.0+shapelens.oracle.shim"

_KERAS_ALIAS = "tensorflow.keras"
_KERAS_TARGET = "keras._tf_keras.keras"


class _KerasNamespaceAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves ``tensorflow.keras[.x.y]`` as the already-importable ``keras._tf_keras.keras[.x.y]``."""

    def find_spec(
        self, fullname: str, path: Optional[Sequence[str]], target: Optional[ModuleType] = None
    ) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname == _KERAS_ALIAS or fullname.startswith(_KERAS_ALIAS + "."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(_KERAS_TARGET + spec.name[len(_KERAS_ALIAS) :])

    def exec_module(self, module: ModuleType) -> None:
        """The target module is already executed."""


def _install_keras_alias() -> None:
    if not any(isinstance(finder, _KerasNamespaceAlias) for finder in sys.meta_path):
        sys.meta_path.insert(0, _KerasNamespaceAlias())


def uninstall_keras_alias() -> None:
    """Called by the harness when it takes the shim off ``sys.path`` again."""
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _KerasNamespaceAlias)]


_install_keras_alias()

from tensorflow import errors, random  # noqa: E402  (after the alias, like TF's own init)

keras = importlib.import_module(_KERAS_ALIAS)

float16 = np.float16
float32 = np.float32
float64 = np.float64
int32 = np.int32
int64 = np.int64
bool = np.bool_  # noqa: A001  (tf.bool)
string = np.str_


def zeros(shape: Sequence[int], dtype: type = float32) -> np.ndarray:
    return np.zeros(shape, dtype=dtype)


def ones(shape: Sequence[int], dtype: type = float32) -> np.ndarray:
    return np.ones(shape, dtype=dtype)


def constant(value: object, dtype: Optional[type] = None) -> np.ndarray:
    array = np.asarray(value, dtype=dtype)
    # TF's default float type is float32, NumPy's is float64.
    return array.astype(np.float32) if dtype is None and array.dtype == np.float64 else array


def convert_to_tensor(value: object, dtype: Optional[type] = None) -> np.ndarray:
    return constant(value, dtype=dtype)


__all__ = [
    "__version__",
    "constant",
    "convert_to_tensor",
    "errors",
    "keras",
    "ones",
    "random",
    "zeros",
]
