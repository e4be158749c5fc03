"""Fully connected ("InnerProduct" in Caffe) layer and the flatten that precedes it."""

from __future__ import annotations

import numpy as np


def flatten(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) → (N, C·H·W), in C order: the feature index runs over (c, y, x).

    The published weights expect (x, y, c) order (they were trained on transposed images);
    ``tools/convert_weights.py`` permutes the rows of the first dense layer once so that this
    plain reshape is all that is needed at run time.
    """
    return x.reshape(x.shape[0], -1)


def dense(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """y = x · wᵀ + b.

    Parameters
    ----------
    x : (N, D) float32
    w : (F, D) float32 — one row per output unit (the PyTorch/Caffe convention).
    b : (F,) float32

    Returns
    -------
    y : (N, F) float32
    """
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"dense: input has {x.shape[1]} features, the layer expects {w.shape[1]}")
    return x @ w.T + b
