"""Ground truth for Keras 2: execute fixture scripts with tf_keras 2.21 on TensorFlow 2.21.

Runs in its own environment (``.venv-keras2``, see the Makefile), never in the test process:
``python keras2_truth.py OUT.json FIXTURE.py ...`` executes each fixture as ``__main__`` the way
Keras 2 code ran (``tensorflow.keras`` is tf_keras, with ``TF_USE_LEGACY_KERAS=1``; ``import keras``
is tf_keras too, as the ``keras`` 2.x package was), records every layer the script constructs and
each of its applications (output shape, parameter count), and the first exception, like
``tests/oracle/keras_truth.py`` does for Keras 3. Ground truth comes from symbolic model building
and ``predict`` (graph mode): oneDNN is off, since eager TF on CPU is not a reliable oracle.

As there, a ``keras.applications`` builder the script calls is one row (its line, the builder's
name), its own layers are not recorded, a builder that refuses its arguments fails at that row, and
its pretrained weights are neither downloaded nor loaded (shapes and counts do not depend on them).
"""

from __future__ import annotations

import os

os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["CUDA_VISIBLE_DEVICES"] = ""

import contextlib  # noqa: E402
import importlib  # noqa: E402
import importlib.abc  # noqa: E402
import importlib.machinery  # noqa: E402
import inspect  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import sys  # noqa: E402
import types  # noqa: E402
import warnings  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Iterator, Optional, Sequence  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf_keras  # noqa: E402
from tf_keras.src.engine.base_layer import Layer  # noqa: E402
from tf_keras.src.engine.input_layer import InputLayer  # noqa: E402
from tf_keras.src.engine.training import Model  # noqa: E402
from tf_keras.src.utils import data_utils  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests folder: oracle.command_line (no library)
from oracle.command_line import exception_chain, innermost_script_line, script_arguments  # noqa: E402

tf.get_logger().setLevel(logging.ERROR)
TF_KERAS_DIR = str(Path(tf_keras.__file__).resolve().parent) + os.sep
TENSORFLOW_DIR = str(Path(tf.__file__).resolve().parent) + os.sep
APPLICATIONS_DIR = os.path.join(TF_KERAS_DIR, "src", "applications") + os.sep
PRETRAINED_STAND_IN = "/nonexistent/shapelens-oracle/pretrained_weights.h5"


@contextlib.contextmanager
def pretrained_weights_not_fetched() -> Iterator[None]:
    """``weights="imagenet"``: ``data_utils.get_file`` answers a stand-in path, whose loading does nothing."""
    get_file, load_weights = data_utils.get_file, Model.load_weights

    def load(model: Model, filepath: object, *args: object, **kwargs: object) -> object:
        return None if filepath == PRETRAINED_STAND_IN else load_weights(model, filepath, *args, **kwargs)

    data_utils.get_file, Model.load_weights = (lambda *args, **kwargs: PRETRAINED_STAND_IN), load
    try:
        yield
    finally:
        data_utils.get_file, Model.load_weights = get_file, load_weights


