"""torchvision models in the torch oracle: what a builder call made, and its runs.

A module constructed inside a ``torchvision.models`` builder called by the script (``models.
resnet18(...)``, ``get_model("resnet18")``) belongs to that call: its key is (the script line of
the call, the builder's name), as the engine reports it. In a forward pass, consecutive calls of
such modules are one application (a *run*), ended by a module the script made itself (a head it
put in) or by a new call into the model from outside it:

* its output is the last leaf module's output in the run;
* a run in which torch raises is no application (like a layer that raises);
* its parameters are those (``recurse=False``) of the builder's modules it entered, plus, for
  the run that a call from outside the model opened, those of every builder module under the
  called one that ran in none of the runs of that call (auxiliary classifiers in eval mode, a
  head the user's forward skips): each parameter of the model counts in one run of a call.

Pretrained weights are never downloaded: scripts run inside ``no_weight_download()``
(``oracle_backbones/weights_stub.py``), which lets every builder apply what its weights fix and
skips the loading, so shapes and parameter counts are the pretrained model's.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from types import FrameType
from typing import Callable, Iterator, Optional

from torch import nn

TORCHVISION_MODELS = "/torchvision/models/"


@dataclass
class Run:
    """An open run: where its application is in the run's calls, and what it entered."""

    token: int  # the builder call
    index: int  # in the calls of the forward
    first: nn.Module
    entered: set = field(default_factory=set)
    output: Optional[tuple] = None
    extra: int = 0  # leftovers of the call that opened it


@dataclass
class Entry:
    """A call into the model from outside it, and every builder module it entered."""

    module: nn.Module
    run: Run
    pushed: set = field(default_factory=set)


def direct_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters(recurse=False))


class BuilderCalls:
    """Which modules each builder call made, and the runs of the current forward."""

    def __init__(self, names: frozenset[str]) -> None:
        self.names = names
        self.made: dict[nn.Module, int] = {}
        self._frame: Optional[FrameType] = None
        self._token = 0
        self.open: Optional[Run] = None
        self.entries: list[Entry] = []

    def site(self, frame: Optional[FrameType], owns: Callable[[str], bool]) -> Optional[tuple[str, int, str, int]]:
        """(script file, line, builder, call token) when a builder the script called is making a module."""
        builder = None
        while frame is not None:
            code = frame.f_code
            if owns(code.co_filename):
                if builder is None:
                    return None
                return code.co_filename, frame.f_lineno, builder[0], builder[1]
            if TORCHVISION_MODELS in code.co_filename and code.co_name in self.names:
                builder = (code.co_name, self.token(frame))
            frame = frame.f_back
        return None

    def token(self, frame: FrameType) -> int:
        if frame is not self._frame:
            self._frame = frame
            self._token += 1
        return self._token

    def reset(self) -> None:
        self.open = None
        self.entries.clear()

    def close(self) -> None:
        self.open = None

    def failed(self, running: list[nn.Module], calls: list) -> None:
        """torch raised inside a builder's module: the run it was in never finished, so it is no
        application (as a layer that raises is none)."""
        if self.open is not None and running and running[-1] in self.made:
            del calls[self.open.index]
            self.open = None

    def push(self, module: nn.Module, running: list[nn.Module], calls: list, make_call: Callable) -> None:
        """A builder module starts its forward (``running`` holds it last)."""
        token = self.made[module]
        outside = not any(self.made.get(other) == token for other in running[:-1])
        if outside or self.open is None or self.open.token != token:
            self.open = Run(token, len(calls), module)
            calls.append(make_call(module, None, 0))
            if outside:
                self.entries.append(Entry(module, self.open))
        self.open.entered.add(module)
        for entry in self.entries:
            if self.made.get(entry.module) == token:
                entry.pushed.add(module)
        self.update(self.open, calls, make_call)

    def leaf_output(self, shape: Optional[tuple], calls: list, make_call: Callable) -> None:
        if self.open is not None:
            self.open.output = shape
            self.update(self.open, calls, make_call)

    def finished(self, module: nn.Module, calls: list, make_call: Callable) -> None:
        """A builder module's forward returned: a call from outside counts what it did not run."""
        if self.entries and self.entries[-1].module is module:
            entry = self.entries.pop()
            leftovers = [m for m in module.modules() if m in self.made and m not in entry.pushed]
            entry.run.extra += sum(direct_params(m) for m in leftovers)
            self.update(entry.run, calls, make_call)
            if not self.entries:
                self.open = None

    @staticmethod
    def update(run: Run, calls: list, make_call: Callable) -> None:
        params = sum(direct_params(m) for m in run.entered) + run.extra
        calls[run.index] = make_call(run.first, run.output, params)


@contextlib.contextmanager
def weights_stubbed(source: str) -> Iterator[Optional[frozenset[str]]]:
    """For a script that uses torchvision: torchvision importable with the CPU torch, weight
    loading stubbed; the builder names. Other scripts run as they are."""
    if "torchvision" not in source:
        yield None
        return
    from oracle_backbones.weights_stub import no_weight_download, torchvision

    with no_weight_download():
        yield frozenset(torchvision.models.list_models())
