"""Write the backbone data files the engine reads, from the real libraries.

    python tools/backbones/generate.py [keras] [torch]

writes ``server/shapelens/analysis/keras/applications_data.py`` (Keras 3, torch backend) and
``server/shapelens/analysis/torch/torchvision_data.py`` (torchvision). Everything in them is a
number or a message measured here; the spatial rules they go with are code in the engine and
are checked against the libraries by the oracle tests. Library calls are cached under
``.cache/backbones`` (keyed by library version), so re-running reproduces the files byte for
byte without rebuilding anything.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("KERAS_BACKEND", "torch")


def main(argv: list[str]) -> int:
    targets = argv or ["keras", "torch"]
    for target in targets:
        if target == "keras":
            import keras_data

            path = REPO_ROOT / "server/shapelens/analysis/keras/applications_data.py"
            path.write_text(keras_data.render())
        elif target == "torch":
            import torchvision_data

            path = REPO_ROOT / "server/shapelens/analysis/torch/torchvision_data.py"
            path.write_text(torchvision_data.render())
        else:
            print(f"unknown target {target!r}: expected keras or torch", file=sys.stderr)
            return 2
        print(f"wrote {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
