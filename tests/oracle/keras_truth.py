"""Ground truth: execute a fixture script with real Keras 3 and record what it built.

While the script runs, ``Layer.__new__`` is wrapped to note, for every layer the script itself
constructs, the script line of the constructor call (the frame that called the class), and
``Layer.__call__`` is wrapped to note which layer was executing when an exception went through.
Afterwards every recorded layer's inbound nodes give one application each: its output shape(s)
and ``count_params()``. Keras 3 has no public accessor for all of a layer's nodes, hence
``_inbound_nodes``.

Like the engine, the harness also runs every top-level function of the script whose parameters
all have defaults, once, with those defaults (a ``build_model(input_shape=(28, 28, 1))``).
"""

from __future__ import annotations

import contextlib
import inspect
import io
import os
import sys
import types
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Optional, Union

os.environ["KERAS_BACKEND"] = "torch"  # before the first import of keras, wherever it happens

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras.src.layers.core.input_layer import InputLayer  # noqa: E402
from keras.src.layers.layer import Layer  # noqa: E402
from keras.src.utils import module_utils  # noqa: E402

SHIMS_DIR = Path(__file__).resolve().parent / "shims"
KERAS_DIR = str(Path(keras.__file__).resolve().parent) + os.sep

Dim = Optional[int]
Shape = tuple[Dim, ...]
OutputShape = Union[Shape, tuple[Shape, ...]]  # several outputs: a tuple of shapes
LayerKey = tuple[int, str]  # (1-based line of the constructor call, Keras class name)
Application = tuple[Optional[OutputShape], Optional[int]]  # (output shape, parameter count)


@dataclass(frozen=True)
class KerasFailure:
    error_type: str
    message: str
    # The innermost layer constructed by the script that was executing when Keras raised.
    failing_layer: Optional[LayerKey]
    # The innermost script line in the traceback: the statement that raised (predict, fit, ...).
    statement_line: Optional[int]


@dataclass(frozen=True)
class KerasOutcome:
    applications: Mapping[LayerKey, frozenset[Application]]
    failure: Optional[KerasFailure]

    def describe(self) -> str:
        lines = [
            f"  line {line} {class_name}: {sorted(apps, key=repr)}"
            for (line, class_name), apps in sorted(self.applications.items())
        ]
        if self.failure is not None:
            lines.append(f"  raised {self.failure.error_type}: {first_line(self.failure.message)}")
        return "\n".join(lines)


def first_line(message: str) -> str:
    """The core of a Keras message, without the call-context wrapper's ANSI-bold framing."""
    core = message.split("\x1b[1m", 1)[-1].split("\x1b[0m", 1)[0] if "\x1b[1m" in message else message
    return core.strip().splitlines()[0] if core.strip() else ""


def canonical_layer_class(name: str) -> str:
    """``MaxPool2D`` -> ``MaxPooling2D``: Keras' aliases name the same class."""
    candidate = getattr(keras.layers, name, None)
    return candidate.__name__ if isinstance(candidate, type) else name


class _Recorder:
    """Wraps ``Layer.__new__`` / ``Layer.__call__`` while one script runs."""

    def __init__(self, script_file: str) -> None:
        self.script_file = script_file
        self.constructed: list[tuple[Layer, int]] = []
        self.failed_calls: list[tuple[BaseException, Layer]] = []

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        original_new = Layer.__dict__["__new__"]
        original_call = Layer.__dict__["__call__"]
        new_function = original_new.__func__ if isinstance(original_new, staticmethod) else original_new
        recorder = self

        def recording_new(cls: type, *args: object, **kwargs: object) -> Layer:
            layer = new_function(cls, *args, **kwargs)
            # Skip Keras' own frames: `layers.concatenate([a, b])` constructs its Concatenate
            # inside Keras, on behalf of the script line that called it.
            caller = sys._getframe(1)
            while caller is not None and caller.f_code.co_filename.startswith(KERAS_DIR):
                caller = caller.f_back
            if caller is not None and caller.f_code.co_filename == recorder.script_file:
                recorder.constructed.append((layer, caller.f_lineno))
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

    def user_layers(self) -> list[tuple[Layer, LayerKey]]:
        return [
            (layer, (line, type(layer).__name__))
            for layer, line in self.constructed
            if not isinstance(layer, (InputLayer, keras.Model))
        ]

    def failing_layer(self, error: BaseException) -> Optional[LayerKey]:
        chain = _exception_chain(error)
        keys = {id(layer): key for layer, key in self.user_layers()}
        for failed_error, layer in self.failed_calls:  # innermost call first
            if id(failed_error) in chain and id(layer) in keys:
                return keys[id(layer)]
        return None


