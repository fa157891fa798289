"""Quick fixes: candidate edits for one diagnostic, each verified by re-analysing the result.

A candidate is made with libcst on the few statements it touches (never the whole file: libcst
is 10-40x slower than ``ast``) and reduced to minimal text edits, so the user's formatting and
comments stay as they were. It is offered only if the engine, run on the edited source, no
longer reports the diagnostic and reports no error that was not there before.
"""

from __future__ import annotations

import ast
import bisect
import difflib
import itertools
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional, Sequence, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from shapelens.analysis.shapes import largest_kernel
from shapelens.analysis.report import Diagnostic, Fix, Layer, Model, Report, Span, TextEdit, split_lines

Analyzer = Callable[[str], Report]

# Layers whose windows a fix may shrink, by the argument that holds the window.
WINDOW_ARGS = {"pool_size", "kernel_size", "cropping"}
DENSE_CLASSES = frozenset({"Dense", "Linear"})
FLATTEN_CLASS = "Flatten"
# Functions that make a dummy input from a literal shape: np.zeros((1, 28, 28)), torch.randn(1, 3, 8, 8).
DUMMY_FACTORIES = frozenset(
    {"zeros", "ones", "empty", "rand", "randn", "normal", "uniform", "random", "random_sample",
     "standard_normal", "full", "randint"}
)
# How a fix kind ranks against another one that also works: lower is offered first.
KIND_RANK = {
    "padding-same": 0,
    "reduce-window": 1,
    "reduce-strides": 2,
    "move-flatten": 0,
    "insert-flatten": 0,
    "remove-flatten": 1,
    "input-shape": 0,
    "match-input": 0,
    "lazy-linear": 1,
}
# torch errors where a constructor argument must equal a size of the input, which the engine
# gives as the diagnostic's facts ("arg", "expected").
MATCH_INPUT_CODES = frozenset({"linear-in-features", "in-channels", "num-features"})
MAX_STRIDE_TRIALS = 3


# --- text positions ----------------------------------------------------------------------


class LineIndex:
    """Converts between (line, code-point column) and offsets into one source string."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.starts = list(itertools.accumulate(map(len, split_lines(source)), initial=0))

    def offset(self, line: int, col: int) -> int:
        line = min(max(line, 0), len(self.starts) - 1)
        return min(self.starts[line] + col, len(self.source))

    def point(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset) - 1
        line = min(line, len(self.starts) - 1)
        return line, offset - self.starts[line]

    def span(self, start: int, end: int) -> Span:
        return Span(*self.point(start), *self.point(end))


def apply_edits(source: str, edits: Sequence[TextEdit]) -> str:
    """The source with non-overlapping edits applied."""
    index = LineIndex(source)
    located = sorted(
        (
            (index.offset(e.span.start_line, e.span.start_col), index.offset(e.span.end_line, e.span.end_col), e)
            for e in edits
        ),
        key=lambda item: item[0],
        reverse=True,
    )
    for start, end, edit in located:
        source = source[:start] + edit.new_text + source[end:]
    return source


def map_offset(offset: int, index: LineIndex, edits: Sequence[TextEdit]) -> int:
    """Where an offset of the original source lands after the edits (inside an edit: its start)."""
    shift = 0
    for edit in edits:
        start = index.offset(edit.span.start_line, edit.span.start_col)
        end = index.offset(edit.span.end_line, edit.span.end_col)
        if end <= offset and not (start == end == offset):
            shift += len(edit.new_text) - (end - start)
        elif start < offset < end:
            shift += start - offset
    return offset + shift


# --- statements: the smallest region of the document libcst needs to parse ---------------


def _body_lists(node: ast.AST) -> Iterator[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody", "handlers"):
        value = getattr(node, name, None)
        if isinstance(value, list) and value and isinstance(value[0], (ast.stmt, ast.excepthandler)):
            yield value  # type: ignore[misc]
    for case in getattr(node, "cases", ()) or ():
        yield case.body


def _innermost_statement(tree: ast.Module, line: int) -> Optional[ast.stmt]:
    """The innermost statement holding a 1-based line; a compound one only for its header."""
    found: Optional[ast.stmt] = None
    bodies: list[list] = [tree.body]
    while bodies:
        body = bodies.pop()
        for stmt in body:
            end = getattr(stmt, "end_lineno", stmt.lineno) or stmt.lineno
            first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
            if first <= line <= end:
                found = stmt
                bodies = list(_body_lists(stmt))
                break
    return found


def _statement_lines(tree: ast.Module, line: int) -> Optional[tuple[int, int]]:
    """0-based first and last line of the innermost statement holding a 0-based line."""
    stmt = _innermost_statement(tree, line + 1)
    if stmt is None:
        return None
    first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
    return first - 1, (stmt.end_lineno or stmt.lineno) - 1


CLAUSE_START = re.compile(r"(else|elif|except|finally)\b")
FIRST_LINE_BINDER = re.compile(r"(?:async\s+def|def|class)\s+(\w+)|(\w+)\s*(?::[^=]*)?=(?!=)|for\s+(\w+)")
MAX_MERGES = 40


def _starts_statement(line: str) -> bool:
    """Whether a line can begin a top-level statement: code at column 0 that is not a
    comment, a closing bracket or a clause of the statement above."""
    first = line[:1]
    if not first or first in " \t\r\n#)]}" or first == "\f":
        return False
    return CLAUSE_START.match(line) is None


class TopLevel:
    """The file's top-level statements, found without parsing the whole file (``ast`` on
    5,000 lines costs about as much as a quick fix may take): a statement starts on a line
    with code at column 0; a piece that does not parse alone (a string or a bracket spanning
    such a line) is merged with its neighbours until it does. Pieces are parsed on demand."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        starts: list[int] = []
        for number, line in enumerate(lines):
            if _starts_statement(line) and not (starts and lines[starts[-1]].startswith("@") and starts[-1] == number - 1):
                starts.append(number)
        if not starts or starts[0] != 0:
            starts.insert(0, 0)  # leading comments and blank lines go with the first statement
        self.starts = starts
        self._parsed: dict[int, Optional[ast.Module]] = {}

    def __len__(self) -> int:
        return len(self.starts)

    def bounds(self, k: int) -> tuple[int, int]:
        end = self.starts[k + 1] - 1 if k + 1 < len(self.starts) else len(self.lines) - 1
        return self.starts[k], max(end, self.starts[k])

    def index_of(self, line: int) -> int:
        return max(bisect.bisect_right(self.starts, line) - 1, 0)

    def text(self, k: int) -> str:
        first, last = self.bounds(k)
        return "".join(self.lines[first : last + 1])

    def parse(self, line: int) -> Optional[tuple[int, ast.Module]]:
        """The statement piece holding a 0-based line, parsed (line numbers of the file), with
        its index; None if no merge of neighbouring pieces parses."""
        k = self.index_of(line)
        first_line = self.starts[k] if self.starts else 0
        if first_line in self._parsed:
            tree = self._parsed[first_line]
            return (k, tree) if tree is not None else None
        low, high = k, k
        for _ in range(MAX_MERGES):
            first, _ = self.bounds(low)
            _, last = self.bounds(high)
            try:
                tree = ast.parse("".join(self.lines[first : last + 1]))
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                if high + 1 < len(self.starts):
                    high += 1
                elif low > 0:
                    low -= 1
                else:
                    break
                continue
            ast.increment_lineno(tree, first)
            del self.starts[low + 1 : high + 1]  # the merged pieces are one statement from now on
            self._parsed = {start: parsed for start, parsed in self._parsed.items() if not first < start <= last}
            self._parsed[first] = tree
            return low, tree
        self._parsed[first_line] = None
        return None

    def statement_lines(self, line: int) -> Optional[tuple[int, int]]:
        """0-based first and last line of the innermost statement holding a 0-based line."""
        parsed = self.parse(line)
        return _statement_lines(parsed[1], line) if parsed is not None else None

    def innermost(self, line: int) -> Optional[ast.stmt]:
        parsed = self.parse(line)
        return _innermost_statement(parsed[1], line + 1) if parsed is not None else None

    def imports(self) -> Iterator[Union[ast.Import, ast.ImportFrom]]:
        """The top-level imports (each ``import`` / ``from`` piece is parsed alone)."""
        for k in range(len(self.starts)):
            if k >= len(self.starts):
                break
            first = self.starts[k]
            if self.lines[first].startswith(("import ", "from ")):
                parsed = self.parse(first)
                if parsed is not None:
                    yield from (n for n in parsed[1].body if isinstance(n, (ast.Import, ast.ImportFrom)))


