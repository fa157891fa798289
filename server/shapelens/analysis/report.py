"""The engine's result: frozen dataclasses, the one thing every front end renders.

Positions are 0-based lines and columns counted in Unicode code points (Python ``str``
indexes). Front ends convert: ``to_json`` to UTF-16 code units (the LSP default), the
language server through pygls' position codec.

A report is about one analysed file, but a model may be built from a project's other files
(``from models import Net``). A layer, model, diagnostic or related note that lives in another
file carries its ``path``, relative to the project root; ``None`` is the report's own file. Every
span of an item is in the item's file; the lines of each other file are in ``Report.sources``.
"""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass, field
from typing import Callable, Literal, Optional

from .dims import Dim, OutputShape, format_dim

Severity = Literal["error", "warning", "information", "hint"]
Framework = Literal["keras", "torch"]


def quick_init(cls: type) -> type:
    """A frozen dataclass whose ``__init__`` writes its fields straight into the instance's
    ``__dict__``: the generated one calls ``object.__setattr__`` once per field, which made up
    most of the time of building a ``Span`` or a ``Layer``, of which every analysis builds
    hundreds. Same parameters and defaults; the class stays frozen after ``__init__``."""
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    if not params.frozen or hasattr(cls, "__post_init__") or "__slots__" in cls.__dict__:
        raise TypeError(f"quick_init is for plain frozen dataclasses, not {cls.__name__}")
    fields_ = [f for f in cls.__dataclass_fields__.values() if f.init]  # type: ignore[attr-defined]
    if any(not isinstance(f.default_factory, type(dataclasses.MISSING)) for f in fields_):
        raise TypeError(f"quick_init takes plain defaults only ({cls.__name__})")
    defaults = {f"_default_{f.name}": f.default for f in fields_ if f.default is not dataclasses.MISSING}
    signature = ", ".join(f.name if f.default is dataclasses.MISSING else f"{f.name}=_default_{f.name}" for f in fields_)
    body = "".join(f"    d[{f.name!r}] = {f.name}\n" for f in fields_) or "    pass\n"
    namespace: dict = {}
    exec(f"def __init__(self, {signature}):\n    d = self.__dict__\n{body}", defaults, namespace)  # noqa: S102
    namespace["__init__"].__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = namespace["__init__"]  # type: ignore[misc]
    return cls


@quick_init
@dataclass(frozen=True)
class Span:
    start_line: int
    start_col: int
    end_line: int
    end_col: int

    def contains(self, line: int, col: int) -> bool:
        after_start = (line, col) >= (self.start_line, self.start_col)
        before_end = (line, col) <= (self.end_line, self.end_col)
        return after_start and before_end

    def size(self) -> tuple[int, int]:
        return (self.end_line - self.start_line, self.end_col - self.start_col)


@quick_init
@dataclass(frozen=True)
class Layer:
    """One application of a layer inside a model (a layer called twice appears twice)."""

    class_name: str
    span: Span  # the constructor call, e.g. ``layers.Conv2D(32, 3)``
    input_shapes: tuple[OutputShape, ...]
    output_shape: OutputShape  # None when unknown; a size may be symbolic (``H-2``)
    params: Dim
    arithmetic: tuple[str, ...] = ()  # e.g. "height: floor((63 - 3) / 1) + 1 = 61"
    unknown_reason: Optional[str] = None
    inputs_from: tuple[Span, ...] = ()  # spans of the layers that produced the inputs
    context: str = ""  # the helper call this instance comes from, e.g. "conv_block(x, 64)"
    line_end_col: Optional[int] = None  # where an inlay hint goes: end of the statement's last line
    hint_line: Optional[int] = None
    call_span: Optional[Span] = None  # where it is applied, when that is elsewhere (``self.conv1(x)``)
    failed: bool = False  # the library rejects this application (a diagnostic says why)
    path: Optional[str] = None  # the file of the constructor, when it is not the report's own
    notes: tuple[str, ...] = ()  # what its shapes assume: "`--img-size` = 224 from argparse default", ...
    # Of ``params``, those training leaves alone (moving statistics, a frozen layer); None when not known.
    non_trainable: Dim = 0
    # which part of what one constructor call built (a torchvision model's layers before and after a
    # replaced head): the parts of one call each count in the model's total
    part: str = ""
    # which layer object this application is of: a helper called twice makes two layers at one span
    instance: int = field(default=0, compare=False)

    @property
    def trainable_params(self) -> Dim:
        return difference(self.params, self.non_trainable)


