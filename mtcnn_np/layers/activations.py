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
    y : same shape as x (a new array, in x's memory order).
    """
    slope = alpha.reshape((1, -1) + (1,) * (x.ndim - 2))  # broadcast over N (and H, W)
    y = x * slope
    # Where alpha ≤ 1, x > 0 gives alpha·x ≤ x and x < 0 gives alpha·x ≥ x: the larger of the two
    # is the answer — two branch-free passes. np.where(x > 0, x, alpha·x) gives the same values
    # but was 5–20× slower on real activations (unpredictable branches).
    np.maximum(x, y, out=y)
    for c in np.flatnonzero(alpha > 1):    # a few channels: there the smaller one is the answer
        np.minimum(x[:, c], x[:, c] * alpha[c], out=y[:, c])
    return y


def softmax(x: np.ndarray, axis: int = 1) -> np.ndarray:
    r"""Softmax along ``axis`` (the channel axis by default): exp(x) / Σ exp(x).

    .. math::

        p_c = \frac{e^{z_c}}{\sum_{k} e^{z_k}} = \frac{e^{z_c - m}}{\sum_{k} e^{z_k - m}},
        \qquad m = \max_k z_k

    The two forms are equal; the second never overflows. For MTCNN's two classes,
    :math:`p_1 = \sigma(z_1 - z_0)`, the face probability :math:`p_i` of eq. (1).

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


def prelu_backward(dy: np.ndarray, x: np.ndarray, alpha: np.ndarray) -> tuple:
    """Gradients of :func:`prelu` (for training; the detector never calls this).

    Recomputed from the forward's inputs: ``dx = dy`` where x > 0, else ``alpha[c] · dy``;
    ``dalpha[c] = Σ dy · x`` over the entries of channel c where x ≤ 0.

    dy, x : (N, C, H, W) or (N, C); alpha : (C,) → dx (x's shape), dalpha (C,).
    """
    slope = alpha.reshape((1, -1) + (1,) * (x.ndim - 2))
    positive = x > 0
    dx = np.where(positive, dy, dy * slope)
    axes = (0,) + tuple(range(2, x.ndim))                    # every axis but the channel axis
    dalpha = np.where(positive, 0, dy * x).sum(axis=axes)
    return dx, dalpha


def softmax_backward(dy: np.ndarray, x: np.ndarray, axis: int = 1) -> np.ndarray:
    """Gradient of :func:`softmax` (for training): ``dx = p ⊙ (dy − Σ_axis dy ⊙ p)``, with
    ``p = softmax(x)``.

    dy, x : same shape → dx : same shape.
    """
    p = softmax(x, axis=axis)
    return p * (dy - (dy * p).sum(axis=axis, keepdims=True))
