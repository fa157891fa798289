"""Ground truth: execute a fixture script with real Keras 3 and record what it built.

While the script runs, ``Layer.__new__`` is wrapped to note, for every layer the script itself
constructs, the script line of the constructor call (the frame that called the class, which may
be a method of one of the script's own classes), and ``Layer.__call__`` is wrapped to note which
layer was executing when an exception went through. Afterwards every recorded layer's inbound
nodes give one application each: its output shape(s) and its parameter count. Keras 3 has no
public accessor for all of a layer's nodes, hence ``_inbound_nodes``.

A layer applied inside the ``call`` of one of the script's classes (a subclassed model, a custom
layer) gets no node: Keras runs it on backend tensors, eagerly (``model(x)``) or inside
``backend.compute_output_spec``, its symbolic trace. Those calls are recorded as they happen. A
trace of an input with unknown sizes runs ``call`` twice, with every unknown size filled with 83
and then 89 (``keras/src/backend/torch/core.py``); the harness pairs the two runs call by call
and records a size that differs between them as ``None``, as Keras itself does for the output.

The script's own classes follow one rule, the engine's way of listing each weight once: such a
layer is recorded when it owns weights directly (``add_weight``) or holds no layers, and its
parameter count is that of its own weights; the layers inside it are recorded for themselves.

A subclassed model that the script builds with ``model.build(input_shape)`` and never calls is
traced afterwards on that shape, as Keras' ``build_from_config`` does (Keras 3's default
``build`` of a subclassed model marks it built without running ``call``).

Like the engine, the harness also runs every top-level function of the script whose parameters
all have defaults, once, with those defaults (a ``build_model(input_shape=(28, 28, 1))``).

A project (a folder: ``models.py`` + ``train.py``) runs from its main script with the folder on
``sys.path``; then every layer constructed by any file of the folder is recorded, keyed by
(file relative to the folder, line, class).

The script runs as ``python script.py`` with no arguments (``sys.argv == [script]``: argparse
gives its defaults), with Keras' dataset loaders replaced by offline zero arrays of the documented
shapes (``oracle/datasets.py``), the pretrained weights of ``keras.applications`` never downloaded
nor loaded (the builder runs every check it makes on its arguments, then keeps its initial weights:
shapes and parameter counts do not depend on their values), and every ``fit`` / ``evaluate`` / ``predict`` stops after its first
batch (Keras' own ``stop_training`` / ``stop_evaluating`` / ``stop_predicting``): batches are made
exactly as Keras makes them, a Sequential without an input is built on the first one, and every
shape check Keras makes happens on it; training 60,000 images for 12 epochs would check nothing more.

A ``keras.applications`` builder called by the script (``MobileNetV2(include_top=False)``) is one
row, as Keras' summary shows a nested model: keyed by the builder's line and name (``MobileNetV2``),
its applications are its own graph (``base.output``) and each call of it, its parameters its
``count_params()``; the layers the builder makes inside are not recorded. A builder that refuses its
arguments fails at that row.
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
from typing import Callable, Iterator, Mapping, Optional, Union

os.environ["KERAS_BACKEND"] = "torch"  # before the first import of keras, wherever it happens

import keras  # noqa: E402
import keras.src.backend as keras_backend  # noqa: E402
import numpy as np  # noqa: E402
from keras.src import tree  # noqa: E402
import torch  # noqa: E402  (Keras' backend here)
from keras.src.layers.core.input_layer import InputLayer  # noqa: E402
from keras.src.models.functional import Functional  # noqa: E402
from keras.src.layers.layer import Layer  # noqa: E402
from keras.src.utils import file_utils, module_utils  # noqa: E402
from project_imports import in_project, project_on_path  # noqa: E402

from oracle.command_line import exception_chain, innermost_script_line, script_arguments  # noqa: E402
from oracle.datasets import stubbed_loaders  # noqa: E402

SHIMS_DIR = Path(__file__).resolve().parent / "shims"
KERAS_DIR = str(Path(keras.__file__).resolve().parent) + os.sep
APPLICATIONS_DIR = os.path.join(KERAS_DIR, "src", "applications") + os.sep
PRETRAINED_STAND_IN = "/nonexistent/shapelens-oracle/pretrained_weights.h5"  # what get_file answers instead of downloading

Dim = Optional[int]
Shape = tuple[Dim, ...]
OutputShape = Union[Shape, tuple[Shape, ...]]  # several outputs: a tuple of shapes
# (1-based line of the constructor call, Keras class name); for a project, the file (relative to
# the project folder) comes first: (file, line, class)
LayerKey = tuple
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
            f"  {describe_key(key)}: {sorted(apps, key=repr)}"
            for key, apps in sorted(self.applications.items())
        ]
        if self.failure is not None:
            lines.append(f"  raised {self.failure.error_type}: {first_line(self.failure.message)}")
        return "\n".join(lines)


def describe_key(key: LayerKey) -> str:
    """``line 12 Conv2D``, or ``models.py:12 Conv2D`` for a project's layer."""
    return f"line {key[0]} {key[1]}" if len(key) == 2 else f"{key[0]}:{key[1]} {key[2]}"


