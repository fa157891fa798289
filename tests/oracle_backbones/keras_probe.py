"""One ``keras.applications`` builder call, run for real (Keras 3, torch backend).

A call is ``(name, kwargs)`` with JSON values: ``input_shape`` a list for a tuple (or
``{"list": [...]}`` for a list: Keras compares it with tuples), ``input_tensor`` the shape of a
``keras.Input`` (batch first). The result is JSON too:

* ``{"built": {"input_shape", "output_shape", "total", "trainable"}}``
* ``{"error": [type name, message]}``: the builder raised
* ``{"weights_requested": true}``: every check passed and the builder asked for the pretrained
  weights file; the probe stops it there (no network, and the shapes do not depend on weights)

While a probe builds, variables are allocated uninitialised: random initialisation is most of a
build's time and changes no shape or count.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from typing import Any, Iterator, Mapping

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from keras.src.backend.common import variables  # noqa: E402
from keras.src.backend.torch.core import to_torch_dtype  # noqa: E402
from keras.src.utils import file_utils  # noqa: E402

from oracle_backbones.cache import cached, is_cached  # noqa: E402

KERAS_VERSION = keras.__version__
BACKEND = keras.backend.backend()


class WeightsRequested(Exception):
    """Raised in place of downloading pretrained weights."""


def _uninitialised(self: Any, initializer: Any) -> None:
    self._initialize(torch.empty(tuple(self._shape), dtype=to_torch_dtype(self._dtype)))


def _refuse_download(*args: Any, **kwargs: Any) -> None:
    raise WeightsRequested()


@contextlib.contextmanager
def _fast_offline_builds() -> Iterator[None]:
    saved_init = variables.Variable._initialize_with_initializer
    saved_get_file = file_utils.get_file
    variables.Variable._initialize_with_initializer = _uninitialised
    file_utils.get_file = _refuse_download
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        variables.Variable._initialize_with_initializer = saved_init
        file_utils.get_file = saved_get_file


def _shape(shape: Any) -> list[Any]:
    return [None if d is None else int(d) for d in shape]


def _run(name: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    builder = getattr(keras.applications, name)
    call = dict(kwargs)
    if isinstance(call.get("input_shape"), list):
        call["input_shape"] = tuple(call["input_shape"])
    elif isinstance(call.get("input_shape"), dict):
        call["input_shape"] = list(call["input_shape"]["list"])
    if "input_tensor" in call:
        shape = call["input_tensor"]
        call["input_tensor"] = keras.Input(batch_shape=tuple(shape))
    # No keras.backend.clear_session(): its gc.collect() costs a second, and layer names do
    # not matter here.
    try:
        with _fast_offline_builds():
            model = builder(**call)
    except WeightsRequested:
        return {"weights_requested": True}
    except Exception as error:  # the library's rejection is the datum
        return {"error": [type(error).__name__, str(error)]}
    trainable = int(sum(np.prod(v.shape) for v in model.trainable_weights))
    return {
        "built": {
            "input_shape": _shape(model.inputs[0].shape),
            "output_shape": _shape(model.outputs[0].shape),
            "total": int(model.count_params()),
            "trainable": trainable,
        }
    }


def _call(name: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": name, "kwargs": dict(kwargs), "backend": BACKEND}


def probe(name: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """What ``keras.applications.<name>(**kwargs)`` does, from the cache when known."""
    return cached("keras", KERAS_VERSION, _call(name, kwargs), lambda: _run(name, kwargs))


def probe_is_cached(name: str, kwargs: Mapping[str, Any]) -> bool:
    return is_cached("keras", KERAS_VERSION, _call(name, kwargs))
