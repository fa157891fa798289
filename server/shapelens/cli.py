"""Command line: ``shapelens check`` and ``shapelens serve``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Iterable, Optional, Sequence

from shapelens.analysis import KERAS_VERSION_SETTINGS, AnalysisOptions, analysis_options, analyze
from shapelens.analysis.report import Model, Report, Span, report_json
from shapelens.analysis.sources import NotebookAnalysis, analyze_notebook, notebook_report_json
from shapelens.analysis.sources.project import Project, find_root
from shapelens.render import format_output, summary_table

SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "build", "dist", ".ipynb_checkpoints"}
CHECKED_SUFFIXES = (".py", ".ipynb")


def python_files(paths: Sequence[str]) -> Iterable[Path]:
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*") if p.suffix in CHECKED_SUFFIXES and p.is_file()):
                if not SKIP_DIRS.intersection(found.relative_to(path).parts[:-1]):
                    yield found
        else:
            yield path


def render_text(path: str, report: Report, names: Optional["ProjectFileNames"] = None) -> list[str]:
    lines: list[str] = []
    if not report.parsed:
        lines.append(f"{path}: note: not analysed: {report.parse_error}")
        return lines
    name = names.full if names is not None else (lambda item_path: path)
    short = names.short if names is not None else (lambda item_path: item_path)
    for diagnostic in report.diagnostics:
        span = diagnostic.span
        lines.append(
            f"{name(diagnostic.path)}:{span.start_line + 1}:{span.start_col + 1}: {diagnostic.severity}[{diagnostic.code}] "
            f"{diagnostic.message}"
        )
    for model in report.models:
        lines.append(f"{name(model.path)}:{model.span.start_line + 1}: model '{model.name}' ({model.framework}), "
                     f"input {format_output(model.input_shape)}")
        lines.extend(summary_table(model, layer_file=short))
        lines.extend(assumed(model))
    return lines


def assumed(model: Model) -> list[str]:
    """Which version of its library the model was checked against, when that is said."""
    return [f"  {model.assumptions}"] if model.assumptions else []


class ProjectFileNames:
    """How the text names the file of an item of a checked file's report."""

    def __init__(self, checked: str, project: Project) -> None:
        self.checked = checked
        self.root = project.root

    def full(self, item_path: Optional[str]) -> str:
        """The checked path for its own items; another file of the project as a path from the
        working folder (absolute when it is outside it), for diagnostics and model lines."""
        if item_path is None:
            return self.checked
        full = os.path.join(self.root, item_path)
        relative = os.path.relpath(full)
        return full if relative.startswith("..") else relative

    def short(self, item_path: str) -> str:
        """Another file of the project from the checked file's folder (``models.py``), for table rows."""
        full = os.path.join(self.root, item_path)
        relative = os.path.relpath(full, os.path.dirname(os.path.abspath(self.checked)))
        return item_path if relative.startswith("..") else relative


class Projects:
    """The project of each checked file (its root found from the file), one per root."""

    def __init__(self, extra_paths: Sequence[str]) -> None:
        self.extra_paths = tuple(extra_paths)
        self.by_root: dict[Path, Project] = {}

    def of(self, file: Path) -> Project:
        root = find_root(file)
        if root not in self.by_root:
            self.by_root[root] = Project(root, self.extra_paths)
        return self.by_root[root]


