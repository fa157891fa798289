"""What a fix provider is: one family of fixes, the codes and frameworks it handles, and how it
makes its candidates. Its own module, so that the providers and the registry that lists them do
not import each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Optional

from shapelens.analysis.report import Diagnostic
from shapelens.fixes.context import Candidate, FixContext

FRAMEWORKS = frozenset({"keras", "torch"})


@dataclass(frozen=True)
class Provider:
    """One family of fixes: the diagnostic codes and frameworks it handles, and how it makes
    its candidates (unverified: the registry verifies them)."""

    name: str
    codes: frozenset[str]
    frameworks: frozenset[str]
    candidates: Callable[[FixContext, Diagnostic], Iterable[Candidate]]

    def handles(self, code: str, framework: Optional[str]) -> bool:
        """Whether it fixes ``code`` in ``framework`` (any of its frameworks when unknown)."""
        return code in self.codes and (framework is None or framework in self.frameworks)
