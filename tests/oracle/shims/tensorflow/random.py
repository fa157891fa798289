"""``tf.random``: NumPy-backed samplers with TensorFlow's signatures and float32 default."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

_generator = np.random.default_rng(0)


def set_seed(seed: int) -> None:
    global _generator
    _generator = np.random.default_rng(seed)


def normal(
    shape: Sequence[int],
    mean: float = 0.0,
    stddev: float = 1.0,
    dtype: type = np.float32,
    seed: Optional[int] = None,
    name: Optional[str] = None,
) -> np.ndarray:
    generator = np.random.default_rng(seed) if seed is not None else _generator
    return generator.normal(mean, stddev, size=tuple(shape)).astype(dtype)


def uniform(
    shape: Sequence[int],
    minval: float = 0.0,
    maxval: float = 1.0,
    dtype: type = np.float32,
    seed: Optional[int] = None,
    name: Optional[str] = None,
) -> np.ndarray:
    generator = np.random.default_rng(seed) if seed is not None else _generator
    if np.issubdtype(dtype, np.integer):
        return generator.integers(int(minval), int(maxval), size=tuple(shape)).astype(dtype)
    return generator.uniform(minval, maxval, size=tuple(shape)).astype(dtype)
