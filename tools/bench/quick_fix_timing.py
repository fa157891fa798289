"""Time ``fixes_for`` over every diagnostic of the broken Keras and torch fixtures.

Each snapshot gets one ``FixContext`` shared by its diagnostics, as the language server does;
the time of one request is one ``fixes_for`` call (the first of a snapshot also pays for the
context's parse trees). Every file is timed ``--rounds`` times with a fresh context, and the
medians are printed, because the machines here are shared and noisy. The last line times the
same on the 5,000-line script of ``shapelens bench`` with a Flatten put before a conv.

    PYTHONPATH=server:tools/bench python tools/bench/quick_fix_timing.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from shapelens.analysis import analyze
from engine_bench import model_file
from shapelens.fixes import FixContext, fixes_for

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = (ROOT / "tests" / "fixtures" / "keras" / "broken", ROOT / "tests" / "fixtures" / "torch" / "broken")


def request_times(source: str, rounds: int) -> list[float]:
    """Per diagnostic, the median over ``rounds`` of one ``fixes_for`` call, in milliseconds."""
    report = analyze(source)
    per_diagnostic: list[list[float]] = [[] for _ in report.diagnostics]
    for _ in range(rounds):
        context = FixContext(source, report)
        for position, diagnostic in enumerate(report.diagnostics):
            start = time.perf_counter()
            fixes_for(source, report, diagnostic, context=context)
            per_diagnostic[position].append((time.perf_counter() - start) * 1000)
    return [statistics.median(times) for times in per_diagnostic]


def long_file() -> str:
    """The benchmark's 5,000-line script, its first model broken: a conv after a Flatten."""
    text = model_file(5000)
    pooled = "layers.GlobalAveragePooling2D()(x)\n    outputs"
    return text.replace(pooled, "layers.Flatten()(x)\n    x = layers.Conv2D(3, 3)(x)\n    outputs", 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    files = sorted(path for folder in FOLDERS for path in folder.glob("*.py"))
    fixes_for(files[0].read_text(), analyze(files[0].read_text()), analyze(files[0].read_text()).diagnostics[0])
    times: list[float] = []
    for path in files:
        times += request_times(path.read_text(encoding="utf-8"), rounds)
    ordered = sorted(times)
    print(f"{len(files)} files, {len(times)} diagnostics, {rounds} rounds each")
    print(
        f"per request (ms): median {statistics.median(ordered):.1f}  "
        f"p90 {ordered[int(0.9 * (len(ordered) - 1))]:.1f}  max {ordered[-1]:.1f}  total {sum(ordered):.0f}"
    )
    long_times = request_times(long_file(), rounds)
    print(f"5,000-line script, {len(long_times)} diagnostic(s): median {statistics.median(long_times):.0f} ms per request")


if __name__ == "__main__":
    main()
