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
