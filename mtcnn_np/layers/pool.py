"""Max-pooling with Caffe's round-up ("ceil mode") output size."""

from __future__ import annotations

import numpy as np


def pool_output_size(size: int, kernel: int, stride: int) -> int:
    """Caffe rounds the number of windows **up**: ``ceil((size − kernel) / stride) + 1``.

    The last window may hang over the edge; it then takes the max of the pixels it does cover.
    Only this rule gives R-Net its 3·3·64 = 576 dense inputs (22 → 11 → 9 → 4 → 3).
    """
    return -(-(size - kernel) // stride) + 1  # integer ceil


def max_pool2d(x: np.ndarray, kernel: int, stride: int) -> np.ndarray:
    """Max over each kernel×kernel window, windows ``stride`` apart.

    Parameters
    ----------
    x : (N, C, H, W) float32, with H, W ≥ kernel.

    Returns
    -------
    y : (N, C, Ho, Wo), ``Ho = ceil((H − kernel) / stride) + 1`` (likewise Wo).
    """
    n, c, h, w = x.shape
    if h < kernel or w < kernel:
        raise ValueError(f"max_pool2d: input {h}×{w} is smaller than the {kernel}×{kernel} window")
    ho, wo = pool_output_size(h, kernel, stride), pool_output_size(w, kernel, stride)
    y = np.full((n, c, ho, wo), -np.inf, dtype=x.dtype)
    # One strided np.maximum per window position (i, j): every window's (i, j)-th pixel at once.
    # Windows that hang over the bottom/right edge simply have fewer taps: the slices below
    # stop at the edge, and every window has at least its first pixel inside.
    for i in range(kernel):
        rows = min(ho, len(range(i, h, stride)))
        row_taps = slice(i, i + stride * (rows - 1) + 1, stride)
        for j in range(kernel):
            cols = min(wo, len(range(j, w, stride)))
            col_taps = slice(j, j + stride * (cols - 1) + 1, stride)
            covered = y[:, :, :rows, :cols]
            np.maximum(covered, x[:, :, row_taps, col_taps], out=covered)
    return y
