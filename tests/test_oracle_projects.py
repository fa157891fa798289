"""The engine against the real libraries on projects of several files (tests/fixtures/projects/).

Each project is a folder laid out the way repositories are: a main script ``train.py`` that
imports the project's own modules (a ``models.py``; a package with relative imports and
re-exports; a ``src/`` layout; a module of blocks shared by two models; ``import models as M``;
a star import; a package whose modules import each other). The library runs the main script with
the folder on ``sys.path`` and records the layers built by every file of the folder
(tests/oracle/keras_truth.py, tests/oracle_torch/torch_truth.py); the engine analyses the main
script with the project found from it, as ``shapelens check`` does.

Every layer the library ran must have the library's output shape and parameter count in the
engine's report, keyed by (file, line, class). A valid project draws no error. A broken one has
one ``# expect-error: CODE`` marker, in whichever file the library fails: the engine flags that
line of that file, and, when the file is not the main script, also the main script's line where
the library raised, naming the failing layer's file and line.
"""

from __future__ import annotations

import io
import os
import re
import tokenize
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping, Optional

import pytest

from oracle.corpus import ERROR_CODES as KERAS_ERROR_CODES
from oracle.keras_truth import canonical_layer_class, describe_key, run_in_keras
from oracle_torch.corpus import ERROR_CODES as TORCH_ERROR_CODES
from oracle_torch.corpus import load_fixture
from oracle_torch.torch_truth import run_in_torch
from shapelens.analysis import analyze
from shapelens.analysis.report import report_json
from shapelens.analysis.sources.project import Project, find_root

pytestmark = pytest.mark.oracle

PROJECTS_ROOT = Path(__file__).resolve().parent / "fixtures" / "projects"
MARKER = re.compile(r"#\s*expect-error:\s*(\S+)\s*$")


@dataclass(frozen=True)
class Expected:
    file: str  # relative to the project folder
    line: int
    code: str


@dataclass(frozen=True)
class ProjectFixture:
    folder: Path
    main: Path
    framework: str
    expected: tuple[Expected, ...]

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def main_file(self) -> str:
        return self.main.relative_to(self.folder).as_posix()

    def files(self) -> list[Path]:
        return sorted(self.folder.rglob("*.py"))


def markers(path: Path, folder: Path, known: frozenset[str]) -> list[Expected]:
    found = []
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and "expect-" in token.string:
            match = MARKER.search(token.string)
            assert match and match.group(1) in known, f"{path}:{token.start[0]}: bad marker {token.string!r}"
            found.append(Expected(path.relative_to(folder).as_posix(), token.start[0], match.group(1)))
    return found


def load_project(folder: Path) -> ProjectFixture:
    framework = folder.name.split("_", 1)[0]
    assert framework in ("keras", "torch"), f"{folder.name}: the folder name starts with its framework"
    (main,) = folder.rglob("train.py")
    known = KERAS_ERROR_CODES if framework == "keras" else TORCH_ERROR_CODES
    expected = tuple(e for path in sorted(folder.rglob("*.py")) for e in markers(path, folder, known))
    return ProjectFixture(folder.resolve(), main.resolve(), framework, expected)


PROJECTS = tuple(load_project(folder) for folder in sorted(PROJECTS_ROOT.iterdir()) if folder.is_dir())
VALID = tuple(p for p in PROJECTS if not p.expected)
BROKEN = tuple(p for p in PROJECTS if p.expected)


def project_id(project: ProjectFixture) -> str:
    return project.name


# --- what the library does -----------------------------------------------------------------


@dataclass(frozen=True)
class LibraryOutcome:
    applications: Mapping[tuple, frozenset]
    failing_layer: Optional[tuple]  # (file, line, class) of the layer that raised
    statement_line: Optional[int]  # the main script's line where the exception went through
    failed: bool
    summary: str


