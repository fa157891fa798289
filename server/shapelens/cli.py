"""Command line: ``shapelens check``, ``shapelens serve``, ``shapelens bench``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

from shapelens.analysis import KERAS_VERSION_SETTINGS, AnalysisOptions, analysis_options, analyze
from shapelens.analysis.dims import format_shape as fmt_shape
from shapelens.analysis.report import Model, Report, Span, report_json
from shapelens.analysis.sources import NotebookAnalysis, analyze_notebook, notebook_report_json

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


def shape_text(shape) -> str:
    if shape is None:
        return "?"
    if shape and isinstance(shape[0], tuple):
        return "[" + ", ".join(fmt_shape(s) for s in shape) + "]"
    return fmt_shape(shape)


def helper_calls(layer_context: str, model_context: str) -> str:
    """The helper calls between the model's own scope and the layer: `residual_block(x, 64)`."""
    if model_context and layer_context.startswith(model_context):
        return layer_context[len(model_context):].lstrip(" >")
    return layer_context


def summary_table(model: Model, where: Callable[[Span], str] = lambda span: str(span.start_line + 1),
                  where_header: str = "line") -> list[str]:
    """Like ``model.summary()``: layer, output shape, params, the total, and where a helper was called."""
    rows = [(where(layer.span), layer.class_name,
             "error (see above)" if layer.failed else shape_text(layer.output_shape),
             "?" if layer.params is None else f"{layer.params:,}",
             helper_calls(layer.context, model.context)) for layer in model.layers]
    width = max([len("Layer (type)")] + [len(r[1]) for r in rows]) + 2
    shape_width = max([len("Output shape")] + [len(r[2]) for r in rows]) + 2
    params_width = max([len("Params")] + [len(r[3]) for r in rows]) + 2
    where_width = max([5, len(where_header)] + [len(r[0]) for r in rows])
    out = [(f"  {where_header:>{where_width}}  {'Layer (type)':<{width}}{'Output shape':<{shape_width}}{'Params':<{params_width}}"
           + ("Called from" if any(r[4] for r in rows) else "")).rstrip()]
    out += [f"  {line:>{where_width}}  {name:<{width}}{shape:<{shape_width}}{params:<{params_width}}{context}".rstrip()
            for line, name, shape, params, context in rows]
    total = model.total_params
    out.append(f"  Total params: {'?' if total is None else f'{total:,}'}")
    return out


def render_text(path: str, report: Report) -> list[str]:
    lines: list[str] = []
    if not report.parsed:
        lines.append(f"{path}: note: not analysed: {report.parse_error}")
        return lines
    for diagnostic in report.diagnostics:
        span = diagnostic.span
        lines.append(
            f"{path}:{span.start_line + 1}:{span.start_col + 1}: {diagnostic.severity}[{diagnostic.code}] "
            f"{diagnostic.message}"
        )
    for model in report.models:
        lines.append(f"{path}:{model.span.start_line + 1}: model '{model.name}' ({model.framework}), "
                     f"input {shape_text(model.input_shape)}")
        lines.extend(summary_table(model))
        lines.extend(assumed(model))
    return lines


def assumed(model: Model) -> list[str]:
    """Which version of its library the model was checked against, when that is said."""
    return [f"  {model.assumptions}"] if model.assumptions else []


def render_notebook_text(path: str, analysis: NotebookAnalysis) -> list[str]:
    """``render_text`` for a notebook: positions as ``cell N:line:col``, N counting every cell from 1
    as Jupyter does, lines and columns within the cell."""
    report = analysis.report
    if not report.parsed:
        return [f"{path}: note: not analysed: {report.parse_error}"]

    def where(span: Span) -> str:
        in_cell = analysis.cell_map.span_to_cell(span)
        if in_cell is None:
            return f"{span.start_line + 1}"
        return f"cell {in_cell.cell + 1}:{in_cell.span.start_line + 1}"

    lines = [f"{path}:cell {note.cell + 1}:{note.span.start_line + 1}:{note.span.start_col + 1}: note: "
             f"cell not analysed: {note.message}" for note in analysis.notes]
    for diagnostic in report.diagnostics:
        lines.append(f"{path}:{where(diagnostic.span)}:{diagnostic.span.start_col + 1}: {diagnostic.severity}"
                     f"[{diagnostic.code}] {diagnostic.message}")
    for model in report.models:
        lines.append(f"{path}:{where(model.span)}: model '{model.name}' ({model.framework}), "
                     f"input {shape_text(model.input_shape)}")
        lines.extend(summary_table(model, lambda span: where(span).removeprefix("cell "), "cell:line"))
        lines.extend(assumed(model))
    return lines


def read_source(path: Path) -> Optional[bytes]:
    try:
        return path.read_bytes()
    except OSError:
        return None


def check(paths: Sequence[str], output_format: str, options: Optional[AnalysisOptions] = None) -> int:
    files = list(python_files(paths))
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        print(f"shapelens: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2
    results = []
    notebooks: dict[str, NotebookAnalysis] = {}
    errors = 0
    for file in files:
        source = read_source(file)
        if file.suffix == ".ipynb":
            notebooks[str(file)] = analyze_notebook(source if source is not None else b"\xff", options)
            report = notebooks[str(file)].report
        else:
            report = analyze(source if source is not None else b"\xff", options)
        errors += report.error_count
        results.append((str(file), report))
    if output_format == "json":
        json.dump([notebook_report_json(path, notebooks[path]) if path in notebooks else report_json(path, report)
                   for path, report in results], sys.stdout, indent=2)
        print()
    else:
        for path, report in results:
            for line in render_notebook_text(path, notebooks[path]) if path in notebooks else render_text(path, report):
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
    check_cmd.add_argument(
        "--keras-version", choices=KERAS_VERSION_SETTINGS, default="auto",
        help="the Keras the checked code runs with: 2 (tf_keras, TensorFlow <= 2.15), 3, or auto (read from the "
             "packages installed where shapelens runs; when none is, only what both versions reject is an error)")
    serve_cmd = commands.add_parser("serve", help="run the language server")
    serve_cmd.add_argument("--stdio", action="store_true", help="talk over stdin/stdout (the default)")
    serve_cmd.add_argument("--tcp", metavar="HOST:PORT", help="listen on a TCP port instead (for debugging)")
    bench_cmd = commands.add_parser("bench", help="time the analysis against ast.parse")
    bench_cmd.add_argument("--repeat", type=int, default=21)
    bench_cmd.add_argument("--no-server", action="store_true", help="engine figures only")
    args = parser.parse_args(argv)
    if args.command == "check":
        try:
            return check(args.paths, args.format, analysis_options(args.keras_version))
        except BrokenPipeError:  # `shapelens check ... | head`
            return 0
    if args.command == "serve":
        from shapelens.lsp.server import serve

        serve(args.tcp)
        return 0
    from shapelens.bench import run_bench

    return run_bench(args.repeat, not args.no_server)
