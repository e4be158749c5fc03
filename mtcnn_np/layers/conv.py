"""2-D convolution (Caffe's, i.e. cross-correlation) with no padding, via im2col."""

from __future__ import annotations

import numpy as np

from .im2col import im2col


def conv_output_size(size: int, kernel: int, stride: int = 1) -> int:
    """Output length of a 'valid' convolution: ``(size − kernel) // stride + 1``."""
    return (size - kernel) // stride + 1


def conv2d(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1) -> np.ndarray:
    """y[n, f] = b[f] + Σ_c Σ_ij w[f, c, i, j] · x[n, c, y·s + i, x·s + j].

    Parameters
    ----------
    x : (N, C, H, W) float32
    w : (F, C, kh, kw) float32 — F filters.
    b : (F,) float32
    stride : s, the same along both axes.

    Returns
    -------
    y : (N, F, Ho, Wo) float32, ``Ho = (H − kh) // s + 1``, ``Wo = (W − kw) // s + 1``.
    """
    n, c, h, width = x.shape
    f, c_w, kh, kw = w.shape
    if c != c_w:
        raise ValueError(f"conv2d: input has {c} channels but the kernel expects {c_w}")
    if h < kh or width < kw:
        raise ValueError(f"conv2d: input {h}×{width} is smaller than the {kh}×{kw} kernel")
    ho, wo = conv_output_size(h, kh, stride), conv_output_size(width, kw, stride)
    cols = im2col(x, kh, kw, stride)                      # (C·kh·kw, N·Ho·Wo)
    y = w.reshape(f, c * kh * kw) @ cols                  # (F, N·Ho·Wo): one matrix product
    y += b[:, None]
    y = y.reshape(f, n, ho, wo).transpose(1, 0, 2, 3)     # (N, F, Ho, Wo)
    return np.ascontiguousarray(y)