@lru_cache(maxsize=None)
def library_outcome(project: ProjectFixture) -> LibraryOutcome:
    if project.framework == "keras":
        outcome = run_in_keras(project.main, project.main.read_text(encoding="utf-8"), project_dir=project.folder)
        failure = outcome.failure
        return LibraryOutcome(outcome.applications, failure.failing_layer if failure else None,
                              failure.statement_line if failure else None, failure is not None, outcome.describe())
    outcome = run_in_torch(load_fixture(project.main), grad_enabled=True, project_dir=project.folder)
    failure = outcome.failure
    return LibraryOutcome(outcome.applications, failure.failing_layer if failure else None,
                          failure.statement_line if failure else None, failure is not None, outcome.describe())


# --- what the engine says --------------------------------------------------------------------


@dataclass(frozen=True)
class EngineDiagnostic:
    file: str
    line: int
    severity: str
    code: str
    message: str

    def describe(self) -> str:
        return f"{self.file}:{self.line} {self.severity} {self.code}: {self.message}"


@dataclass(frozen=True)
class EngineOutcome:
    applications: Mapping[tuple, frozenset]
    diagnostics: tuple[EngineDiagnostic, ...]

    @property
    def errors(self) -> tuple[EngineDiagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")

    def describe(self) -> str:
        return "\n".join(f"  {d.describe()}" for d in self.diagnostics) or "  (none)"


@lru_cache(maxsize=None)
def engine_outcome(project: ProjectFixture) -> EngineOutcome:
    main = project.main
    analysis_project = Project(find_root(main))
    document = report_json(str(main), analyze(main.read_text(encoding="utf-8"), path=str(main), project=analysis_project))

    def file_of(item: dict) -> str:
        if "path" not in item:
            return project.main_file
        return Path(os.path.join(analysis_project.root, item["path"])).resolve().relative_to(project.folder).as_posix()

    applications: dict[tuple, set] = defaultdict(set)
    for model in document["models"]:
        for layer in model["layers"]:
            class_name = canonical_layer_class(layer["class"]) if project.framework == "keras" else layer["class"]
            key = (file_of(layer), layer["range"]["start"]["line"] + 1, class_name)
            output = layer["output_shape"]
            shape = None if output is None else tuple(tuple(s) for s in output) if output and isinstance(output[0], list) else tuple(output)
            applications[key].add((shape, layer["params"]))
    diagnostics = tuple(EngineDiagnostic(file_of(d), d["range"]["start"]["line"] + 1, d["severity"], d["code"], d["message"])
                        for d in document["diagnostics"])
    return EngineOutcome({key: frozenset(apps) for key, apps in applications.items()}, diagnostics)


def mismatches(library: Mapping[tuple, frozenset], engine: Mapping[tuple, frozenset], stopped: bool) -> list[str]:
    """Every layer the library ran whose (output shape, params) set the engine does not reproduce.
    When the library stopped at an exception, the applications it never reached (the failing one
    and any after it) are unknown to the engine and left out."""
    problems = []
    for key in sorted(library):
        expected = library[key]
        found = engine.get(key, frozenset())
        if stopped:
            found = frozenset(app for app in found if app[0] is not None)
            if expected <= found:
                continue
        if found != expected:
            problems.append(f"{describe_key(key)}: library {sorted(expected, key=repr)} / engine "
                            f"{sorted(found, key=repr) if found else 'no such layer'}")
    return problems


# --- the corpus ------------------------------------------------------------------------------------


def sources(project: ProjectFixture) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in project.files())