def first_line(message: str) -> str:
    """The core of a Keras message, without the call-context wrapper's ANSI-bold framing."""
    core = message.split("\x1b[1m", 1)[-1].split("\x1b[0m", 1)[0] if "\x1b[1m" in message else message
    return core.strip().splitlines()[0] if core.strip() else ""


def canonical_layer_class(name: str) -> str:
    """``MaxPool2D`` -> ``MaxPooling2D``: Keras' aliases name the same class."""
    candidate = getattr(keras.layers, name, None)
    return candidate.__name__ if isinstance(candidate, type) else name


def _defined_in_script(cls: type, script_file: str) -> bool:
    """A class the script defines (or one deriving from such a class)."""
    return any(
        getattr(member, "__code__", None) is not None and member.__code__.co_filename == script_file
        for klass in cls.__mro__
        for member in vars(klass).values()
    )


def _tensors(value: object) -> list:
    return [t for t in tree.flatten(value) if hasattr(t, "shape") and hasattr(t, "dtype")]


def _output_shape(output: object) -> Optional[OutputShape]:
    shapes = tuple(_shape(t) for t in _tensors(output))
    if not shapes:
        return None
    return shapes[0] if len(shapes) == 1 else shapes


def _symbolic(value: object) -> bool:
    return any(isinstance(t, keras.KerasTensor) for t in _tensors(value))


def _unknown_sizes(value: object) -> bool:
    return any(isinstance(t, keras.KerasTensor) and None in t.shape for t in _tensors(value))


def _merge_filled_runs(calls: list[tuple[Layer, Optional[OutputShape]]]) -> list[tuple[Layer, Optional[OutputShape]]]:
    """The calls of a trace run twice (unknown sizes as 83, then 89): a size that differs is None."""
    half = len(calls) // 2
    first, second = calls[:half], calls[half:]
    if len(calls) % 2 or [id(layer) for layer, _ in first] != [id(layer) for layer, _ in second]:
        raise AssertionError("a symbolic trace ran its layers differently for two fillings; the harness cannot pair them")
    merged = []
    for (layer, one), (_, two) in zip(first, second):
        merged.append((layer, _merge_shapes(one, two)))
    return merged


def _merge_shapes(one: Optional[OutputShape], two: Optional[OutputShape]) -> Optional[OutputShape]:
    if one is None or two is None:
        return None
    if one and isinstance(one[0], tuple):
        return tuple(_merge_shapes(a, b) for a, b in zip(one, two))  # type: ignore[misc]
    return tuple(a if a == b else None for a, b in zip(one, two))  # type: ignore[misc]