@dataclass
class Region:
    """Whole lines of the document holding complete statements, parsed by libcst.

    Indented statements are parsed under an ``if True:`` header, so their indentation, and
    everything else about their formatting, survives untouched.
    """

    source: str
    index: LineIndex
    start: int  # document offset of the first character
    end: int
    header: str
    wrapper: MetadataWrapper
    positions: dict = field(repr=False)
    parents: dict = field(repr=False)

    @classmethod
    def of_lines(cls, source: str, index: LineIndex, first: int, last: int) -> Optional["Region"]:
        start = index.offset(first, 0)
        end = index.starts[min(last + 1, len(index.starts) - 1)]
        text = source[start:end]
        header = "if True:\n" if text[:1] in (" ", "\t") else ""
        try:
            module = cst.parse_module(header + text)
        except cst.ParserSyntaxError:
            return None
        wrapper = MetadataWrapper(module)
        positions = wrapper.resolve(PositionProvider)
        parents = wrapper.resolve(ParentNodeProvider)
        return cls(source, index, start, end, header, wrapper, dict(positions), dict(parents))

    @property
    def module(self) -> cst.Module:
        return self.wrapper.module

    def _text_index(self) -> LineIndex:
        if not hasattr(self, "_parsed_index"):
            self._parsed_index = LineIndex(self.header + self.source[self.start : self.end])
        return self._parsed_index

    def doc_range(self, node: cst.CSTNode) -> tuple[int, int]:
        """A node's document offsets."""
        code_range = self.positions[node]
        text_index = self._text_index()
        shift = self.start - len(self.header)
        start = text_index.offset(code_range.start.line - 1, code_range.start.column) + shift
        end = text_index.offset(code_range.end.line - 1, code_range.end.column) + shift
        return start, end

    def call_at(self, span: Span) -> Optional[cst.Call]:
        """The call written exactly at the span (a layer constructor), else the smallest
        call starting where the span starts."""
        start = self.index.offset(span.start_line, span.start_col)
        end = self.index.offset(span.end_line, span.end_col)
        best: Optional[tuple[int, cst.Call]] = None
        for node in self.positions:
            if not isinstance(node, cst.Call):
                continue
            node_start, node_end = self.doc_range(node)
            if node_start != start:
                continue
            if node_end == end:
                return node
            if best is None or node_end - node_start < best[0]:
                best = (node_end - node_start, node)
        return best[1] if best else None

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.parents.get(node)

    def edits_for(self, new_module: cst.Module) -> tuple[TextEdit, ...]:
        """The minimal text edits that turn this region into ``new_module``."""
        try:
            new_text = new_module.code
        except Exception:  # libcst refuses to render an invalid tree (e.g. an emptied block)
            return ()
        if not new_text.startswith(self.header):
            return ()
        body = new_text[len(self.header) :]
        if not body.strip():
            body = ""  # every statement removed: the lines go too
        return minimal_edits(self.source[self.start : self.end], body, self.start, self.index)


def minimal_edits(old: str, new: str, base: int, index: LineIndex) -> tuple[TextEdit, ...]:
    """Line diff, then each changed block trimmed to the characters that differ."""
    old_lines, new_lines = split_lines(old), split_lines(new)
    offsets = [0]
    for line in old_lines:
        offsets.append(offsets[-1] + len(line))
    edits = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before, after = "".join(old_lines[i1:i2]), "".join(new_lines[j1:j2])
        prefix = 0
        while prefix < min(len(before), len(after)) and before[prefix] == after[prefix]:
            prefix += 1
        suffix = 0
        while (
            suffix < min(len(before), len(after)) - prefix
            and before[len(before) - 1 - suffix] == after[len(after) - 1 - suffix]
        ):
            suffix += 1
        start = base + offsets[i1] + prefix
        end = base + offsets[i2] - suffix
        edits.append(TextEdit(index.span(start, end), after[prefix : len(after) - suffix]))
    return tuple(edits)


class _ReplaceNodes(cst.CSTTransformer):
    """Replaces (or removes) nodes of the original tree, keyed by identity."""

    def __init__(self, replacements: dict[int, Union[cst.CSTNode, cst.RemovalSentinel]]) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(self, original_node, updated_node):  # type: ignore[override]
        return self.replacements.get(id(original_node), updated_node)


def _replace(region: Region, replacements: dict[cst.CSTNode, object]) -> cst.Module:
    by_id = {id(node): new for node, new in replacements.items()}
    return region.module.visit(_ReplaceNodes(by_id))  # type: ignore[arg-type]


