"""The engine as the oracle tests see it: only through its public JSON contract.

``report_json(path, analyze(source))`` is what ``shapelens check --format json`` prints; both
oracle harnesses (Keras and torch) read it with these helpers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class EngineDiagnostic:
    line: int  # 1-based
    severity: str
    code: str
    message: str

    def describe(self) -> str:
        return f"line {self.line} {self.severity} {self.code}: {self.message}"


def dim_at(dim: object, values: dict) -> object:
    """A dimension of the JSON contract at concrete sizes: a symbolic one (``"H-2"``, a Python
    expression over the symbols) evaluated with ``values``; integers and ``None`` as they are."""
    if isinstance(dim, str):
        return eval(compile(dim, "<dimension>", "eval"), {"__builtins__": {}}, dict(values))  # noqa: S307
    return dim


def symbols_of(dim: object) -> set[str]:
    if not isinstance(dim, str):
        return set()
    import ast

    return {node.id for node in ast.walk(ast.parse(dim, mode="eval")) if isinstance(node, ast.Name)}


def shape_from_json(shape: Optional[list]) -> Optional[tuple]:
    if shape is None:
        return None
    if shape and isinstance(shape[0], list):
        return tuple(tuple(part) for part in shape)  # several outputs
    return tuple(shape)


def diagnostics_from_json(document: dict) -> tuple[EngineDiagnostic, ...]:
    return tuple(
        EngineDiagnostic(line=d["range"]["start"]["line"] + 1, severity=d["severity"], code=d["code"], message=d["message"])
        for d in document["diagnostics"]
    )


def engine_json(path: str, source: str) -> dict:
    from shapelens.analysis import analyze
    from shapelens.analysis.report import report_json

    return report_json(path, analyze(source))
