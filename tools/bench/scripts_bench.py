"""The engine on whole scripts written the way people write them (``scripts/``): data loading,
models, training loops over epochs and batches or episodes and steps, plotting.

Each script's analysis time over a bare ``ast.parse`` of it, timed as the generated files are
(medians, interleaved, each from a collected heap), and the worst of those ratios.
"""

from __future__ import annotations

from pathlib import Path

from engine_bench import ratio_rows, table

SCRIPTS = Path(__file__).resolve().parent / "scripts"
TARGET_RATIO = 20.0


def script_paths() -> list[Path]:
    return sorted(SCRIPTS.glob("*.py"))


def script_figures(repeat: int) -> list[str]:
    """Printable lines: one row per script, then the worst ratio against the target."""
    paths = script_paths()
    rows = ratio_rows(paths, repeat)
    width = max(len(path.name) for path in paths) + 2
    worst = max(rows, key=lambda row: row[5])
    verdict = "met" if worst[5] <= TARGET_RATIO else "NOT met"
    return [
        "",
        f"Realistic scripts (tools/bench/scripts): medians of {repeat} interleaved runs "
        f"(target: analysis / ast.parse <= {TARGET_RATIO:g}x on every file)",
        *table(rows, width),
        f"worst per-file ratio: {worst[5]:.1f}x ({worst[0]}): target {verdict}",
    ]
