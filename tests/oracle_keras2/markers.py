"""What a Keras 2 / Keras 3 fixture expects of each version, from its comments::

    layers.AveragePooling1D(),  # keras3-error: invalid-argument
    probabilities = model.predict(images)  # keras2-error: input-mismatch; keras3-warning: input-mismatch
    layers.MaxPooling2D((2, 2)),  # expect-error: negative-dimension

``expect-`` holds for both versions. A line with no marker must draw no error from either.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

MARKER = re.compile(r"\b(keras2|keras3|expect)-(error|warning):\s*([\w>-]+)")
MAJORS = {"keras2": (2,), "keras3": (3,), "expect": (2, 3)}


@dataclass(frozen=True)
class Marker:
    line: int
    major: int
    severity: str
    code: str


def markers(source: str) -> tuple[Marker, ...]:
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        for prefix, severity, code in MARKER.findall(token.string):
            found.extend(Marker(token.start[0], major, severity, code) for major in MAJORS[prefix])
    return tuple(found)


@dataclass(frozen=True)
class VersionFixture:
    path: Path
    source: str

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def markers(self) -> tuple[Marker, ...]:
        return markers(self.source)

    def expected(self, major: int, severity: str) -> tuple[Marker, ...]:
        return tuple(m for m in self.markers if m.major == major and m.severity == severity)

    @property
    def tf_keras_only(self) -> bool:
        """``tf_keras`` is Keras 2 whatever is installed: such a fixture has no Keras 3 run."""
        return bool(re.search(r"^\s*(import tf_keras|from tf_keras)", self.source, re.MULTILINE))