def render_notebook_text(path: str, analysis: NotebookAnalysis, names: Optional["ProjectFileNames"] = None) -> list[str]:
    """``render_text`` for a notebook: positions as ``cell N:line:col``, N counting every cell from 1
    as Jupyter does, lines and columns within the cell; an item of another file of the project as
    ``models.py:12``."""
    report = analysis.report
    if not report.parsed:
        return [f"{path}: note: not analysed: {report.parse_error}"]
    short = names.short if names is not None else (lambda item_path: item_path)

    def where(span: Span, item_path: Optional[str] = None) -> str:
        if item_path is not None:
            return f"{short(item_path)}:{span.start_line + 1}"
        in_cell = analysis.cell_map.span_to_cell(span)
        if in_cell is None:
            return f"{span.start_line + 1}"
        return f"cell {in_cell.cell + 1}:{in_cell.span.start_line + 1}"

    lines = [f"{path}:cell {note.cell + 1}:{note.span.start_line + 1}:{note.span.start_col + 1}: note: "
             f"cell not analysed: {note.message}" for note in analysis.notes]
    for diagnostic in report.diagnostics:
        at = (f"{path}:{where(diagnostic.span)}" if diagnostic.path is None or names is None
              else f"{names.full(diagnostic.path)}:{diagnostic.span.start_line + 1}")
        lines.append(f"{at}:{diagnostic.span.start_col + 1}: {diagnostic.severity}[{diagnostic.code}] {diagnostic.message}")
    for model in report.models:
        at = (f"{path}:{where(model.span)}" if model.path is None or names is None
              else f"{names.full(model.path)}:{model.span.start_line + 1}")
        lines.append(f"{at}: model '{model.name}' ({model.framework}), input {format_output(model.input_shape)}")
        lines.extend(summary_table(model, lambda span: where(span).removeprefix("cell "), "cell:line", short))
        lines.extend(assumed(model))
    return lines


def read_source(path: Path) -> Optional[bytes]:
    try:
        return path.read_bytes()
    except OSError:
        return None


def check(paths: Sequence[str], output_format: str, extra_paths: Sequence[str] = (),
          options: Optional[AnalysisOptions] = None) -> int:
    files = list(python_files(paths))
    missing = [p for p in [*paths, *extra_paths] if not Path(p).exists()]
    if missing:
        print(f"shapelens: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    results = []
    notebooks: dict[str, NotebookAnalysis] = {}
    projects = Projects(extra_paths)
    file_names: dict[str, ProjectFileNames] = {}
    errors = 0
    for file in files:
        source = read_source(file)
        project = projects.of(file)
        if file.suffix == ".ipynb":
            notebooks[str(file)] = analyze_notebook(source if source is not None else b"\xff", options,
                                                    path=str(file), project=project)
            report = notebooks[str(file)].report
        else:
            report = analyze(source if source is not None else b"\xff", options, path=str(file), project=project)
        file_names[str(file)] = ProjectFileNames(str(file), project)
        errors += report.error_count
        results.append((str(file), report))
    if output_format == "json":
        json.dump([notebook_report_json(path, notebooks[path]) if path in notebooks else report_json(path, report)
                   for path, report in results], sys.stdout, indent=2)
        print()
    else:
        for path, report in results:
            for line in (render_notebook_text(path, notebooks[path], file_names.get(path)) if path in notebooks
                         else render_text(path, report, file_names.get(path))):
                print(line)
        diagnostics = sum(len(r.diagnostics) for _, r in results)
        models = sum(len(r.models) for _, r in results)
        print(f"{len(results)} file(s), {models} model(s), {errors} error(s), {diagnostics - errors} other finding(s)")
    return 1 if errors else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="shapelens", description="Tensor-shape checks for Keras and PyTorch models.")
    commands = parser.add_subparsers(dest="command", required=True)
    check_cmd = commands.add_parser("check", help="check files or folders and print diagnostics and shape tables")
    check_cmd.add_argument("paths", nargs="+", metavar="PATH")
    check_cmd.add_argument("--format", choices=("text", "json"), default="text")
    check_cmd.add_argument("--extra-path", action="append", default=[], metavar="DIR",
                           help="a folder to search for imported modules too (repeatable)")
    check_cmd.add_argument(
        "--keras-version", choices=KERAS_VERSION_SETTINGS, default="auto",
        help="the Keras the checked code runs with: 2 (tf_keras, TensorFlow <= 2.15), 3, or auto (read from the "
             "packages installed where shapelens runs; when none is, only what both versions reject is an error)")
    serve_cmd = commands.add_parser("serve", help="run the language server")
    serve_cmd.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    serve_cmd.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP port instead (for debugging)")
    args = parser.parse_args(argv)
    if args.command == "check":
        try:
            return check(args.paths, args.format, args.extra_path, analysis_options(args.keras_version))
        except BrokenPipeError:  # `shapelens check ... | head`
            return 0
    from shapelens.lsp.server import serve  # pygls and lsprotocol load for the server only

    serve(args.tcp)
    return 0
