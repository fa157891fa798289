"""Ground truth: execute a fixture script with real torch and record what each of its layers did.

While the script runs:

* ``torch.nn.Module.__init__`` is wrapped to note, for every module the script constructs, the
  script line of the constructor call (the first frame above the module's own ``__init__``
  chain) and the class it was constructed as (a Lazy module changes class once it materialises);
* global forward pre-hooks and forward hooks keep the stack of running modules (so the module
  running when an exception went through is known) and record, for every call of a leaf module,
  its output shape (a tuple output: its first element, as ``out`` of an LSTM's ``(out, h)``) and
  ``sum(p.numel() for p in m.parameters())``, counted after the forward so that Lazy modules
  count their materialised parameters.

A project (a folder: ``models.py`` + ``train.py``) runs from its main script with the folder on
``sys.path``; every module constructed by any file of the folder is recorded, keyed by (file
relative to the folder, line, class).

A fixture whose input is a comment gets its forward here, after the script: with N=2 and N=3 for
``# shapelens: input=(N, ...)``; a dimension that differs between the two runs follows the batch
and is recorded as the tuple of its values, one per batch size in ``BATCH_SIZES`` (the engine's
symbolic sizes in ``N`` are evaluated at the same batch sizes to compare).
"""

from __future__ import annotations

import contextlib
import io
import sys
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Callable, Iterator, Mapping, Optional

import torch
from torch import nn
from torch.nn.modules import module as module_hooks

from oracle.command_line import innermost_script_line, script_arguments
from oracle_torch.builders import BuilderCalls, weights_stubbed
from oracle_torch.corpus import BATCH_SIZES, Fixture, ModelInput
from project_imports import in_project, project_on_path

Shape = tuple[Optional[int], ...]
# (1-based line of the constructor call, torch class name); for a project, the file (relative to
# the project folder) comes first: (file, line, class)
LayerKey = tuple
Application = tuple[Optional[Shape], Optional[int]]  # (output shape, parameter count)


@dataclass(frozen=True)
class TorchFailure:
    error_type: str
    message: str
    # The layer the script constructed that was running when the exception went through (a leaf, or
    # the composite layer, ``nn.TransformerEncoder``, whose inner modules were).
    failing_layer: Optional[LayerKey]
    # The class of the innermost running module of any kind (a container when no leaf was running).
    running_module: Optional[str]
    # The innermost line of the main script in the traceback: the statement that raised.
    statement_line: Optional[int] = None

    def summary(self) -> str:
        where = f"in {self.failing_layer}" if self.failing_layer else f"outside any leaf (running: {self.running_module})"
        return f"{self.error_type} {where}: {first_line(self.message)}"


@dataclass(frozen=True)
class TorchOutcome:
    applications: Mapping[LayerKey, frozenset[Application]]
    failure: Optional[TorchFailure]
    # Classes defined by the script (``class Net(nn.Module)``) that it instantiated.
    user_module_classes: frozenset[str]

    def describe(self) -> str:
        lines = [f"  {describe_key(key)}: {sorted(apps, key=repr)}" for key, apps in sorted(self.applications.items())]
        if self.failure is not None:
            lines.append(f"  raised {self.failure.summary()}")
        return "\n".join(lines) or "  (no layer ran)"


def describe_key(key: LayerKey) -> str:
    """``line 12 Conv2d``, or ``models.py:12 Conv2d`` for a project's layer."""
    return f"line {key[0]} {key[1]}" if len(key) == 2 else f"{key[0]}:{key[1]} {key[2]}"


def first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""


@dataclass(frozen=True)
class _Call:
    module: nn.Module
    output_shape: Optional[Shape]
    params: int


@dataclass
class _Run:
    """The leaf calls of one forward (or of the whole script), in call order."""

    calls: list[_Call] = field(default_factory=list)
    failure: Optional[TorchFailure] = None


def _is_leaf(module: nn.Module) -> bool:
    """A layer: a module with no children that is not a container (an empty ``nn.Sequential()``,
    a ResNet's identity shortcut, holds no layer)."""
    return next(module.children(), None) is None and not isinstance(module, (nn.Sequential, nn.ModuleList, nn.ModuleDict))


# Layers that hold modules of their own but are one layer each, as the engine models them (their
# inner modules are torch's, run by torch's own code or through ``F.multi_head_attention_forward``).
COMPOSITE_LAYERS = (nn.MultiheadAttention, nn.TransformerEncoderLayer, nn.TransformerDecoderLayer,
                    nn.TransformerEncoder, nn.TransformerDecoder, nn.Transformer)


