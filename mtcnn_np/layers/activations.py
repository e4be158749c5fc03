"""PReLU and softmax."""

from __future__ import annotations

import numpy as np


def prelu(x: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Parametric ReLU with one slope per channel (He et al. 2015; MTCNN §II-B uses it throughout).

    y = x where x > 0, else alpha[c] · x.

    Parameters
    ----------
    x : (N, C, H, W) or (N, C) float32 — the channel axis is axis 1 in both cases.
    alpha : (C,) float32, the learned negative slopes.

    Returns
    -------
    y : same shape as x.
    """
    slope = alpha.reshape((1, -1) + (1,) * (x.ndim - 2))  # broadcast over N (and H, W)
    return np.where(x > 0, x, x * slope)


def softmax(x: np.ndarray, axis: int = 1) -> np.ndarray:
    """Softmax along ``axis`` (the channel axis by default): exp(x) / Σ exp(x).

    Parameters
    ----------
    x : (N, C, H, W) or (N, C) float32 — class scores on axis 1.

    Returns
    -------
    p : same shape; non-negative, sums to 1 along ``axis``. MTCNN's face probability is
        channel 1 (channel 0 is "not a face").
    """
    # Subtracting the max changes nothing mathematically but keeps exp() from overflowing.
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