# --- reading and writing call arguments ---------------------------------------------------


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _literal(node: cst.CSTNode) -> object:
    try:
        return ast.literal_eval(_code(node).strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return _NOT_LITERAL


_NOT_LITERAL = object()


@dataclass(frozen=True)
class Signature:
    """A layer constructor's argument order and defaults, from the engine's rule tables
    (Keras' ``RULES`` or torch's ``TORCH_RULES``, by the model's framework)."""

    positional: Optional[tuple[str, ...]]  # None: the class is not in the tables
    defaults: dict

    @classmethod
    def of(cls, class_name: str, framework: str = "keras") -> "Signature":
        from shapelens.analysis import layer_signature

        found = layer_signature(framework, class_name)
        if found is None:
            return cls(None, {})
        return cls(*found)

    def default(self, name: str) -> object:
        """The default of an argument the call does not write (e.g. pool_size=(2, 2))."""
        return self.defaults.get(name)


def find_argument(call: cst.Call, signature: Signature, name: str) -> Optional[cst.Arg]:
    """The argument that binds ``name``, by keyword or by the constructor's positional order."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    positional = [a for a in call.args if a.keyword is None and not a.star]
    names = signature.positional or ()
    if name in names and names.index(name) < len(positional):
        return positional[names.index(name)]
    return None


def _separator_like(comma: Union[cst.Comma, cst.MaybeSentinel]) -> cst.Comma:
    """A comma with the whitespace of an existing separator, minus any comment on it."""
    if isinstance(comma, cst.Comma):
        after = comma.whitespace_after
        if isinstance(after, cst.ParenthesizedWhitespace):
            after = after.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
        return cst.Comma(whitespace_before=comma.whitespace_before, whitespace_after=after)
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _split_trailing_comma(trailing: cst.Comma, separator: cst.Comma) -> tuple[cst.Comma, cst.Comma]:
    """The commas around an argument appended after a trailing comma: the old last argument
    keeps its own comment, the new one ends where the old one did (before the ``)``)."""
    old_after, between = trailing.whitespace_after, separator.whitespace_after
    if isinstance(old_after, cst.ParenthesizedWhitespace) and isinstance(between, cst.ParenthesizedWhitespace):
        kept = separator.with_changes(
            whitespace_after=between.with_changes(first_line=old_after.first_line, empty_lines=old_after.empty_lines)
        )
        closing = trailing.with_changes(
            whitespace_after=old_after.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
        )
        return kept, closing
    return separator, trailing


def set_argument(call: cst.Call, signature: Signature, name: str, value_code: str) -> Optional[cst.Call]:
    """The call with ``name`` bound to ``value_code``: its value replaced where it is written,
    else added as a keyword after the last argument (keeping one-per-line layouts)."""
    value = cst.parse_expression(value_code)
    existing = find_argument(call, signature, name)
    if existing is not None:
        return call.deep_replace(existing, existing.with_changes(value=value))  # type: ignore[return-value]
    if any(a.keyword is None and not a.star for a in call.args) and signature.positional is None:
        return None  # positional order unknown: a keyword might bind an argument twice
    new_arg = cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
        ),
    )
    if not call.args:
        return call.with_changes(args=[new_arg])
    args = list(call.args)
    last = args[-1]
    if isinstance(last.comma, cst.Comma):  # trailing comma: the new argument goes on its own line
        separator = args[-2].comma if len(args) > 1 else cst.MaybeSentinel.DEFAULT
        if isinstance(separator, cst.MaybeSentinel):
            separator = cst.Comma(whitespace_after=call.whitespace_before_args)
        last_comma, new_comma = _split_trailing_comma(last.comma, _separator_like(separator))
        args[-1] = last.with_changes(comma=last_comma)
        args.append(new_arg.with_changes(comma=new_comma))
    else:
        separator = args[-2].comma if len(args) > 1 else cst.MaybeSentinel.DEFAULT
        args[-1] = last.with_changes(comma=_separator_like(separator))
        args.append(new_arg)
    return call.with_changes(args=args)


def _quote_of(region: Region) -> str:
    for node in region.positions:
        if isinstance(node, cst.SimpleString):
            return node.quote[-1:] or '"'
    return '"'


# --- the arithmetic of "the largest value that fits" ---------------------------------------


def _spatial_dims(layer: Layer, channels_first: bool) -> Optional[tuple[Optional[int], ...]]:
    if not layer.input_shapes:
        return None
    shape = layer.input_shapes[0]
    if shape is None or (shape and isinstance(shape[0], tuple)) or len(shape) < 3:
        return None
    return tuple(shape[2:]) if channels_first else tuple(shape[1:-1])


def _as_tuple(value: object, rank: int) -> Optional[tuple[int, ...]]:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * rank
    if isinstance(value, (tuple, list)) and len(value) == rank and all(isinstance(v, int) for v in value):
        return tuple(value)
    return None


def _cropping_pairs(value: object, rank: int) -> Optional[tuple[tuple[int, int], ...]]:
    if isinstance(value, int) and not isinstance(value, bool):
        return ((value, value),) * rank
    if isinstance(value, (tuple, list)):
        if rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
            return ((value[0], value[1]),)
        if len(value) == rank:
            pairs = []
            for item in value:
                if isinstance(item, int):
                    pairs.append((item, item))
                elif isinstance(item, (tuple, list)) and len(item) == 2 and all(isinstance(v, int) for v in item):
                    pairs.append((item[0], item[1]))
                else:
                    return None
            return tuple(pairs)
    return None


def _fit_pair(pair: tuple[int, int], size: Optional[int]) -> tuple[int, int]:
    """Shrink a (before, after) crop until at least one element is left: larger side first."""
    before, after = pair
    if size is None or before + after < size:
        return pair
    excess = before + after - (size - 1)
    if before >= after:
        cut = min(excess, before - after)
        before, excess = before - cut, excess - cut
    else:
        cut = min(excess, after - before)
        after, excess = after - cut, excess - cut
    after -= (excess + 1) // 2
    before -= excess // 2
    return max(before, 0), max(after, 0)


def _format_window(original: object, values: tuple[int, ...]) -> str:
    if (not isinstance(original, (tuple, list))) and len(set(values)) == 1:
        return str(values[0])
    return "(" + ", ".join(str(v) for v in values) + ("," if len(values) == 1 else "") + ")"


def _format_cropping(original: object, pairs: tuple[tuple[int, int], ...], rank: int) -> str:
    symmetric = all(a == b for a, b in pairs)
    if isinstance(original, int) and symmetric and len({a for a, _ in pairs}) == 1:
        return str(pairs[0][0])
    if rank == 1:
        return f"({pairs[0][0]}, {pairs[0][1]})"
    if symmetric and isinstance(original, (tuple, list)) and all(isinstance(v, int) for v in original):
        return "(" + ", ".join(str(a) for a, _ in pairs) + ")"
    return "(" + ", ".join(f"({a}, {b})" for a, b in pairs) + ")"


def fitting_window(
    arg: str, current: object, dims: tuple[Optional[int], ...], dilation: object
) -> Optional[str]:
    """The largest ``pool_size`` / ``kernel_size`` / ``cropping`` that leaves every spatial
    dimension at least 1 (valid padding), as source text; None if nothing changes."""
    rank = len(dims)
    if arg == "cropping":
        pairs = _cropping_pairs(current, rank)
        if pairs is None:
            return None
        fitted = tuple(_fit_pair(p, n) for p, n in zip(pairs, dims))
        return None if fitted == pairs else _format_cropping(current, fitted, rank)
    window = _as_tuple(current, rank)
    dilations = _as_tuple(dilation if dilation is not None else 1, rank)
    if window is None or dilations is None:
        return None
    if arg == "kernel_size":  # d·(k−1)+1 ≤ n
        fitted = tuple(k if n is None else max(1, min(k, largest_kernel(n, d))) for k, n, d in zip(window, dims, dilations))
    else:  # pool_size ≤ n
        fitted = tuple(p if n is None else max(1, min(p, n)) for p, n in zip(window, dims))
    return None if fitted == window else _format_window(current, fitted)


# --- the verification slice -------------------------------------------------------------------


def _bound_names(stmt: ast.stmt) -> set[str]:
    """Names a top-level statement binds (without walking into function bodies)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names}
    targets: list[ast.AST] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign, ast.For, ast.AsyncFor)):
        targets = [stmt.target]
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in stmt.items if item.optional_vars is not None]
    elif isinstance(stmt, (ast.If, ast.Try, ast.While)):
        return {name for child in ast.iter_child_nodes(stmt) if isinstance(child, ast.stmt) for name in _bound_names(child)}
    return {n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)}