class KerasIsTfKeras(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import keras[.x]`` as the ``keras`` 2.x package was: served by ``tf_keras[.x]``."""

    def find_spec(self, fullname: str, path: Optional[Sequence[str]], target: Optional[types.ModuleType] = None
                  ) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname == "keras" or fullname.startswith("keras."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return importlib.import_module("tf_keras" + spec.name[len("keras"):])

    def exec_module(self, module: types.ModuleType) -> None:
        """The target module is already executed."""


def canonical_class(layer: object) -> str:
    """Keras 2 names a few classes differently inside (``Functional``); scripts use the public names."""
    return type(layer).__name__


class Recorder:
    def __init__(self, script_file: str) -> None:
        self.script_file = script_file
        self.constructed: list[tuple[Layer, int]] = []
        self.failed_calls: list[tuple[BaseException, Layer]] = []
        self.built_by_builders: list[tuple[Layer, int, str]] = []  # models a builder made: (model, line, builder)
        self.backbones: dict[int, str] = {}  # id of each backbone the script got -> its builder's name

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        original_new = Layer.__dict__["__new__"]
        original_call = Layer.__dict__["__call__"]
        new_function = original_new.__func__ if isinstance(original_new, staticmethod) else original_new
        recorder = self

        def recording_new(cls: type, *args: object, **kwargs: object) -> Layer:
            layer = new_function(cls, *args, **kwargs)
            caller, builder = sys._getframe(1), None
            while caller is not None and caller.f_code.co_filename.startswith((TF_KERAS_DIR, TENSORFLOW_DIR)):
                if caller.f_code.co_filename.startswith(APPLICATIONS_DIR):
                    builder = caller.f_code.co_name  # the outermost: `EfficientNetB0`, not its `EfficientNet`
                caller = caller.f_back
            if caller is None or caller.f_code.co_filename != recorder.script_file:
                return layer
            if builder is None:
                recorder.constructed.append((layer, caller.f_lineno))
            elif isinstance(layer, Model):
                recorder.built_by_builders.append((layer, caller.f_lineno, builder))
            return layer

        def recording_call(layer: Layer, *args: object, **kwargs: object) -> object:
            try:
                return original_call(layer, *args, **kwargs)
            except BaseException as error:
                recorder.failed_calls.append((error, layer))
                raise

        Layer.__new__ = staticmethod(recording_new)
        Layer.__call__ = recording_call
        try:
            yield
        finally:
            Layer.__new__ = original_new
            Layer.__call__ = original_call

    def settle_backbones(self) -> None:
        """Of the models the builders made, the ones they returned (not nested in another)."""
        nested = {id(inner) for model, *_ in self.built_by_builders
                  for inner in model._flatten_layers(include_self=False, recursive=True)}
        for model, line, builder in self.built_by_builders:
            if id(model) not in nested and id(model) not in self.backbones:
                self.backbones[id(model)] = builder
                self.constructed.append((model, line))

    def user_layers(self) -> list[tuple[Layer, tuple[int, str]]]:
        return [(layer, (line, self.backbones.get(id(layer), canonical_class(layer)))) for layer, line in self.constructed
                if id(layer) in self.backbones or self.listed(layer)]

    def listed(self, layer: Layer) -> bool:
        """Whether the layer is one row, by the rule of the Keras 3 harness
        (``tests/oracle/keras_truth.py``): every layer of Keras' own; a layer class of the script
        when it owns weights directly (``add_weight``) or holds no layers (the layers inside it are
        rows of their own). Keras 2 wraps a TensorFlow function applied to a Keras tensor in a
        ``TFOpLambda`` (or ``SlicingOpLambda``) layer: the script wrote no layer there and Keras 3
        makes none, so those are not rows."""
        if isinstance(layer, (InputLayer, Model)) or type(layer).__name__ in WRAPPED_OPS:
            return False
        if not self.in_script(layer):
            return True
        return bool(own_weights(layer)) or not layer._flatten_layers(include_self=False, recursive=False)

    def in_script(self, layer: Layer) -> bool:
        """A class the script defines (or one deriving from such a class)."""
        return any(getattr(member, "__code__", None) is not None and member.__code__.co_filename == self.script_file
                   for klass in type(layer).__mro__ for member in vars(klass).values())

    def params(self, layer: Layer) -> Optional[int]:
        if self.in_script(layer):
            return sum(int(np.prod(w.shape)) for w in own_weights(layer))
        return layer.count_params() if layer.built else None

    def failing_layer(self, error: BaseException) -> Optional[tuple[int, str]]:
        chain = exception_chain(error)
        self.settle_backbones()
        keys = {id(layer): key for layer, key in self.user_layers()}
        for failed_error, layer in self.failed_calls:
            if id(failed_error) in chain and id(layer) in keys:
                return keys[id(layer)]
        return self.refusing_builder(error)

    def refusing_builder(self, error: BaseException) -> Optional[tuple[int, str]]:
        """A builder that refused its arguments: the script's frame calling into the applications."""
        traceback, line = error.__traceback__, None
        while traceback is not None:
            code = traceback.tb_frame.f_code
            if code.co_filename == self.script_file:
                line = traceback.tb_lineno
            elif line is not None and code.co_filename.startswith(APPLICATIONS_DIR):
                return (line, code.co_name)
            else:
                line = None
            traceback = traceback.tb_next
        return None


WRAPPED_OPS = frozenset({"TFOpLambda", "SlicingOpLambda"})


def own_weights(layer: Layer) -> list:
    """The weights a layer made itself (``add_weight``), not those of the layers inside it."""
    return list(layer._trainable_weights) + list(layer._non_trainable_weights)


def shape_of(tensor: object) -> list:
    shape = tensor.shape
    return list(shape.as_list() if hasattr(shape, "as_list") else shape)


def applications(recorder: Recorder) -> list:
    found: dict[tuple[int, str], set] = defaultdict(set)
    for layer, key in recorder.user_layers():
        if id(layer) in recorder.backbones:  # its own graph: `base.input` -> `base.output`
            found[key].add((tuple(shape_of(layer.output)), layer.count_params()))
        nodes = getattr(layer, "_inbound_nodes_value", None)  # absent when the constructor itself failed
        for node in nodes or ():
            outputs = tf.nest.flatten(node.outputs)
            shapes = tuple(tuple(shape_of(t)) for t in outputs)
            output = shapes[0] if len(shapes) == 1 else shapes
            found[key].add((output, recorder.params(layer)))
    return [[line, name, [[json_shape(o), p] for o, p in sorted(apps, key=repr)]]
            for (line, name), apps in sorted(found.items())]


def json_shape(shape: tuple) -> list:
    return [list(s) for s in shape] if shape and isinstance(shape[0], tuple) else list(shape)


def functions_with_all_defaults(namespace: dict, script_file: str) -> list:
    functions = []
    for value in list(namespace.values()):
        if not isinstance(value, types.FunctionType) or value.__name__ == "<lambda>":
            continue
        if value.__code__.co_filename != script_file or value.__qualname__ != value.__name__:
            continue
        parameters = inspect.signature(value).parameters.values()
        if all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters):
            functions.append(value)
    return functions


def run(path: Path) -> dict:
    script_file = str(path)
    source = path.read_text(encoding="utf-8")
    recorder = Recorder(script_file)
    failure = None
    namespace: dict = {"__name__": "__main__", "__file__": script_file}
    tf_keras.backend.clear_session()
    tf_keras.utils.set_random_seed(0)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        with recorder.installed(), pretrained_weights_not_fetched(), script_arguments(script_file):
            try:
                exec(compile(source, script_file, "exec"), namespace)
                for build in functions_with_all_defaults(namespace, script_file):
                    build()
            except Exception as error:  # the script's own exception: that is the observation
                failure = {
                    "error_type": type(error).__name__,
                    "message": str(error),
                    "failing_layer": recorder.failing_layer(error),
                    "statement_line": innermost_script_line(error, script_file),
                }
    recorder.settle_backbones()
    outcome = {"path": script_file, "applications": applications(recorder), "failure": failure}
    namespace.clear()
    return outcome


def main(argv: list[str]) -> int:
    sys.meta_path.insert(0, KerasIsTfKeras())
    out, paths = argv[1], argv[2:]
    results = [run(Path(p)) for p in paths]
    Path(out).write_text(json.dumps(results), encoding="utf-8")
    return 0


if __name__ == "__main__":
    np.random.seed(0)
    sys.exit(main(sys.argv))
