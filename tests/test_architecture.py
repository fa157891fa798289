"""The package's structure, read from its source with ``ast``: no import cycle, framework knowledge
only in the framework packages, and modules and classes of a readable size."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "server" / "shapelens"
# The framework packages, and the one root that composes them.
FRAMEWORK_PACKAGES = ("shapelens.analysis.keras", "shapelens.analysis.torch")
COMPOSITION_ROOT = "shapelens.analysis"
MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 300
# Known offenders, listed exactly so that no new one slips in: the benchmark drives the server's
# own benchmark (and back), and names layer classes in the sources it times; the language server's
# hover and inlay code names the input classes it shows as inputs.
KNOWN_CYCLES = [["shapelens.bench", "shapelens.lsp.bench", "shapelens.bench"]]
KNOWN_CLASS_NAMES = {
    "shapelens.bench": ["BatchNorm2d", "BatchNormalization", "Conv2D", "Conv2d", "Dense", "GlobalAveragePooling2D",
                        "Input", "Linear", "MaxPool2d", "Model", "Module", "ReLU"],
    "shapelens.lsp.bench": ["Flatten", "Input", "MaxPooling2D", "Sequential"],
    "shapelens.lsp.features": ["Input", "InputLayer"],
    "shapelens.render": ["Input", "InputLayer", "Model"],
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def typing_only(tree: ast.Module) -> set[int]:
    """The import statements under ``if TYPE_CHECKING:``: never executed, so no part of the graph."""
    return {id(sub) for node in ast.walk(tree)
            if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
            for stmt in node.body for sub in ast.walk(stmt)}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules this module imports when it runs (at any depth of the code, so a
    deferred import inside a function counts too), ``from . import x`` resolved."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = typing_only(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                # `from package import module` imports the module; `from module import name` the module
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    resolved = set()
    for target in found:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            resolved.add(target)
    return resolved


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports(name, path, known) for name, path in found.items()}


def in_framework(name: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in FRAMEWORK_PACKAGES)


def test_the_package_has_no_import_cycle() -> None:
    edges = graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in sorted(edges.get(name, ())):
            # importing a package runs its __init__: an edge into a submodule passes through its parents
            if state.get(target) == 1:
                cycles.append(trail[trail.index(target):] + [target] if target in trail else trail + [target])
            elif target not in state:
                visit(target, trail + [target])
        state[name] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name, [name])
    assert [cycle for cycle in cycles if cycle not in KNOWN_CYCLES] == []


def test_only_the_composition_root_imports_the_frameworks() -> None:
    offenders = {
        name: sorted(t for t in targets if in_framework(t))
        for name, targets in graph().items()
        if not in_framework(name) and name != COMPOSITION_ROOT
    }
    assert {name: found for name, found in offenders.items() if found} == {}


def framework_class_names() -> set[str]:
    from shapelens.analysis.keras.rules import RULES
    from shapelens.analysis.torch.rules import TORCH_RULES

    names = set(RULES) | set(TORCH_RULES) | {"Sequential", "ModuleList", "ModuleDict", "Functional", "InputLayer"}
    # "Input", "Model" and "Module" are also the words a hover or a table uses for what they are
    return {n for n in names if len(n) > 3}


def test_no_module_outside_the_frameworks_names_their_classes() -> None:
    """Neutral code (the interpreter, the report, the renderers, the server) names no Keras or
    torch class: what it needs of one comes from the plugin."""
    names = framework_class_names()
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b")
    offenders = {}
    for name, path in modules().items():
        if in_framework(name):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(owner.body[0].value) for owner in ast.walk(tree)
                      if isinstance(owner, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and owner.body and isinstance(owner.body[0], ast.Expr)}
        strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                   and id(n) not in docstrings]
        found = sorted({m for s in strings for m in pattern.findall(s)} - set(KNOWN_CLASS_NAMES.get(name, ())))
        if found:
            offenders[name] = found
    assert offenders == {}


def generated_table(text: str) -> bool:
    """A module of measured numbers written by a generator (read by code, not by people): its
    docstring says so and it holds no functions or classes."""
    tree = ast.parse(text)
    docstring = ast.get_docstring(tree) or ""
    return "Generated by" in docstring and not any(
        isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for node in ast.walk(tree))


def test_modules_and_classes_stay_readable() -> None:
    long_modules = {}
    long_classes = {}
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > MAX_MODULE_LINES and not generated_table(text):
            long_modules[name] = lines
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                size = node.end_lineno - node.lineno + 1
                if size > MAX_CLASS_LINES:
                    long_classes[f"{name}.{node.name}"] = size
    assert long_modules == {}
    assert long_classes == {}