class _Recorder:
    """Wraps ``Layer.__new__`` / ``Layer.__call__`` / ``backend.compute_output_spec`` while one script runs."""

    def __init__(self, script_file: str, project_dir: Optional[Path] = None) -> None:
        self.script_file = script_file
        self.project_dir = project_dir
        self.constructed: list[tuple[Layer, str, int]] = []
        self.failed_calls: list[tuple[BaseException, Layer]] = []
        # The layers whose __call__ is executing, innermost last, and whether each was built before.
        self.running: list[tuple[Layer, bool]] = []
        self.called: set[int] = set()
        self.traced: list[tuple[Layer, Optional[OutputShape]]] = []  # calls inside the script's classes
        self.trace_depth = 0  # nested `compute_output_spec` runs
        # Nodes Keras makes inside a trace (a Sequential building itself on the filled sizes).
        self.trace_nodes: set[int] = set()
        # Models a `keras.applications` builder made, with the script line that called it and its name.
        self.built_by_builders: list[tuple[Layer, str, int, str]] = []
        self.backbones: dict[int, str] = {}  # id of each backbone the script got -> its builder's name

    def in_script(self, layer: object) -> bool:
        return isinstance(layer, Layer) and _defined_in_script(type(layer), self.script_file)

    def inside_script_class(self, layer: Layer) -> bool:
        """The layer's caller is one of the script's classes, directly or through a ``Sequential``
        that this call builds (a Sequential attribute with no input of its own, built by its first
        call; one built before keeps the shapes of its own graph); or the script itself calls one
        of its classes."""
        for caller, built_before in reversed(self.running):
            if self.in_script(caller):
                return True
            if not isinstance(caller, keras.Sequential) or built_before:
                return False
        return self.in_script(layer)  # called by the script itself (``model(x)``, ``layer(x)``)

    def note_call(self, layer: Layer, output: object) -> None:
        """A call that makes no node, made inside one of the script's classes."""
        if not _symbolic(output) and self.inside_script_class(layer):
            self.traced.append((layer, _output_shape(output)))

    def owns(self, filename: str) -> bool:
        """A file whose layers are recorded: the script, or any file of its project."""
        return filename == self.script_file or (self.project_dir is not None and in_project(filename, self.project_dir))

    def key(self, filename: str, line: int, class_name: str) -> LayerKey:
        if self.project_dir is None:
            return (line, class_name)
        return (Path(filename).resolve().relative_to(self.project_dir).as_posix(), line, class_name)

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
            caller, builder = sys._getframe(1), None
            while caller is not None and caller.f_code.co_filename.startswith(KERAS_DIR):
                if caller.f_code.co_filename.startswith(APPLICATIONS_DIR):
                    builder = caller.f_code.co_name  # the outermost: `EfficientNetB0`, not its `EfficientNet`
                caller = caller.f_back
            if caller is None or not recorder.owns(caller.f_code.co_filename):
                return layer
            if builder is None:
                recorder.constructed.append((layer, caller.f_code.co_filename, caller.f_lineno))
            elif isinstance(layer, keras.Model):  # the backbone, or a model nested in it (sorted out later)
                recorder.built_by_builders.append((layer, caller.f_code.co_filename, caller.f_lineno, builder))
            return layer

        def recording_call(layer: Layer, *args: object, **kwargs: object) -> object:
            recorder.running.append((layer, layer.built))
            try:
                output = original_call(layer, *args, **kwargs)
            except BaseException as error:
                recorder.failed_calls.append((error, layer))
                raise
            finally:
                recorder.running.pop()
            recorder.called.add(id(layer))
            recorder.note_call(layer, output)
            return output

        original_spec = keras_backend.compute_output_spec

        def recording_spec(fn: object, *args: object, **kwargs: object) -> object:
            start = len(recorder.traced)
            nodes_before = {id(layer): len(layer._inbound_nodes) for layer, *_ in recorder.constructed}
            recorder.trace_depth += 1
            try:
                result = original_spec(fn, *args, **kwargs)
            except BaseException:
                del recorder.traced[start:]  # an interrupted trace cannot be paired
                raise
            finally:
                recorder.trace_depth -= 1
                if _unknown_sizes((args, kwargs)):  # nodes on the filled sizes 83 and 89 are the trace's, not the script's
                    for layer, *_ in recorder.constructed:
                        recorder.trace_nodes.update(id(n) for n in layer._inbound_nodes[nodes_before.get(id(layer), 0):])
            calls = recorder.traced[start:]
            del recorder.traced[start:]
            if recorder.trace_depth == 0:  # a nested trace (a layer building itself) repeats calls of the outer one
                recorder.traced.extend(_merge_filled_runs(calls) if _unknown_sizes((args, kwargs)) else calls)
            return result

        Layer.__new__ = staticmethod(recording_new)
        Layer.__call__ = recording_call
        keras_backend.compute_output_spec = recording_spec
        try:
            yield
        finally:
            Layer.__new__ = original_new
            Layer.__call__ = original_call
            keras_backend.compute_output_spec = original_spec

    def trace_built_models(self) -> None:
        """Subclassed models the script built (``model.build(shape)``) but never called: ``call``
        traced on that shape, as Keras' ``build_from_config`` does."""
        for layer, *_ in list(self.constructed):
            shapes = getattr(layer, "_build_shapes_dict", None)
            if not isinstance(layer, keras.Model) or isinstance(layer, Functional) or not self.in_script(layer):
                continue
            if id(layer) in self.called or not shapes:
                continue
            if len(shapes) != 1:
                continue
            (shape,) = shapes.values()
            inputs = tree.map_shape_structure(lambda s: keras.KerasTensor(s), shape)
            self.running.append((layer, True))
            try:
                keras_backend.compute_output_spec(layer.call, inputs)
            except BaseException as error:
                self.failed_calls.append((error, layer))
                raise
            finally:
                self.running.pop()

    def settle_backbones(self) -> None:
        """Of the models the builders made, the ones they returned (not nested in another): one row each."""
        nested = {id(inner) for model, *_ in self.built_by_builders
                  for inner in model._flatten_layers(include_self=False, recursive=True)}
        for model, filename, line, builder in self.built_by_builders:
            if id(model) not in nested and id(model) not in self.backbones:
                self.backbones[id(model)] = builder
                self.constructed.append((model, filename, line))

    def listed(self, layer: Layer) -> bool:
        """Whether the layer is one row: every layer of Keras' own; a script class by the rule above;
        a backbone."""
        if id(layer) in self.backbones:
            return True
        if isinstance(layer, (InputLayer, Functional)) or not hasattr(layer, "_inbound_nodes"):
            return False  # (a layer whose own __init__ failed before Keras' ran has no state)
        if self.in_script(layer):
            return bool(_own_variables(layer)) or not layer._flatten_layers(include_self=False, recursive=False)
        return not isinstance(layer, keras.Model)

    def params(self, layer: Layer) -> Optional[int]:
        if self.in_script(layer):
            return sum(int(np.prod(v.shape)) for v in _own_variables(layer))
        return layer.count_params() if layer.built else None

    def user_layers(self) -> list[tuple[Layer, LayerKey]]:
        return [(layer, self.key(filename, line, self.backbones.get(id(layer), type(layer).__name__)))
                for layer, filename, line in self.constructed if self.listed(layer)]

    def failing_layer(self, error: BaseException) -> Optional[LayerKey]:
        chain = exception_chain(error)
        self.settle_backbones()
        keys = {id(layer): key for layer, key in self.user_layers()}
        for failed_error, layer in self.failed_calls:  # innermost call first
            if id(failed_error) in chain and id(layer) in keys:
                return keys[id(layer)]
        return self.refusing_builder(error)

    def refusing_builder(self, error: BaseException) -> Optional[LayerKey]:
        """A builder that refused its arguments, as the row of its call: the script's frame calling
        into ``keras.applications`` on the way to the exception."""
        traceback, script_frame = error.__traceback__, None
        while traceback is not None:
            code = traceback.tb_frame.f_code
            if self.owns(code.co_filename):
                script_frame = (code.co_filename, traceback.tb_lineno)
            elif script_frame is not None and code.co_filename.startswith(APPLICATIONS_DIR):
                return self.key(script_frame[0], script_frame[1], code.co_name)
            else:
                script_frame = None
            traceback = traceback.tb_next
        return None