def _exception_chain(error: BaseException) -> set[int]:
    """Keras re-raises with added context as a new exception; the original stays in __context__."""
    seen: set[int] = set()
    pending: list[Optional[BaseException]] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        pending.extend([current.__context__, current.__cause__])
    return seen


def _innermost_script_line(error: BaseException, script_file: str) -> Optional[int]:
    line = None
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == script_file:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _shape(tensor: object) -> Shape:
    return tuple(None if dim is None else int(dim) for dim in tensor.shape)


def _applications(recorder: _Recorder) -> dict[LayerKey, frozenset[Application]]:
    applications: dict[LayerKey, set[Application]] = defaultdict(set)
    for layer, key in recorder.user_layers():
        for node in getattr(layer, "_inbound_nodes", ()):  # absent when the layer's constructor failed
            shapes = tuple(_shape(tensor) for tensor in node.outputs)
            output_shape = shapes[0] if len(shapes) == 1 else shapes
            params = layer.count_params() if layer.built else None
            applications[key].add((output_shape, params))
    return {key: frozenset(apps) for key, apps in applications.items()}


def _functions_with_all_defaults(namespace: dict, script_file: str) -> list[types.FunctionType]:
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


@contextlib.contextmanager
def _script_environment() -> Iterator[None]:
    """Fresh Keras session, the tensorflow shim importable, and Keras' console noise swallowed."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    lazy_tensorflow = module_utils.tensorflow
    sys.path.insert(0, str(SHIMS_DIR))

    # Keras probes `import tensorflow` lazily (isinstance checks against tf.data.Dataset, ...).
    # It must keep seeing the truth of this machine, "not installed", not the fixtures' shim.
    def refuse() -> None:
        raise ImportError("TensorFlow is not installed; the oracle's shim serves fixture scripts only")

    lazy_tensorflow.initialize = refuse
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        del lazy_tensorflow.initialize
        sys.path.remove(str(SHIMS_DIR))
        for name in [n for n in sys.modules if n == "tensorflow" or n.startswith("tensorflow.")]:
            module = sys.modules.pop(name)
            uninstall = getattr(module, "uninstall_keras_alias", None)
            if uninstall is not None:
                uninstall()


def run_in_keras(path: Path, source: str) -> KerasOutcome:
    """Execute the script as ``__main__`` (stopping at its first exception) and record its layers."""
    script_file = str(path)
    recorder = _Recorder(script_file)
    failure = None
    code = compile(source, script_file, "exec")
    namespace: dict = {"__name__": "__main__", "__file__": script_file}
    with _script_environment(), recorder.installed():
        np.random.seed(0)
        try:
            exec(code, namespace)
            for build in _functions_with_all_defaults(namespace, script_file):
                build()
        except Exception as error:  # the script's own exception: that is the observation
            failure = KerasFailure(
                error_type=type(error).__name__,
                message=str(error),
                failing_layer=recorder.failing_layer(error),
                statement_line=_innermost_script_line(error, script_file),
            )
    outcome = KerasOutcome(applications=_applications(recorder), failure=failure)
    namespace.clear()
    recorder.failed_calls.clear()
    return outcome