def _is_layer(module: nn.Module) -> bool:
    """One row of a model's table: a leaf, or a composite layer (then the modules inside it are not rows)."""
    return isinstance(module, COMPOSITE_LAYERS) or _is_leaf(module)


def _first_tensor(output: object) -> Optional[torch.Tensor]:
    while isinstance(output, (tuple, list)) and output:
        output = output[0]
    return output if isinstance(output, torch.Tensor) else None


def _constructor_site(module: nn.Module, frame: Optional[FrameType]) -> Optional[FrameType]:
    """The frame that called the module's class: skip the frames of its own ``__init__``s."""
    while frame is not None and frame.f_locals.get("self") is module:
        frame = frame.f_back
    return frame


class _Recorder:
    def __init__(self, script_file: str, project_dir: Optional[Path] = None,
                 builder_names: Optional[frozenset[str]] = None) -> None:
        self.script_file = script_file
        self.project_dir = project_dir
        self.origins: dict[nn.Module, LayerKey] = {}
        self.user_classes: set[str] = set()
        self.running: list[nn.Module] = []
        self.run = _Run()
        # the modules torchvision builders made for the script, and their runs (oracle_torch/builders.py)
        self.builders = BuilderCalls(builder_names) if builder_names else None

    def owns(self, filename: str) -> bool:
        """A file whose modules are recorded: the script, or any file of its project."""
        return filename == self.script_file or (self.project_dir is not None and in_project(filename, self.project_dir))

    def key(self, filename: str, line: int, class_name: str) -> LayerKey:
        if self.project_dir is None:
            return (line, class_name)
        return (Path(filename).resolve().relative_to(self.project_dir).as_posix(), line, class_name)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        original_init = nn.Module.__init__
        recorder = self

        def recording_init(module: nn.Module, *args: object, **kwargs: object) -> None:
            original_init(module, *args, **kwargs)
            site = _constructor_site(module, sys._getframe(1))
            if site is not None and recorder.owns(site.f_code.co_filename):
                recorder.origins[module] = recorder.key(site.f_code.co_filename, site.f_lineno, type(module).__name__)
            elif recorder.builders is not None:
                made = recorder.builders.site(sys._getframe(1), recorder.owns)
                if made is not None:
                    filename, line, builder, token = made
                    recorder.origins[module] = recorder.key(filename, line, builder)
                    recorder.builders.made[module] = token
            forward_code = getattr(getattr(type(module), "forward", None), "__code__", None)
            if forward_code is not None and recorder.owns(forward_code.co_filename):
                recorder.user_classes.add(type(module).__name__)

        builders = recorder.builders

        def push(module: nn.Module, args: object) -> None:
            recorder.running.append(module)
            if builders is not None and module in builders.made:
                builders.push(module, recorder.running, recorder.run.calls, _Call)

        def record(module: nn.Module, args: object, output: object) -> None:
            recorder.running.pop()
            if module not in recorder.origins:
                return
            tensor = _first_tensor(output)
            shape = None if tensor is None else tuple(int(d) for d in tensor.shape)
            if builders is not None and module in builders.made:
                if _is_leaf(module):
                    builders.leaf_output(shape, recorder.run.calls, _Call)
                builders.finished(module, recorder.run.calls, _Call)
            elif _is_layer(module):
                if builders is not None:
                    builders.close()
                params = sum(p.numel() for p in module.parameters())
                recorder.run.calls.append(_Call(module=module, output_shape=shape, params=params))

        nn.Module.__init__ = recording_init
        pre_hook = module_hooks.register_module_forward_pre_hook(push)
        hook = module_hooks.register_module_forward_hook(record)
        try:
            yield
        finally:
            hook.remove()
            pre_hook.remove()
            nn.Module.__init__ = original_init

    def start_run(self) -> None:
        self.running.clear()
        self.run = _Run()
        if self.builders is not None:
            self.builders.reset()

    def fail(self, error: Exception) -> None:
        # the outermost layer running: a leaf is the innermost module, a composite layer holds the rest
        layers = [m for m in self.running if _is_layer(m) and m in self.origins]
        self.run.failure = TorchFailure(
            error_type=type(error).__name__,
            message=str(error),
            failing_layer=self.origins[layers[0]] if layers else None,
            running_module=type(self.running[-1]).__name__ if self.running else None,
            statement_line=innermost_script_line(error, self.script_file),
        )
        if self.builders is not None:
            self.builders.failed(self.running, self.run.calls)


@contextlib.contextmanager
def _quiet_torch(grad_enabled: bool = False) -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the machine is shared; tiny tensors gain nothing from threads
    try:
        with torch.set_grad_enabled(grad_enabled), warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            yield
    finally:
        torch.set_num_threads(threads)