def difference(total: Dim, part: Dim) -> Dim:
    """``total - part``, unknown when either is."""
    if total is None or part is None:
        return None
    return total if isinstance(part, int) and part == 0 else total - part  # type: ignore[operator]


@dataclass(frozen=True)
class Condition:
    """What a model's sizes must satisfy: as Python (``H >= 76``) and for people (``H ≥ 76``)."""

    python: str
    text: str


@dataclass(frozen=True)
class Model:
    name: str
    framework: Framework
    span: Span  # the ``Sequential(...)`` / ``Model(...)`` call
    layers: tuple[Layer, ...]
    input_shape: OutputShape = None
    name_spans: tuple[Span, ...] = ()  # every place the model's name is written in the report's own file
    context: str = ""
    symbols: tuple[tuple[str, str], ...] = ()  # (name, what it stands for) of the size symbols in its shapes
    input_spans: tuple[Span, ...] = ()  # where its inputs are written (``keras.Input(...)``)
    requires: tuple[Condition, ...] = ()  # what the sizes must satisfy: the smallest input, the equations
    path: Optional[str] = None  # the file of ``span``, when it is not the report's own
    # Which version of its library the rules applied follow, and why: "Keras 3 semantics (keras 3.15.1 installed)".
    assumptions: str = ""
    # Parameters held outside any layer (a torch module's own ``nn.Parameter``: a class token, positional
    # embeddings); None when not known, or when the layers differ between paths the analysis cannot decide.
    held_params: Dim = 0
    held_non_trainable: Dim = 0  # of ``held_params``, those frozen (``requires_grad = False``)

    @property
    def total_params(self) -> Dim:
        if not self.layers and (self.held_params is None or self.held_params.__class__ is int and not self.held_params):
            return None  # no layer followed: nothing to count, not a count of none
        layers = self.count(lambda layer: layer.params)
        return None if layers is None or self.held_params is None else layers + self.held_params  # type: ignore[operator]

    @property
    def non_trainable_params(self) -> Dim:
        if self.total_params is None or self.held_non_trainable is None:  # a layer of unknown size may hold some
            return None
        layers = self.count(lambda layer: layer.non_trainable)
        return None if layers is None else layers + self.held_non_trainable  # type: ignore[operator]

    @property
    def trainable_params(self) -> Dim:
        return difference(self.total_params, self.non_trainable_params)

    def count(self, of: Callable[[Layer], Dim]) -> Dim:
        """A count summed over the layers, a shared layer once; unknown when one layer's is."""
        seen: dict[tuple[Optional[str], Span, str, int], Dim] = {}
        for layer in self.layers:
            count = of(layer)
            if count is None:
                return None
            seen[(layer.path, layer.span, layer.part, layer.instance)] = count  # a shared layer counts once
        return sum(seen.values())  # type: ignore[arg-type, return-value]


@dataclass(frozen=True)
class TextEdit:
    span: Span
    new_text: str


@dataclass(frozen=True)
class Fix:
    title: str
    edits: tuple[TextEdit, ...]
    preferred: bool = False


@dataclass(frozen=True)
class Related:
    span: Span
    message: str
    path: Optional[str] = None


@dataclass(frozen=True)
class Diagnostic:
    span: Span
    severity: Severity
    code: str
    message: str
    related: tuple[Related, ...] = ()
    fixes: tuple[Fix, ...] = ()
    # Facts a quick fix needs, as key/value pairs: ("arg", "pool_size"), ("expected_shape", ...).
    data: tuple[tuple[str, object], ...] = ()
    path: Optional[str] = None  # the file of ``span``, when it is not the report's own

    def fact(self, key: str, default: object = None) -> object:
        return next((value for name, value in self.data if name == key), default)


