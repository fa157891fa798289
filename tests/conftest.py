"""Shared test setup. Keras reads KERAS_BACKEND once, at its first import: set it before any test
module (or the oracle harness) can import keras. The oracle harness lives in tests/oracle."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ["KERAS_BACKEND"] = "torch"
# An internal error of the engine fails the test instead of being skipped over (set before the
# engine is imported; language-server subprocesses inherit it).
os.environ["SHAPELENS_STRICT"] = "1"

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))