def test_the_corpus_covers_the_ways_projects_are_laid_out() -> None:
    assert len(PROJECTS) >= 8, [p.name for p in PROJECTS]
    assert {p.framework for p in VALID} == {"keras", "torch"}
    assert {p.framework for p in BROKEN} == {"keras", "torch"}
    forms = {
        "relative import": lambda p: re.search(r"^from \.\w* import", sources(p), re.M),
        "package re-export": lambda p: any(f.name == "__init__.py" and re.search(r"^from \.\w+ import \w+", f.read_text(), re.M)
                                           for f in p.files()),
        "src/ layout": lambda p: (p.folder / "src").is_dir() and (p.folder / "pyproject.toml").is_file(),
        "import module as M": lambda p: any(re.search(rf"^import {f.stem} as \w+$", sources(p), re.M) for f in p.files()),
        "star import of a project module": lambda p: any(re.search(rf"^from {f.stem} import \*$", sources(p), re.M)
                                                         for f in p.files()),
        "a package importing itself back": lambda p: any(f.name == "__init__.py" and (f.parent / "vgg.py").is_file()
                                                         and f"from {f.parent.name} import" in (f.parent / "vgg.py").read_text()
                                                         for f in p.files()),
        "blocks shared by two model files": lambda p: sum(1 for f in p.files() if re.search(r"^from blocks import", f.read_text(), re.M)) >= 2,
    }
    missing = [form for form, present in forms.items() if not any(present(p) for p in PROJECTS)]
    assert missing == []
    in_module = [p.name for p in BROKEN if p.expected[0].file != p.main_file]
    in_main = [p.name for p in BROKEN if p.expected[0].file == p.main_file]
    assert in_module and in_main, (in_module, in_main)


def test_every_broken_project_marks_exactly_one_error() -> None:
    assert [p.name for p in BROKEN if len(p.expected) != 1] == []


# --- the library alone: the projects say what they claim -----------------------------------------


@pytest.mark.parametrize("project", VALID, ids=project_id)
def test_valid_project_runs_in_the_library(project: ProjectFixture) -> None:
    outcome = library_outcome(project)
    assert not outcome.failed, outcome.summary
    files = {key[0] for key in outcome.applications}
    assert len(files) >= 1 and files != {project.main_file}, f"no layer of another file ran:\n{outcome.summary}"


@pytest.mark.parametrize("project", BROKEN, ids=project_id)
def test_broken_project_fails_in_the_library_at_the_marked_layer(project: ProjectFixture) -> None:
    outcome = library_outcome(project)
    (expected,) = project.expected
    assert outcome.failed, outcome.summary
    assert outcome.failing_layer is not None and outcome.failing_layer[:2] == (expected.file, expected.line), outcome.summary
    assert outcome.statement_line is not None


# --- the engine against the library -------------------------------------------------------------------


@pytest.mark.parametrize("project", VALID, ids=project_id)
def test_valid_project_matches_the_library(project: ProjectFixture) -> None:
    library = library_outcome(project)
    engine = engine_outcome(project)
    problems = [f"unexpected {d.describe()}" for d in engine.errors]
    problems += mismatches(library.applications, engine.applications, stopped=False)
    assert problems == [], "engine diagnostics:\n" + engine.describe()


@pytest.mark.parametrize("project", BROKEN, ids=project_id)
def test_broken_project_is_flagged_in_the_right_file(project: ProjectFixture) -> None:
    library = library_outcome(project)
    engine = engine_outcome(project)
    (expected,) = project.expected
    flagged = {(d.file, d.line) for d in engine.errors}
    problems = []
    if not any(d.file == expected.file and d.line == expected.line and d.code == expected.code for d in engine.errors):
        problems.append(f"no {expected.code} error at {expected.file}:{expected.line}")
    allowed = {(expected.file, expected.line)}
    if expected.file != project.main_file:
        # the main script's call that hands the model its input gets the error too, naming the layer
        at_call = [d for d in engine.errors if (d.file, d.line) == (project.main_file, library.statement_line)]
        if not any(d.code == expected.code and f"{Path(expected.file).name}:{expected.line}" in d.message for d in at_call):
            problems.append(f"no {expected.code} error at {project.main_file}:{library.statement_line} naming "
                            f"{expected.file}:{expected.line}")
        allowed.add((project.main_file, library.statement_line))
    problems += [f"error on a line the library did not fail at: {d.describe()}" for d in engine.errors
                 if (d.file, d.line) not in allowed]
    problems += mismatches(library.applications, engine.applications, stopped=True)
    assert flagged and problems == [], "\n".join(problems) + "\nengine diagnostics:\n" + engine.describe()