@dataclass(frozen=True)
class Report:
    models: tuple[Model, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()
    parsed: bool = True  # False when the source did not parse (nothing else is meaningful)
    parse_error: Optional[str] = None
    lines: tuple[str, ...] = field(default=(), repr=False)
    # (path, lines) of every other file an item of the report is in
    sources: tuple[tuple[str, tuple[str, ...]], ...] = field(default=(), repr=False)

    def lines_of(self, path: Optional[str]) -> tuple[str, ...]:
        """The lines of the report's own file (``None``) or of another file its items are in."""
        if path is None:
            return self.lines
        return next((lines for name, lines in self.sources if name == path), ())
    # The options the analysis ran with (``AnalysisOptions``).
    options: object = field(default=None, repr=False, compare=False)
    # Analyses an edited text of the same file as this report was made: with the same options, path
    # and project (quick fixes verify their edits with it).
    rerun: Optional[Callable[[str], "Report"]] = field(default=None, repr=False, compare=False)
    # The top-level statements of the analysed text (a ``StatementIndex``, made on first use from
    # the engine's own parse), for the quick fixes.
    statements: Optional[Callable[[], object]] = field(default=None, repr=False, compare=False)

    def layers_at(self, line: int, col: int) -> list[tuple[Model, Layer]]:
        """Every layer application of the report's own file whose constructor span holds the
        position, innermost first."""
        hits = [(m, l) for m in self.models for l in m.layers if l.path is None
                and (l.span.contains(line, col) or (l.call_span is not None and l.call_span.contains(line, col)))]
        return sorted(hits, key=lambda hit: hit[1].span.size())

    def model_at(self, line: int, col: int) -> Optional[Model]:
        for model in self.models:
            spans = model.name_spans if model.path is not None else (model.span, *model.name_spans)
            if any(span.contains(line, col) for span in spans):
                return model
        return None

    @property
    def error_count(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity == "error")


# --- JSON: the contract of `shapelens check --format json` -------------------------------


def split_lines(text: str) -> list[str]:
    """Lines with their endings, broken only where Python and LSP break them (\n, \r\n, \r;
    ``str.splitlines`` also breaks at form feeds, \u2028 and more)."""
    return io.StringIO(text, newline="").readlines()


def utf16_col(line_text: str, col: int) -> int:
    """A code-point column as UTF-16 code units (characters outside the BMP count twice)."""
    prefix = line_text[:col]
    return col + sum(1 for ch in prefix if ord(ch) > 0xFFFF)


def span_json(span: Span, lines: tuple[str, ...]) -> dict:
    def point(line: int, col: int) -> dict:
        text = lines[line] if 0 <= line < len(lines) else ""
        return {"line": line, "character": utf16_col(text, col)}

    return {"start": point(span.start_line, span.start_col), "end": point(span.end_line, span.end_col)}


def dim_json(dim: Dim) -> object:
    """An integer, ``null`` (unknown), or a symbolic size as a Python expression (``"H-2"``)."""
    return dim if dim is None or isinstance(dim, int) else format_dim(dim)


def shape_json(shape: OutputShape) -> Optional[list]:
    if shape is None:
        return None
    if shape and isinstance(shape[0], tuple):
        return [[dim_json(d) for d in s] for s in shape]  # type: ignore[union-attr]  # several outputs
    return [dim_json(d) for d in shape]  # type: ignore[union-attr]


def located(item: dict, path: Optional[str]) -> dict:
    """An item in another file than the report's carries that file's path."""
    if path is not None:
        item["path"] = path
    return item


def report_json(path: str, report: Report) -> dict:
    lines = report.lines_of
    return {
        "path": path,
        "models": [
            located({
                "name": model.name,
                "framework": model.framework,
                "range": span_json(model.span, lines(model.path)),
                "layers": [
                    located({
                        "class": layer.class_name,
                        "range": span_json(layer.span, lines(layer.path)),
                        "input_shape": shape_json(layer.input_shapes[0])
                        if len(layer.input_shapes) == 1
                        else [shape_json(s) for s in layer.input_shapes],
                        "output_shape": shape_json(layer.output_shape),
                        "params": dim_json(layer.params),
                        "trainable_params": dim_json(layer.trainable_params),
                        "unknown_reason": layer.unknown_reason,
                    }, layer.path)
                    for layer in model.layers
                ],
                "input_shape": shape_json(model.input_shape),
                "total_params": dim_json(model.total_params),
                "trainable_params": dim_json(model.trainable_params),
                "symbols": dict(model.symbols),
                "requires": [condition.python for condition in model.requires],
            }, model.path)
            for model in report.models
        ],
        "diagnostics": [
            located({
                "range": span_json(diag.span, lines(diag.path)),
                "severity": diag.severity,
                "code": diag.code,
                "message": diag.message,
                "fixes": [
                    {
                        "title": fix.title,
                        "edits": [
                            {"range": span_json(edit.span, lines(diag.path)), "newText": edit.new_text}
                            for edit in fix.edits
                        ],
                    }
                    for fix in diag.fixes
                ],
            }, diag.path)
            for diag in report.diagnostics
        ],
    }
