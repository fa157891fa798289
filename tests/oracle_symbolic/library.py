"""One symbolic fixture run by the real library at one choice of sizes.

The script runs as the existing harnesses run it (tests/oracle/keras_truth.py records every
layer the script constructs through its ``_inbound_nodes``; tests/oracle_torch/torch_truth.py
records every leaf module call with forward hooks); then the fixture's ``# oracle:`` expressions
run with the symbols bound to the sizes. For Keras, an ``Input`` made on a line marked
``# oracle-shape:`` is given that shape: ``InputLayer.__init__`` is wrapped while the script runs.
"""

from __future__ import annotations

import contextlib
import gc
import sys
from dataclasses import dataclass
from types import FrameType
from typing import Callable, Iterator, Mapping, Optional

from oracle_symbolic.corpus import Fixture
from oracle_symbolic.sizes import bound

Application = tuple[object, Optional[int]]


@dataclass(frozen=True)
class LibraryRun:
    applications: Mapping[tuple[int, str], frozenset[Application]]
    failure: Optional[str]  # the exception the library raised, if it did

    def describe(self) -> str:
        lines = [f"  line {line} {cls}: {sorted(apps, key=repr)}" for (line, cls), apps in sorted(self.applications.items())]
        if self.failure:
            lines.append(f"  raised {self.failure}")
        return "\n".join(lines) or "  (no layer ran)"


def oracle_calls(fixture: Fixture, values: Mapping[str, int]) -> Callable[[dict], None]:
    """What runs after the script: every ``# oracle:`` expression, with the sizes bound."""

    def run(namespace: dict) -> None:
        for call in fixture.calls:
            eval(compile(call, "<oracle>", "eval"), namespace, bound(values))  # noqa: S307

    return run


def run_fixture(fixture: Fixture, values: Mapping[str, int]) -> LibraryRun:
    if fixture.framework == "keras":
        return run_keras(fixture, values)
    return run_torch(fixture, values)


# --- Keras -----------------------------------------------------------------------------------


def _script_line(frame: Optional[FrameType], script_file: str) -> Optional[int]:
    while frame is not None:
        if frame.f_code.co_filename == script_file:
            return frame.f_lineno
        frame = frame.f_back
    return None


def _filled(written: object, sized: tuple, line: int) -> tuple:
    """The Input's shape with its ``None``s replaced by the chosen sizes; a fixed size must agree."""
    written = tuple(written)  # type: ignore[arg-type]
    if len(written) != len(sized):
        raise AssertionError(f"line {line}: oracle-shape {sized} has {len(sized)} axes, the Input {written} {len(written)}")
    for have, want in zip(written, sized):
        if have is not None and have != want:
            raise AssertionError(f"line {line}: oracle-shape {sized} changes the fixed size {have} of {written}")
    return sized


@contextlib.contextmanager
def sized_inputs(fixture: Fixture, values: Mapping[str, int]) -> Iterator[set[int]]:
    """Keras Inputs made on ``# oracle-shape:`` lines take those shapes; yields the lines used."""
    from keras.src.layers.core.input_layer import InputLayer

    script_file = str(fixture.path)
    shapes = {line: tuple(eval(text, {"__builtins__": {}}, bound(values))) for line, text in fixture.input_shapes}  # noqa: S307
    original = InputLayer.__init__
    used: set[int] = set()

    def init(layer: object, *args: object, **kwargs: object) -> None:
        line = _script_line(sys._getframe(1), script_file)
        if line in shapes:
            used.add(line)
            if args:
                args = (_filled(args[0], shapes[line], line), *args[1:])
            elif kwargs.get("shape") is not None:
                kwargs["shape"] = _filled(kwargs["shape"], shapes[line], line)
            elif kwargs.get("batch_shape") is not None:
                batch_shape = tuple(kwargs["batch_shape"])  # type: ignore[arg-type]
                kwargs["batch_shape"] = (batch_shape[0], *_filled(batch_shape[1:], shapes[line], line))
            else:
                raise AssertionError(f"line {line}: an oracle-shape marker on an Input without a shape")
        original(layer, *args, **kwargs)

    InputLayer.__init__ = init
    try:
        yield used
    finally:
        InputLayer.__init__ = original


_frozen = False


def _freeze_imports() -> None:
    """Keras' ``clear_session`` (once per run) ends in a full ``gc.collect()``, which scans every
    object of the process: Keras', torch's, pytest's, half a second here. Objects alive before
    the first run (the imports) go to the permanent generation once, so each collection only
    scans what the runs made."""
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Keras' weight initializers run torch ops (an LSTM's orthogonal one, a QR); on this shared
    2-core machine torch's thread pool makes a 256x64 QR take most of a second, one thread not."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def run_keras(fixture: Fixture, values: Mapping[str, int]) -> LibraryRun:
    from oracle.keras_truth import run_in_keras

    _freeze_imports()
    with sized_inputs(fixture, values) as used, one_thread():
        outcome = run_in_keras(fixture.path, fixture.source, then=oracle_calls(fixture, values))
    failure = None if outcome.failure is None else f"{outcome.failure.error_type}: {outcome.failure.message[:400]}"
    if failure is None and used != {line for line, _ in fixture.input_shapes}:
        raise AssertionError(f"oracle-shape markers on lines that made no Input: {sorted({l for l, _ in fixture.input_shapes} - used)}")
    return LibraryRun(outcome.applications, failure)


# --- torch -----------------------------------------------------------------------------------


def run_torch(fixture: Fixture, values: Mapping[str, int]) -> LibraryRun:
    from oracle_torch.corpus import Fixture as TorchFixture
    from oracle_torch.torch_truth import run_in_torch

    script = TorchFixture(path=fixture.path, source=fixture.source, expected_errors=(), comment_inputs=())
    outcome = run_in_torch(script, then=oracle_calls(fixture, values))
    failure = None if outcome.failure is None else outcome.failure.summary()
    return LibraryRun(outcome.applications, failure)