def _loaded_names(stmt: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


NESTED_BINDER = re.compile(
    r"^[ \t]*(?:(?:async\s+)?def\s+(\w+)|class\s+(\w+)|(\w+)\s*(?::[^=\n]*)?=(?!=)|for\s+(\w+)|import\s+(\w+))",
    re.MULTILINE,
)


def _piece_binders(top: TopLevel, k: int) -> set[str]:
    """Names a top-level piece binds: imports parsed; a module-level ``if``/``try``/``with``
    block read line by line (a superset is safe: it only keeps more); else the first line."""
    first, _ = top.bounds(k)
    line = top.lines[first]
    if line.startswith(("import ", "from ")):
        parsed = top.parse(first)
        return {name for stmt in parsed[1].body for name in _bound_names(stmt)} if parsed else set()
    if line.startswith(("if ", "try:", "with ", "async with ", "while ")):
        text = top.text(k)
        names = {name for match in NESTED_BINDER.finditer(text) for name in match.groups() if name}
        for imported in re.finditer(r"\bimport\s+([\w\s,.()]+)", text):
            names.update(re.findall(r"(?:as\s+)?(\w+)\s*(?:,|$|\))", imported.group(1)))
        return names
    names = set()
    for match in FIRST_LINE_BINDER.finditer(line):
        if match.start() == 0 or match.group(2):
            names.update(group for group in match.groups() if group)
    return names


def blanked_statements(top: TopLevel, anchors: set[int]) -> list[tuple[int, int]]:
    """The top-level statements (0-based line ranges) a model can do without: all but the
    ones holding an anchor line, the imports, what those use (by name, transitively), and
    the calls of a builder function that holds an anchor (they make its instances)."""
    for line in sorted(anchors):
        if top.parse(line) is None:  # make anchored pieces whole before indexing the pieces
            return []
    pieces = range(len(top))
    keep = {top.index_of(line) for line in anchors}
    keep |= {k for k in pieces if top.lines[top.bounds(k)[0]].startswith(("import ", "from "))}
    binders: dict[str, list[int]] = {}
    for k in pieces:
        for name in _piece_binders(top, k):
            binders.setdefault(name, []).append(k)
    builders = {
        match.group(1)
        for k in keep
        if (match := re.match(r"(?:async\s+)?def\s+(\w+)", top.lines[top.bounds(k)[0]]))
    }
    for name in builders:  # whoever calls a builder makes one of the model's instances
        pattern = re.compile(rf"\b{re.escape(name)}\s*\(")
        keep |= {k for k in pieces if pattern.search(top.text(k))}
    pending = list(keep)
    while pending:
        k = pending.pop()
        parsed = top.parse(top.bounds(k)[0])
        if parsed is None:
            return []
        for name in {n for stmt in parsed[1].body for n in _loaded_names(stmt)}:
            for j in binders.get(name, ()):
                if j not in keep:
                    keep.add(j)
                    pending.append(j)
    if len(top) != len(pieces):
        return []  # parsing merged pieces meanwhile: indexes moved; verify on the whole file
    return [top.bounds(k) for k in pieces if k not in keep]


def blank_lines(source: str, ranges: Sequence[tuple[int, int]]) -> str:
    """The source with these line ranges emptied; every other line keeps its number and text."""
    lines = split_lines(source)
    for first, last in ranges:
        for line in range(first, min(last + 1, len(lines))):
            text = lines[line]
            lines[line] = text[len(text.rstrip("\r\n")) :]
    return "".join(lines)


@dataclass(frozen=True)
class VerificationBase:
    source: str
    report: Report
    target: Diagnostic  # the diagnostic being fixed, as this report has it
    blanked: tuple[tuple[int, int], ...]  # 0-based line ranges emptied in ``source``

    def holds(self, edits: Sequence[TextEdit]) -> bool:
        """Whether every edit falls on lines this base kept."""
        return not any(
            first <= line <= last
            for edit in edits
            for line in (edit.span.start_line, edit.span.end_line)
            for first, last in self.blanked
        )


# --- candidates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    kind: str
    title: str
    edits: tuple[TextEdit, ...]


@dataclass
class FixContext:
    """One snapshot being fixed, with what every fix for it needs: the ``ast`` (statement
    bounds), parsed libcst regions, and the verification slice per model. Reuse it for all
    the diagnostics of one snapshot."""

    source: str
    report: Report
    index: LineIndex = field(init=False)
    top: TopLevel = field(init=False)
    _regions: dict = field(init=False, default_factory=dict)
    _bases: dict = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.index = LineIndex(self.source)
        self.top = TopLevel(split_lines(self.source))

    def region(self, *lines: int) -> Optional[Region]:
        """The statements holding all these 0-based lines, as one parsed region (cached:
        candidates for one diagnostic often touch the same statement)."""
        bounds = [self.top.statement_lines(line) for line in lines]
        if any(b is None for b in bounds):
            return None
        first = min(b[0] for b in bounds)  # type: ignore[index]
        last = max(b[1] for b in bounds)  # type: ignore[index]
        if (first, last) not in self._regions:
            self._regions[(first, last)] = Region.of_lines(self.source, self.index, first, last)
        return self._regions[(first, last)]

    def verification_base(self, model: Optional[Model], diag: Diagnostic, analyze: Analyzer) -> "VerificationBase":
        """What a fix for ``diag`` is verified against: the source with every top-level
        statement the model does not need blanked (so a 5,000-line file re-analyses as a
        few dozen lines). The whole file when the slice does not reproduce the diagnostic."""
        key = (model.span if model is not None else None, diag.span)
        if key not in self._bases:
            self._bases[key] = self._sliced_base(model, diag, analyze)
        return self._bases[key]

    def _sliced_base(self, model: Optional[Model], diag: Diagnostic, analyze: Analyzer) -> "VerificationBase":
        whole = VerificationBase(self.source, self.report, diag, ())
        anchors = {diag.span.start_line, diag.span.end_line}
        if model is not None:
            anchors |= {model.span.start_line, model.span.end_line}
            anchors |= {s.start_line for s in model.name_spans}
            anchors |= {line for layer in model.layers for line in (layer.span.start_line, layer.span.end_line)}
        blanked = blanked_statements(self.top, anchors)
        if not blanked:
            return whole
        sliced = blank_lines(self.source, blanked)
        report = analyze(sliced)
        target = next((d for d in report.diagnostics if d.code == diag.code and d.span == diag.span), None)
        return VerificationBase(sliced, report, target, tuple(blanked)) if target is not None else whole

    def text_of(self, span: Span) -> str:
        return self.source[self.index.offset(span.start_line, span.start_col) : self.index.offset(span.end_line, span.end_col)]

    def layer(self, span: Span) -> Optional[tuple[Model, Layer]]:
        """The application of the layer written at ``span``; of several (a builder or helper
        called more than once) the one whose output is unknown, i.e. the one that fails."""
        found = [(model, layer) for model in self.report.models for layer in model.layers if layer.span == span]
        failing = [hit for hit in found if hit[1].output_shape is None]
        return (failing or found or [None])[0]


def _keyword_literal(call: cst.Call, name: str) -> object:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return _literal(arg.value)
    return None


def _padding_same(doc: FixContext, model: Model, layer: Layer) -> Iterator[Candidate]:
    """Keras only: torch's ``padding='same'`` refuses strides > 1 and means other numbers."""
    signature = Signature.of(layer.class_name, model.framework)
    if model.framework != "keras" or "padding" not in (signature.positional or ()):
        return
    region = doc.region(layer.span.start_line)
    call = region.call_at(layer.span) if region else None
    if region is None or call is None:
        return
    padding = find_argument(call, signature, "padding")
    if padding is not None and _literal(padding.value) == "same":
        return
    quote = _quote_of(region)
    new_call = set_argument(call, signature, "padding", f"{quote}same{quote}")
    if new_call is not None:
        edits = region.edits_for(_replace(region, {call: new_call}))
        yield Candidate("padding-same", f"Use padding={quote}same{quote}", edits)


def _window_arg(signature: Signature, diag: Diagnostic) -> Optional[str]:
    named = diag.fact("arg")
    if isinstance(named, str) and named in WINDOW_ARGS:
        return named
    positional = signature.positional or ()
    return next((arg for arg in ("pool_size", "cropping", "kernel_size") if arg in positional), None)


def _reduce_window(doc: FixContext, model: Model, layer: Layer, diag: Diagnostic) -> Iterator[Candidate]:
    signature = Signature.of(layer.class_name, model.framework)
    arg = _window_arg(signature, diag)
    region = doc.region(layer.span.start_line)
    call = region.call_at(layer.span) if region else None
    if arg is None or region is None or call is None:
        return
    channels_first = model.framework == "torch" or _keyword_literal(call, "data_format") == "channels_first"
    dims = _spatial_dims(layer, channels_first)
    if dims is None:
        return
    written = find_argument(call, signature, arg)
    current = _literal(written.value) if written is not None else signature.default(arg)
    if written is None and isinstance(current, (tuple, list)) and len(set(current)) == 1:
        current = current[0]  # a default the user never wrote: prefer the short form
    dilation_arg = find_argument(call, signature, "dilation_rate") or find_argument(call, signature, "dilation")
    dilation = _literal(dilation_arg.value) if dilation_arg is not None else 1
    if current is _NOT_LITERAL or dilation is _NOT_LITERAL:
        return
    value = fitting_window(arg, current, dims, dilation)
    if value is None:
        return
    new_call = set_argument(call, signature, arg, value)
    if new_call is not None:
        edits = region.edits_for(_replace(region, {call: new_call}))
        yield Candidate("reduce-window", f"Reduce {arg} to {value}", edits)


def _stride_name(signature: Signature) -> str:
    return "stride" if "stride" in (signature.positional or ()) else "strides"


def _reduce_upstream_strides(doc: FixContext, model: Model, layer: Layer) -> Iterator[Candidate]:
    """The nearest earlier layer with a literal stride > 1, its stride lowered one step at a
    time (the first step that verifies wins; at most a few trials)."""
    position = next((i for i, l in enumerate(model.layers) if l.span == layer.span), None)
    if position is None:
        return
    for upstream in reversed(model.layers[:position]):
        signature = Signature.of(upstream.class_name, model.framework)
        name = _stride_name(signature)
        if "stride" not in doc.text_of(upstream.span) and not _reaches_positionally(doc, upstream, signature, name):
            continue
        region = doc.region(upstream.span.start_line)
        call = region.call_at(upstream.span) if region else None
        written = find_argument(call, signature, name) if call is not None else None
        strides = _literal(written.value) if written is not None else None
        flat = _as_tuple(strides, len(strides) if isinstance(strides, (tuple, list)) else 1)
        if region is None or call is None or written is None or flat is None or max(flat) <= 1:
            continue
        for step in range(1, min(max(flat), MAX_STRIDE_TRIALS + 1)):
            lowered = tuple(max(1, s - step) for s in flat)
            value = _format_window(strides, lowered)
            new_call = call.deep_replace(written, written.with_changes(value=cst.parse_expression(value)))
            edits = region.edits_for(_replace(region, {call: new_call}))
            yield Candidate(
                "reduce-strides",
                f"Reduce {name} of {upstream.class_name} (line {upstream.span.start_line + 1}) to {value}",
                edits,
            )
        return


def _reaches_positionally(doc: FixContext, layer: Layer, signature: Signature, name: str) -> bool:
    """Whether the call has enough positional arguments to bind ``name`` (cheap: ``ast`` on
    the call's own text)."""
    names = signature.positional or ()
    if name not in names:
        return False
    try:
        call = ast.parse(doc.text_of(layer.span).strip(), mode="eval").body
    except SyntaxError:
        return False
    return isinstance(call, ast.Call) and len(call.args) > names.index(name)


def _match_input(doc: FixContext, diag: Diagnostic) -> Iterator[Candidate]:
    """``nn.Linear(300, 10)`` fed 400 features: ``nn.Linear(400, 10)`` (likewise in_channels,
    num_features)."""
    arg, expected = diag.fact("arg"), diag.fact("expected")
    layer_span = diag.fact("layer_span")
    found = doc.layer(layer_span if isinstance(layer_span, Span) else diag.span)
    if not isinstance(arg, str) or not isinstance(expected, int) or found is None:
        return
    model, layer = found
    signature = Signature.of(layer.class_name, model.framework)
    region = doc.region(layer.span.start_line)
    call = region.call_at(layer.span) if region else None
    new_call = set_argument(call, signature, arg, str(expected)) if call is not None else None
    if region is not None and call is not None and new_call is not None:
        yield Candidate("match-input", f"Set {arg} to {expected}", region.edits_for(_replace(region, {call: new_call})))


def _lazy_linear(doc: FixContext, diag: Diagnostic) -> Iterator[Candidate]:
    """``nn.Linear(1024, 10)`` → ``nn.LazyLinear(10)``: torch infers in_features at the first call."""
    layer_span = diag.fact("layer_span")
    found = doc.layer(layer_span if isinstance(layer_span, Span) else diag.span)
    if found is None or found[1].class_name != "Linear":
        return
    region = doc.region(found[1].span.start_line)
    call = region.call_at(found[1].span) if region else None
    if region is None or call is None:
        return
    if isinstance(call.func, cst.Attribute) and call.func.attr.value == "Linear":
        new_func: cst.BaseExpression = call.func.with_changes(attr=cst.Name("LazyLinear"))
    elif isinstance(call.func, cst.Name) and call.func.value == "Linear" and _name_bound(doc, "LazyLinear"):
        new_func = cst.Name("LazyLinear")
    else:
        return
    args = list(call.args)
    kept = [a for a in args if not (a.keyword is not None and a.keyword.value == "in_features")]
    if len(kept) == len(args):
        positional = [i for i, a in enumerate(args) if a.keyword is None]
        if not positional:
            return
        kept = args[: positional[0]] + args[positional[0] + 1 :]
    if not kept:
        return
    kept[-1] = kept[-1].with_changes(comma=args[-1].comma)
    new_call = call.with_changes(func=new_func, args=kept)
    title = f"Use {_code(new_func)} (infers in_features)"
    yield Candidate("lazy-linear", title, region.edits_for(_replace(region, {call: new_call})))


def _form_of(region: Region, call: cst.Call) -> Optional[tuple[str, cst.CSTNode]]:
    """How a layer enters its model: an element of a Sequential list, a ``model.add(...)``
    statement, or a functional application ``Layer(...)(x)``; with the node to move."""
    parent = region.parent(call)
    if isinstance(parent, cst.Element) and isinstance(region.parent(parent), cst.List):
        return "list", parent
    if isinstance(parent, cst.Arg):
        outer = region.parent(parent)
        if (
            isinstance(outer, cst.Call)
            and isinstance(outer.func, cst.Attribute)
            and outer.func.attr.value == "add"
        ):
            expr = region.parent(outer)
            line = region.parent(expr) if isinstance(expr, cst.Expr) else None
            if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
                return "add", line
    if isinstance(parent, cst.Call) and parent.func is call and len(parent.args) == 1:
        return "applied", parent
    return None


def _plain_statement(line: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
    return line.with_changes(leading_lines=[], trailing_whitespace=cst.TrailingWhitespace())


def _flatten_spelling(dense_call: cst.Call) -> tuple[str, Optional[str]]:
    """``layers.Dense`` → ``layers.Flatten()``; a bare ``Dense`` → ``Flatten()`` plus the
    name that must be imported alongside it."""
    func = dense_call.func
    if isinstance(func, cst.Attribute):
        return _code(func.value) + ".Flatten()", None
    return "Flatten()", _code(func)


def _element_before(elements: list[cst.Element], at: int, value: cst.BaseExpression) -> cst.Element:
    comma = elements[at - 1].comma if at > 0 else elements[at].comma
    return cst.Element(value=value, comma=_separator_like(comma))  # type: ignore[arg-type]


def _flatten_move(
    region: Region, flatten_call: Optional[cst.Call], dense_call: cst.Call, flatten_code: str
) -> Optional[cst.Module]:
    """Remove ``flatten_call`` (if given) and put ``flatten_code`` right before the Dense."""
    dense_form = _form_of(region, dense_call)
    flatten_form = _form_of(region, flatten_call) if flatten_call is not None else None
    if dense_form is None or (flatten_call is not None and (flatten_form is None or flatten_form[0] != dense_form[0])):
        return None
    kind, dense_node = dense_form
    flatten_value = cst.parse_expression(flatten_code)
    if kind == "list":
        list_node = region.parent(dense_node)
        if flatten_form is not None and region.parent(flatten_form[1]) is not list_node:
            return None
        elements = list(list_node.elements)  # type: ignore[union-attr]
        at = elements.index(dense_node)
        new_element = _element_before(elements, at, flatten_value)
        if flatten_form is not None:
            removed = elements.index(flatten_form[1])
            if removed == len(elements) - 1 and removed > 0:
                elements[removed - 1] = elements[removed - 1].with_changes(comma=elements[removed].comma)
            elements[removed] = None  # type: ignore[call-overload]
        elements.insert(at, new_element)
        new_list = list_node.with_changes(elements=[e for e in elements if e is not None])  # type: ignore[union-attr]
        return _replace(region, {list_node: new_list})
    if kind == "add":
        block = region.parent(dense_node)
        body = list(getattr(block, "body", ()))
        if dense_node not in body:
            return None
        new_line = dense_node.deep_replace(dense_call, flatten_value)  # type: ignore[arg-type]
        new_body: list = []
        for statement in body:
            if statement is dense_node:
                new_body.append(_plain_statement(new_line))  # type: ignore[arg-type]
            if flatten_form is None or statement is not flatten_form[1]:
                new_body.append(statement)
        if flatten_form is not None and len(new_body) != len(body):
            return None  # the Flatten is in another block
        return _replace(region, {block: block.with_changes(body=new_body)})  # type: ignore[union-attr]
    # Functional: Dense(...)(x) becomes Dense(...)(Flatten()(x)).
    application = dense_node
    argument = application.args[0]  # type: ignore[attr-defined]
    wrapped = cst.Call(func=flatten_value, args=[argument.with_changes(comma=cst.MaybeSentinel.DEFAULT)])
    replacements: dict[cst.CSTNode, object] = {
        argument: argument.with_changes(value=wrapped, keyword=None, equal=cst.MaybeSentinel.DEFAULT)
    }
    if flatten_form is not None:
        replacements.update(_drop_application(region, flatten_form[1]))  # type: ignore[arg-type]
    return _replace(region, replacements)


def _drop_application(region: Region, application: cst.Call) -> dict[cst.CSTNode, object]:
    """``x = Flatten()(x)`` goes away whole; anywhere else ``Flatten()(y)`` becomes ``y``."""
    argument = application.args[0].value
    assign = region.parent(application)
    line = region.parent(assign) if assign is not None else None
    if (
        isinstance(assign, cst.Assign)
        and len(assign.targets) == 1
        and isinstance(assign.targets[0].target, cst.Name)
        and isinstance(argument, cst.Name)
        and assign.targets[0].target.value == argument.value
        and isinstance(line, cst.SimpleStatementLine)
        and len(line.body) == 1
    ):
        return {line: cst.RemoveFromParent()}
    return {application: argument}


def _flatten_removal(region: Region, flatten_call: cst.Call) -> Optional[cst.Module]:
    form = _form_of(region, flatten_call)
    if form is None:
        return None
    kind, node = form
    if kind == "list":
        list_node = region.parent(node)
        elements = list(list_node.elements)  # type: ignore[union-attr]
        removed = elements.index(node)
        if removed == len(elements) - 1 and removed > 0:
            elements[removed - 1] = elements[removed - 1].with_changes(comma=node.comma)  # type: ignore[attr-defined]
        del elements[removed]
        return _replace(region, {list_node: list_node.with_changes(elements=elements)})  # type: ignore[union-attr]
    if kind == "add":
        return _replace(region, {node: cst.RemoveFromParent()})
    return _replace(region, _drop_application(region, node))  # type: ignore[arg-type]


def _import_for(doc: FixContext, bare_name: str) -> Optional[tuple[Region, cst.Module]]:
    """Add ``Flatten`` to the ``from ... import`` that brings in ``bare_name`` (if needed)."""
    host: Optional[ast.ImportFrom] = None
    for node in doc.top.imports():
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name == "*" or (alias.asname or alias.name) == "Flatten":
                    return None  # already in scope
                if (alias.asname or alias.name) == bare_name:
                    host = node
    if host is None:
        return None
    region = Region.of_lines(doc.source, doc.index, host.lineno - 1, (host.end_lineno or host.lineno) - 1)
    if region is None:
        return None
    for node in region.positions:
        if isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
            names = list(node.names)
            last = names[-1]
            separator = names[-2].comma if len(names) > 1 else cst.MaybeSentinel.DEFAULT
            if isinstance(last.comma, cst.Comma):
                names[-1] = last.with_changes(comma=_separator_like(separator))  # type: ignore[arg-type]
                names.append(cst.ImportAlias(name=cst.Name("Flatten"), comma=last.comma))
            else:
                names[-1] = last.with_changes(comma=_separator_like(separator))  # type: ignore[arg-type]
                names.append(cst.ImportAlias(name=cst.Name("Flatten")))
            return region, _replace(region, {node: node.with_changes(names=names)})
    return None


def _next_dense(model: Model, after: Layer) -> Optional[Layer]:
    layers = list(model.layers)
    start = next((i for i, l in enumerate(layers) if l.span == after.span), None)
    if start is None:
        return None
    return next((l for l in layers[start + 1 :] if l.class_name in DENSE_CLASSES), None)


def _flatten_producer(doc: FixContext, layer: Layer) -> Optional[Layer]:
    for span in layer.inputs_from:
        found = doc.layer(span)
        if found is not None and found[1].class_name == FLATTEN_CLASS:
            return found[1]
    return None


def _flatten_fixes(doc: FixContext, model: Model, layer: Layer) -> Iterator[Candidate]:
    """Conv after Flatten: move the Flatten down to the first Dense, or drop it."""
    flatten = _flatten_producer(doc, layer)
    if flatten is None:
        return
    dense = _next_dense(model, layer)
    if dense is not None:
        region = doc.region(flatten.span.start_line, dense.span.start_line)
        if region is not None:
            flatten_call = region.call_at(flatten.span)
            dense_call = region.call_at(dense.span)
            if flatten_call is not None and dense_call is not None:
                moved = _flatten_move(region, flatten_call, dense_call, _code(flatten_call))
                if moved is not None:
                    yield Candidate(
                        "move-flatten", f"Move Flatten down to just before {dense.class_name}",
                        region.edits_for(moved),
                    )
    region = doc.region(flatten.span.start_line)
    flatten_call = region.call_at(flatten.span) if region else None
    if region is not None and flatten_call is not None:
        removed = _flatten_removal(region, flatten_call)
        if removed is not None:
            yield Candidate("remove-flatten", "Remove Flatten", region.edits_for(removed))


def _insert_flatten(doc: FixContext, model: Model, layer: Layer) -> Iterator[Candidate]:
    """Dense straight after a conv stack: put a Flatten in front of it."""
    region = doc.region(layer.span.start_line)
    dense_call = region.call_at(layer.span) if region else None
    if region is None or dense_call is None:
        return
    spelling, bare_name = _flatten_spelling(dense_call)
    new_module = _flatten_move(region, None, dense_call, spelling)
    if new_module is None:
        return
    edits = region.edits_for(new_module)
    if bare_name is not None:
        imported = _import_for(doc, bare_name)
        if imported is None and not _name_bound(doc, "Flatten"):
            return
        if imported is not None:
            edits = imported[0].edits_for(imported[1]) + edits
    yield Candidate("insert-flatten", f"Insert Flatten before {layer.class_name}", edits)


def _name_bound(doc: FixContext, name: str) -> bool:
    """Whether a top-level import brings ``name`` (or everything, with ``*``) into scope."""
    return any(
        (a.asname or a.name.split(".")[0]) == name or a.name == "*"
        for node in doc.top.imports()
        for a in node.names
    )


# --- input-mismatch: the dummy input's literal shape ------------------------------------------


def _factory_name(call: cst.Call) -> Optional[str]:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


def _shape_nodes(call: cst.Call) -> Optional[list[cst.CSTNode]]:
    """The nodes holding a dummy input's shape: a literal tuple/list, or int varargs."""
    if _factory_name(call) not in DUMMY_FACTORIES:
        return None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in ("shape", "size"):
            return [arg.value] if isinstance(arg.value, (cst.Tuple, cst.List)) else None
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if positional and isinstance(positional[0].value, (cst.Tuple, cst.List)):
        return [positional[0].value]
    ints = [a.value for a in positional if isinstance(a.value, cst.Integer)]
    if ints and len(ints) == len(positional) and _factory_name(call) in ("rand", "randn", "zeros", "ones", "empty"):
        return ints  # np.random.rand(1, 28, 28) / torch.zeros(1, 3, 8, 8)
    return None


def _shape_code(old_elements: Sequence[str], expected: Sequence[object]) -> list[str]:
    """The expected shape, keeping the user's own text where the model leaves a dimension free."""
    codes = []
    for position, dim in enumerate(expected):
        if dim is None:
            codes.append(old_elements[position] if position < len(old_elements) else "1")
        else:
            codes.append(str(dim))
    return codes


def _dummy_input_candidates(doc: FixContext, diag: Diagnostic) -> Iterator[Candidate]:
    expected = diag.fact("expected_shape")
    if not isinstance(expected, tuple):
        return
    lines = [diag.span.start_line]
    named_span = diag.fact("array_span")
    if isinstance(named_span, Span):
        lines.append(named_span.start_line)
    lines += _assignment_lines(doc, diag)
    for line in lines:
        region = doc.region(line)
        if region is None:
            continue
        for node in list(region.positions):
            if not isinstance(node, cst.Call):
                continue
            shape = _shape_nodes(node)
            if shape is None:
                continue
            if len(shape) == 1 and isinstance(shape[0], (cst.Tuple, cst.List)):
                old = [_code(e.value).strip() for e in shape[0].elements]
                codes = _shape_code(old, expected)
                opening, closing = ("[", "]") if isinstance(shape[0], cst.List) else ("(", ")")
                text = opening + ", ".join(codes) + ("," if len(codes) == 1 and opening == "(" else "") + closing
                new_module = _replace(region, {shape[0]: cst.parse_expression(text)})
            else:
                codes = _shape_code([_code(n).strip() for n in shape], expected)
                keywords = [a for a in node.args if a.keyword is not None]
                new_args = [
                    cst.Arg(
                        value=cst.parse_expression(code),
                        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                        if keywords or i < len(codes) - 1
                        else cst.MaybeSentinel.DEFAULT,
                    )
                    for i, code in enumerate(codes)
                ]
                new_module = _replace(region, {node: node.with_changes(args=new_args + keywords)})
                text = "(" + ", ".join(codes) + ")"
            yield Candidate("input-shape", f"Change the input's shape to {text}", region.edits_for(new_module))
            return


def _assignment_lines(doc: FixContext, diag: Diagnostic) -> list[int]:
    """Where the names passed on the diagnostic's line were last assigned before it."""
    statement = doc.top.innermost(diag.span.start_line)
    if statement is None:
        return []
    names = {n.id for n in ast.walk(statement) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    if not names:
        return []
    assignment = re.compile(rf"\s*({'|'.join(map(re.escape, sorted(names)))})\s*=(?!=)")
    best: dict[str, int] = {}
    for number, line in enumerate(doc.top.lines[: diag.span.start_line]):
        match = assignment.match(line)
        if match:
            best[match.group(1)] = number
    return sorted(best.values(), reverse=True)


# --- verification ----------------------------------------------------------------------------


def _same_diagnostic(
    before: Diagnostic, after: Diagnostic, edits: Sequence[TextEdit], old_index: LineIndex, new_index: LineIndex
) -> bool:
    """Same code, and ``after`` starts where the edits moved ``before``'s start to."""
    if before.code != after.code:
        return False
    mapped = map_offset(old_index.offset(before.span.start_line, before.span.start_col), old_index, edits)
    return new_index.offset(after.span.start_line, after.span.start_col) == mapped


def verify(
    source: str, report: Report, target: Diagnostic, edits: Sequence[TextEdit], analyze: Analyzer
) -> Optional[Report]:
    """The edited source's report if the fix removes ``target`` and adds no error; else None."""
    if not edits:
        return None
    fixed_source = apply_edits(source, edits)
    fixed = analyze(fixed_source)
    if not fixed.parsed:
        return None
    old_index, new_index = LineIndex(source), LineIndex(fixed_source)

    def existed(after: Diagnostic) -> bool:
        return any(
            _same_diagnostic(before, after, edits, old_index, new_index)
            for before in report.diagnostics
            if before is not target
        )

    if any(_same_diagnostic(target, after, edits, old_index, new_index) for after in fixed.diagnostics):
        return None
    if any(after.severity == "error" and not existed(after) for after in fixed.diagnostics):
        return None
    if fixed.error_count > report.error_count:
        return None
    return fixed


def candidates(doc: FixContext, diag: Diagnostic) -> list[Candidate]:
    """Every fix worth verifying for one diagnostic, unverified."""
    found = doc.layer(diag.span)
    generated: list[Candidate] = []
    if diag.code == "input-mismatch":
        generated += _dummy_input_candidates(doc, diag)
    elif diag.code in MATCH_INPUT_CODES:
        generated += _match_input(doc, diag)
        if diag.code == "linear-in-features":
            generated += _lazy_linear(doc, diag)
    elif found is not None:
        model, layer = found
        if diag.code == "negative-dimension":
            generated += _padding_same(doc, model, layer)
            generated += _reduce_window(doc, model, layer, diag)
            generated += _reduce_upstream_strides(doc, model, layer)
        elif diag.code == "rank-mismatch":
            generated += _flatten_fixes(doc, model, layer)
        elif diag.code == "dense-on-rank>2":
            generated += _insert_flatten(doc, model, layer)
    return [c for c in generated if c.edits]


def fixes_for(
    source: str,
    report: Report,
    diag: Diagnostic,
    analyze: Optional[Analyzer] = None,
    context: Optional[FixContext] = None,
) -> tuple[Fix, ...]:
    """The verified fixes for one diagnostic, best first; the best one is preferred.

    ``context`` carries parse trees between the diagnostics of one snapshot."""
    if analyze is None:
        from shapelens.analysis import analyze as engine_analyze

        analyze = engine_analyze
    if context is None or context.source != source or context.report is not report:
        context = FixContext(source, report)
    found = candidates(context, diag)
    if not found:
        return ()
    owner = context.layer(diag.span)
    sliced = context.verification_base(owner[0] if owner else None, diag, analyze)
    whole = VerificationBase(source, report, diag, ())
    verified: list[tuple[tuple[int, int, int], Candidate]] = []
    for order, candidate in enumerate(found):
        if candidate.kind == "reduce-strides" and any(c.kind == "reduce-strides" for _, c in verified):
            continue
        base = sliced if sliced.holds(candidate.edits) else whole
        fixed = verify(base.source, base.report, base.target, candidate.edits, analyze)
        if fixed is None:
            continue
        warnings_before = len(base.report.diagnostics) - base.report.error_count
        new_warnings = len(fixed.diagnostics) - fixed.error_count - warnings_before
        verified.append(((max(new_warnings, 0), KIND_RANK.get(candidate.kind, 9), order), candidate))
    verified.sort(key=lambda item: item[0])
    return tuple(
        Fix(title=candidate.title, edits=candidate.edits, preferred=(rank == 0))
        for rank, (_, candidate) in enumerate(verified)
    )
