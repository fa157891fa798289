"""``make bench``: the engine on generated and realistic scripts, then the language server.

Not part of the shipped package: it imports ``shapelens`` (from the environment, or from
``PYTHONPATH=server``) and starts ``python -m shapelens serve`` for the server figures.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from engine_bench import generated_files, ratio_rows, table
from scripts_bench import script_figures


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Shape Lens benchmarks (analysis vs ast.parse, server latency).")
    parser.add_argument("--repeat", type=int, default=21, help="interleaved runs per file (medians are printed)")
    parser.add_argument("--no-scripts", action="store_true", help="skip the realistic scripts")
    parser.add_argument("--no-server", action="store_true", help="engine figures only")
    args = parser.parse_args(argv)

    paths = generated_files(Path(tempfile.mkdtemp(prefix="shapelens-bench-")))
    print(f"Shape Lens benchmark: medians of {args.repeat} interleaved runs (target: analysis / ast.parse <= 3)")
    for line in table(ratio_rows(paths, args.repeat), 20):
        print(line, flush=True)
    if not args.no_scripts:
        for line in script_figures(args.repeat):
            print(line, flush=True)
    if not args.no_server:
        from server_bench import server_figures

        for line in server_figures(paths):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