def _own_variables(layer: Layer) -> list:
    """The variables a layer made itself (``add_weight``), not those of the layers inside it."""
    return list(layer._trainable_variables) + list(layer._non_trainable_variables)


def _shape(tensor: object) -> Shape:
    return tuple(None if dim is None else int(dim) for dim in tensor.shape)


def _applications(recorder: _Recorder) -> dict[LayerKey, frozenset[Application]]:
    applications: dict[LayerKey, set[Application]] = defaultdict(set)
    keys = {}
    for layer, key in recorder.user_layers():
        keys[id(layer)] = key
        if id(layer) in recorder.backbones:  # its own graph: `base.input` -> `base.output`
            applications[key].add((_output_shape(layer.output), recorder.params(layer)))
        for node in getattr(layer, "_inbound_nodes", ()):  # absent when the layer's constructor failed
            if id(node) in recorder.trace_nodes:
                continue
            shapes = tuple(_shape(tensor) for tensor in node.outputs)
            output_shape = shapes[0] if len(shapes) == 1 else shapes
            applications[key].add((output_shape, recorder.params(layer)))
    for layer, output_shape in recorder.traced:
        if id(layer) in keys:
            applications[keys[id(layer)]].add((output_shape, recorder.params(layer)))
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


class _FirstBatchOnly(keras.callbacks.Callback):
    def on_train_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        self.model.stop_training = True

    def on_test_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        self.model.stop_evaluating = True

    def on_predict_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
        self.model.stop_predicting = True


