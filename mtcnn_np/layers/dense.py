"""Fully connected ("InnerProduct" in Caffe) layer and the flatten that precedes it."""

from __future__ import annotations

import numpy as np

from .conv import BLOCK


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
    n = x.shape[0]
    # The batch in whole blocks of BLOCK rows, zero-padded, so that a row's result does not
    # depend on how many rows share the product (see conv.product).
    rows = np.zeros((-(-n // BLOCK) * BLOCK, x.shape[1]), dtype=x.dtype)
    rows[:n] = x
    return (rows @ w.T)[:n] + b


def flatten_backward(dy: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient of :func:`flatten`: (N, C·H·W) → back to x's shape (N, C, H, W)."""
    return dy.reshape(x.shape)


def dense_backward(dy: np.ndarray, x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple:
    """Gradients of :func:`dense` (``y = x · wᵀ + b``): ``dx = dy · w``, ``dw = dyᵀ · x``,
    ``db = Σ_n dy``.

    dy : (N, F); x : (N, D); w : (F, D); b : (F,) → dx (N, D), dw (F, D), db (F,).
    """
    return dy @ w, dy.T @ x, dy.sum(axis=0)
