"""A large workspace and an import cycle do not slow the open file: imports are resolved lazily,
by statting the candidate paths of each imported name, never by walking folders; what a module
makes is reused while its files are unchanged. Times are ratios measured in this run (medians of
interleaved runs), never fixed times: the machines are shared and noisy."""

from __future__ import annotations

import gc
import os
import shutil
import statistics
import time
from pathlib import Path
from typing import Callable

import pytest

from shapelens.analysis import analyze
from shapelens.analysis.report import Report
from shapelens.analysis.sources.project import ModuleCache, Project

PACKAGES = 40
MODULES_PER_PACKAGE = 50
RUNS = 15

MODULE = '''"""Generated module {p}.{m} of a large workspace."""
import torch
import torch.nn as nn
import torch.nn.functional as F
{chain}

SCALE_{m} = {m} + 1


def helper_{m}(x, factor=SCALE_{m}):
    return x * factor


class Block{m}(nn.Module):
    def __init__(self, channels=16):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))
'''

OPEN_FILE = '''"""The open file: a CNN of its own, trained with settings from the project's modules."""
import torch
import torch.nn as nn
import torch.nn.functional as F

import config
from cyc_a import WIDTH
from pkg_07.mod_12 import Block12, helper_12

CHANNELS = 16
IMAGE_SIZE = 64


def conv_bn(c_in, c_out, stride=1):
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(c_out),
                         nn.ReLU(inplace=True))


class Residual(nn.Module):
    def __init__(self, c_in, c_out, stride=1):
        super().__init__()
        self.body = nn.Sequential(conv_bn(c_in, c_out, stride), nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(c_out))
        self.skip = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        return F.relu(self.body(x) + self.skip(x))


class Net(nn.Module):
    def __init__(self, num_classes=config.NUM_CLASSES):
        super().__init__()
        self.stem = conv_bn(3, CHANNELS)
        stages = []
        c_in = CHANNELS
        for i, c_out in enumerate([CHANNELS, 2 * CHANNELS, 4 * CHANNELS, 8 * CHANNELS]):
            stages.append(Residual(c_in, c_out, stride=1 if i == 0 else 2))
            stages.append(Residual(c_out, c_out))
            c_in = c_out
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c_in, num_classes)
        self.refine = Block12(CHANNELS)

    def forward(self, x):
        x = self.stem(x)
        aux = self.refine(x)
        x = self.pool(self.stages(x))
        return self.fc(torch.flatten(x, 1))


model = Net()
logits = model(torch.randn(8, 3, IMAGE_SIZE, IMAGE_SIZE))
lr = helper_12(config.LEARNING_RATE)
print(f"width {WIDTH}, lr {lr}")
'''

IMPORTED = {
    "config.py": "NUM_CLASSES = 10\nLEARNING_RATE = 1e-3\n",
    "cyc_a.py": 'import torch.nn as nn\n\nCHANNELS = 16\nimport cyc_b  # noqa: E402  (cyc_b imports this module back)\n'
                "WIDTH = cyc_b.DOUBLE\n",
    "cyc_b.py": "import cyc_a\n\nDOUBLE = cyc_a.CHANNELS * 2\n",
}


def module_text(package: int, module: int) -> str:
    chain = f"from .mod_{module - 1:02d} import helper_{module - 1}" if module else ""
    return MODULE.format(p=package, m=module, chain=chain)


def write_workspace(root: Path, packages: int) -> Path:
    """``packages`` packages of MODULES_PER_PACKAGE modules each (the first imports nothing, every
    later one its predecessor), the imported modules, and the open file; returns the open file."""
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'workspace'\n", encoding="utf-8")
    for package in range(packages):
        folder = root / f"pkg_{package:02d}"
        folder.mkdir()
        (folder / "__init__.py").write_text(f'"""Package {package}."""\n', encoding="utf-8")
        for module in range(MODULES_PER_PACKAGE):
            (folder / f"mod_{module:02d}.py").write_text(module_text(package, module), encoding="utf-8")
    for name, text in IMPORTED.items():
        (root / name).write_text(text, encoding="utf-8")
    (root / "train.py").write_text(OPEN_FILE, encoding="utf-8")
    return root / "train.py"