@contextlib.contextmanager
def _first_batch_only() -> Iterator[None]:
    """``fit`` / ``evaluate`` / ``predict`` stop after their first batch."""
    originals = {name: getattr(keras.Model, name) for name in ("fit", "evaluate", "predict")}

    def wrap(name: str, method: object) -> object:
        def run(model: keras.Model, *args: object, **kwargs: object) -> object:
            given = kwargs.get("callbacks")
            if not isinstance(given, keras.callbacks.CallbackList):  # fit's own evaluate passes fit's list on
                kwargs["callbacks"] = [*(given or []), _FirstBatchOnly()]  # type: ignore[misc]
            return method(model, *args, **kwargs)  # type: ignore[operator]

        run.__name__ = name
        return run

    for name, method in originals.items():
        setattr(keras.Model, name, wrap(name, method))
    try:
        yield
    finally:
        for name in originals:
            delattr(keras.Model, name)  # back to the trainer's own method


@contextlib.contextmanager
def _pretrained_weights_not_fetched() -> Iterator[None]:
    """``weights="imagenet"``: the builder asks ``file_utils.get_file`` for the file and loads it into
    the model it built; here it gets a stand-in path and the loading of that path does nothing."""
    get_file, load_weights = file_utils.get_file, keras.Model.load_weights

    def stand_in(*args: object, **kwargs: object) -> str:
        return PRETRAINED_STAND_IN

    def load(model: keras.Model, filepath: object, *args: object, **kwargs: object) -> None:
        if filepath != PRETRAINED_STAND_IN:
            return load_weights(model, filepath, *args, **kwargs)
        return None

    file_utils.get_file, keras.Model.load_weights = stand_in, load
    try:
        yield
    finally:
        file_utils.get_file, keras.Model.load_weights = get_file, load_weights


@contextlib.contextmanager
def _script_environment() -> Iterator[None]:
    """Fresh Keras session, the tensorflow shim importable, offline datasets and pretrained weights,
    one batch per data call, and Keras' console noise swallowed."""
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)
    lazy_tensorflow = module_utils.tensorflow
    sys.path.insert(0, str(SHIMS_DIR))

    # Keras probes `import tensorflow` lazily (isinstance checks against tf.data.Dataset, ...).
    # It must keep seeing the truth of this machine, "not installed", not the fixtures' shim.
    def refuse() -> None:
        raise ImportError("TensorFlow is not installed; the oracle's shim serves fixture scripts only")

    lazy_tensorflow.initialize = refuse
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the machine is shared; a first batch gains nothing from threads
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
                stubbed_loaders(), _first_batch_only(), _pretrained_weights_not_fetched():
            warnings.simplefilter("ignore")
            yield
    finally:
        torch.set_num_threads(threads)
        del lazy_tensorflow.initialize
        sys.path.remove(str(SHIMS_DIR))
        for name in [n for n in sys.modules if n == "tensorflow" or n.startswith("tensorflow.")]:
            module = sys.modules.pop(name)
            uninstall = getattr(module, "uninstall_keras_alias", None)
            if uninstall is not None:
                uninstall()


def run_in_keras(path: Path, source: str, project_dir: Optional[Path] = None,
                 then: Optional[Callable[[dict], object]] = None) -> KerasOutcome:
    """Execute the script as ``__main__`` (stopping at its first exception) and record its layers
    (with ``project_dir``: the layers of every file of that folder, the script's folder first on
    ``sys.path``); ``then(namespace)`` runs after it, recorded the same way (a builder called with
    chosen sizes)."""
    script_file = str(path)
    recorder = _Recorder(script_file, project_dir)
    failure = None
    code = compile(source, script_file, "exec")
    namespace: dict = {"__name__": "__main__", "__file__": script_file}
    on_path = project_on_path(project_dir, path) if project_dir is not None else contextlib.nullcontext()
    with _script_environment(), recorder.installed(), on_path, script_arguments(script_file):
        np.random.seed(0)
        try:
            exec(code, namespace)
            for build in _functions_with_all_defaults(namespace, script_file):
                build()
            recorder.trace_built_models()
            if then is not None:
                then(namespace)
        except Exception as error:  # the script's own exception: that is the observation
            failure = KerasFailure(
                error_type=type(error).__name__,
                message=str(error),
                failing_layer=recorder.failing_layer(error),
                statement_line=innermost_script_line(error, script_file),
            )
    recorder.settle_backbones()
    outcome = KerasOutcome(applications=_applications(recorder), failure=failure)
    namespace.clear()
    recorder.failed_calls.clear()
    return outcome
