"""Key to ``01_layers.ipynb``: softmax, the pool round-up, convolution by im2col."""

from __future__ import annotations

import numpy as np

from mtcnn_np import layers as L


def my_softmax(z):
    """z : (N, C) scores → (N, C) probabilities, each row summing to 1.

    Subtracting each row's maximum leaves the result unchanged (the factor ``exp(−max)`` cancels)
    and keeps ``exp`` from overflowing for scores like 1000.
    """
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def my_pool_size(size, kernel, stride):
    """Number of windows along one axis, Caffe's round-up rule: ``ceil((size − k) / s) + 1``.

    ``-(-a // b)`` is the integer ceiling of ``a / b``.
    """
    return -(-(size - kernel) // stride) + 1


def my_conv2d(x, w, b):
    """(N, C, H, W), (F, C, k, k), (F,) → (N, F, H − k + 1, W − k + 1).

    One matrix product ``(F, C·k·k) @ (C·k·k, Ho·Wo·N)``; the columns run over (y, x, n), so the
    result is reshaped to (F, Ho, Wo, N) and its last axis moved to the front.
    """
    n, _, h, width = x.shape
    f, _, k, _ = w.shape
    cols = L.im2col(x, k, k)
    y = w.reshape(f, -1) @ cols + b[:, None]
    return y.reshape(f, h - k + 1, width - k + 1, n).transpose(3, 0, 1, 2)


def _softmax_without_max(z):
    """Mistake: no max subtracted — exp(1000) is inf, inf / inf is nan."""
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


def _pool_size_rounding_down(size, kernel, stride):
    """Mistake: the usual floor rule of PyTorch and TensorFlow, not Caffe's ceiling."""
    return (size - kernel) // stride + 1


def _conv2d_wrong_axis_order(x, w, b):
    """Mistake: reshaping the product straight to (N, F, Ho, Wo), ignoring that its columns
    run over (y, x, n) and its rows over filters."""
    n, _, h, width = x.shape
    f, _, k, _ = w.shape
    y = w.reshape(f, -1) @ L.im2col(x, k, k) + b[:, None]
    return y.reshape(n, f, h - k + 1, width - k + 1)


WRONG = {
    "my_softmax": _softmax_without_max,
    "my_pool_size": _pool_size_rounding_down,
    "my_conv2d": _conv2d_wrong_axis_order,
}