def timed(analysis: Callable[[], Report]) -> float:
    gc.collect()
    start = time.perf_counter()
    analysis()
    return time.perf_counter() - start


def no_walks(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the analysis listed a folder")

    for name in ("scandir", "listdir", "walk"):
        monkeypatch.setattr(os, name, refuse)


def counting_stats(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real_stat = os.stat

    def stat(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    return seen


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The 2,000-file workspace, and a copy of only the files the open file imports."""
    base = tmp_path_factory.mktemp("scale")
    large = write_workspace(base / "large", PACKAGES)
    small_root = base / "small"
    small = write_workspace(small_root, 0)
    package = small_root / "pkg_07"
    package.mkdir()
    shutil.copy(large.parent / "pkg_07" / "__init__.py", package)
    for module in range(13):
        shutil.copy(large.parent / "pkg_07" / f"mod_{module:02d}.py", package)
    return large, small


def test_the_workspace_is_large(workspaces: tuple[Path, Path]) -> None:
    large, _ = workspaces
    assert sum(1 for _ in large.parent.rglob("*.py")) >= 2_000


def test_the_open_file_uses_what_it_imports(workspaces: tuple[Path, Path]) -> None:
    large, _ = workspaces
    text = large.read_text(encoding="utf-8")
    report = analyze(text, path=str(large), project=Project(large.parent, cache=ModuleCache()))
    (model,) = [m for m in report.models if m.name == "model"]
    assert model.layers[-1].output_shape == (8, 10)  # config.NUM_CLASSES
    assert [layer.class_name for layer in model.layers if layer.path == "pkg_07/mod_12.py"] == ["Conv2d", "BatchNorm2d"]
    assert report.diagnostics == ()
    (alone,) = [m for m in analyze(text).models if m.name == "model"]
    assert alone.layers[-1].output_shape is None and len(alone.layers) == len(model.layers) - 2


def test_the_analysis_stats_the_same_paths_in_a_large_workspace_and_never_lists_a_folder(
        workspaces: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    counts = []
    for open_file in workspaces:
        project = Project(open_file.parent, cache=ModuleCache())
        text = open_file.read_text(encoding="utf-8")
        analyze(text, path=str(open_file), project=project)  # the first run reads the imported modules
        with monkeypatch.context() as patch:
            no_walks(patch)
            stats = counting_stats(patch)
            analyze(text, path=str(open_file), project=project)
        counts.append([os.path.relpath(path, open_file.parent) for path in stats])
    large_stats, small_stats = counts
    assert large_stats == small_stats  # 2,000 more files change nothing the analysis looks at
    assert 0 < len(large_stats) < 120, len(large_stats)


def test_a_large_workspace_and_an_import_cycle_keep_the_open_file_within_twice_its_time_alone(
        workspaces: tuple[Path, Path]) -> None:
    """Alone: the open file with no project (its imports unknown; its model is its own, so the work
    is the same but for the two layers of ``Block12``). Also against a project of only the files it
    imports: the 1,987 other files cost nothing."""
    large, small = workspaces
    text = large.read_text(encoding="utf-8")
    large_project = Project(large.parent, cache=ModuleCache())
    small_project = Project(small.parent, cache=ModuleCache())
    alone, in_workspace, in_small_project = [], [], []
    for _ in range(RUNS):  # interleaved, so that the machine's load falls on all alike
        alone.append(timed(lambda: analyze(text)))
        in_workspace.append(timed(lambda: analyze(text, path=str(large), project=large_project)))
        in_small_project.append(timed(lambda: analyze(text, path=str(small), project=small_project)))
    to_alone = statistics.median(in_workspace) / statistics.median(alone)
    to_small = statistics.median(in_workspace) / statistics.median(in_small_project)
    print(f"open file alone {statistics.median(alone) * 1000:.1f} ms, with only its imports "
          f"{statistics.median(in_small_project) * 1000:.1f} ms, in the 2,000-file workspace "
          f"{statistics.median(in_workspace) * 1000:.1f} ms: ratios {to_alone:.2f} and {to_small:.2f}")
    assert to_alone <= 2.0
    assert to_small <= 2.0