def _forward(recorder: _Recorder, model: nn.Module, shape: tuple[int, ...]) -> _Run:
    recorder.start_run()
    torch.manual_seed(0)
    try:
        model(torch.randn(*shape))
    except Exception as error:  # the model's own exception: that is the observation
        recorder.fail(error)
    return recorder.run


def _batch_free(runs: list[_Run]) -> _Run:
    """One run from several batch sizes: a dimension that changes with the batch becomes the tuple
    of its values, one per batch size."""
    first, *others = runs
    for other in others:
        if len(other.calls) != len(first.calls) or (other.failure is None) != (first.failure is None):
            raise AssertionError("the model ran differently for different batch sizes; the harness cannot tell the batch")
    calls = []
    for parallel in zip(*(run.calls for run in runs)):
        shapes = {call.output_shape for call in parallel}
        shape = parallel[0].output_shape
        if len(shapes) > 1:
            shape = tuple(dims[0] if len(set(dims)) == 1 else tuple(dims) for dims in zip(*(c.output_shape for c in parallel)))
        calls.append(_Call(module=parallel[0].module, output_shape=shape, params=parallel[0].params))
    return _Run(calls=calls, failure=first.failure)


def _comment_input_run(recorder: _Recorder, namespace: dict, model_input: ModelInput) -> _Run:
    model = namespace.get(model_input.model_name)
    if not isinstance(model, nn.Module):
        raise AssertionError(f"line {model_input.line}: `{model_input.model_name}` is not an nn.Module after the script ran")
    batches = BATCH_SIZES if model_input.has_symbolic_batch else BATCH_SIZES[:1]
    return _batch_free([_forward(recorder, model, model_input.shape_for_batch(batch)) for batch in batches])


def _applications(recorder: _Recorder, runs: list[_Run]) -> dict[LayerKey, frozenset[Application]]:
    applications: dict[LayerKey, set[Application]] = defaultdict(set)
    for run in runs:
        for call in run.calls:
            applications[recorder.origins[call.module]].add((call.output_shape, call.params))
    return {key: frozenset(apps) for key, apps in applications.items()}


def run_in_torch(fixture: Fixture, grad_enabled: bool = False, project_dir: Optional[Path] = None,
                 then: Optional[Callable[[dict], object]] = None) -> TorchOutcome:
    """Execute the script (stopping at its first exception), then the forwards its comments ask for,
    then ``then(namespace)`` (a model built and run on chosen sizes), recorded the same way.
    With ``grad_enabled`` autograd stays on, for a script that trains (``loss.backward()``). With
    ``project_dir`` the modules of every file of that folder are recorded, the script's folder
    first on ``sys.path``."""
    script_file = str(fixture.path)
    namespace: dict = {"__name__": "__main__", "__file__": script_file}
    code = compile(fixture.source, script_file, "exec")
    runs: list[_Run] = []
    on_path = project_on_path(project_dir, fixture.path) if project_dir is not None else contextlib.nullcontext()
    with weights_stubbed(fixture.source) as builder_names:
        recorder = _Recorder(script_file, project_dir, builder_names)
        return _run_script(fixture, recorder, namespace, code, runs, grad_enabled, on_path, then)


def _run_script(fixture: Fixture, recorder: _Recorder, namespace: dict, code: object, runs: list[_Run],
                grad_enabled: bool, on_path: "contextlib.AbstractContextManager[object]",
                then: Optional[Callable[[dict], object]]) -> TorchOutcome:
    script_file = recorder.script_file
    with _quiet_torch(grad_enabled), recorder.installed(), on_path, script_arguments(script_file):
        recorder.start_run()
        torch.manual_seed(0)
        try:
            exec(code, namespace)
        except Exception as error:  # the script's own exception: that is the observation
            recorder.fail(error)
        runs.append(recorder.run)
        for model_input in fixture.comment_inputs:
            if runs[-1].failure is not None:
                break
            runs.append(_comment_input_run(recorder, namespace, model_input))
        if then is not None and runs[-1].failure is None:
            recorder.start_run()
            torch.manual_seed(0)
            try:
                then(namespace)
            except Exception as error:  # the model's own exception: that is the observation
                recorder.fail(error)
            runs.append(recorder.run)
    outcome = TorchOutcome(
        applications=_applications(recorder, runs),
        failure=next((run.failure for run in runs if run.failure is not None), None),
        user_module_classes=frozenset(recorder.user_classes),
    )
    namespace.clear()
    return outcome
