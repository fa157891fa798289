"""Per-document state: the analysis of one snapshot, and what the server keeps of it.

An ``Analysis`` is immutable: the report of exactly one (uri, version). Hovers and inlay hints
read the newest analysis whose source parsed; code actions read only the one for the version
the editor shows.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field
from typing import Optional

from shapelens.analysis.report import Fix, Report


@dataclass(frozen=True)
class Analysis:
    uri: str
    version: Optional[int]
    source: str
    report: Report
    # Lines as Python splits them (the engine's spans count these), without their endings.
    lines: tuple[str, ...]

    @classmethod
    def of(cls, uri: str, version: Optional[int], source: str, report: Report) -> "Analysis":
        lines = tuple(line.rstrip("\r\n") for line in io.StringIO(source, newline="").readlines())
        return cls(uri, version, source, report, lines or ("",))


@dataclass
class DocumentState:
    uri: str
    latest: Optional[Analysis] = None  # the newest version analysed (parsed or not)
    last_good: Optional[Analysis] = None  # the newest analysis whose source parsed
    pending: Optional[asyncio.Task] = None  # the debounced analysis waiting to run
    # Verified fixes of ``latest``, by the diagnostic's index in its report.
    fixes: dict[int, tuple[Fix, ...]] = field(default_factory=dict)

    def store(self, analysis: Analysis) -> None:
        self.latest = analysis
        self.fixes.clear()
        if analysis.report.parsed:
            self.last_good = analysis

    def current(self, version: Optional[int]) -> Optional[Analysis]:
        """The analysis of exactly this version, if there is one."""
        if self.latest is not None and self.latest.version == version:
            return self.latest
        return None

    def cancel_pending(self) -> None:
        if self.pending is not None and not self.pending.done():
            self.pending.cancel()
        self.pending = None


class DocumentStore:
    """The open Python documents."""

    def __init__(self) -> None:
        self._states: dict[str, DocumentState] = {}

    def open(self, uri: str) -> DocumentState:
        return self._states.setdefault(uri, DocumentState(uri))

    def get(self, uri: str) -> Optional[DocumentState]:
        return self._states.get(uri)

    def close(self, uri: str) -> None:
        state = self._states.pop(uri, None)
        if state is not None:
            state.cancel_pending()

    def __iter__(self):
        return iter(list(self._states.values()))

    def __len__(self) -> int:
        return len(self._states)
