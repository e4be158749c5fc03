"""im2col: unfold every k×k window of an NCHW batch into one column of a matrix.

After unfolding, a convolution is a single matrix product (``W.reshape(F, -1) @ cols``), which is
how Caffe ran MTCNN and how BLAS makes it fast.
"""

from __future__ import annotations

import numpy as np


def im2col(x: np.ndarray, kh: int, kw: int, stride: int = 1) -> np.ndarray:
    """Unfold the kh×kw windows of ``x`` into columns.

    Parameters
    ----------
    x : (N, C, H, W) float32
    kh, kw : kernel height and width.
    stride : step between windows, the same along both axes.

    Returns
    -------
    cols : (C·kh·kw, Ho·Wo·N) float32
        Row index runs over (c, i, j) — the order of ``w.reshape(F, C·kh·kw)`` for a kernel
        ``w : (F, C, kh, kw)``; column index runs over (y, x, n): the N images' windows at one
        position are adjacent, so that the product's output is batch-innermost in memory
        (see ``layers/__init__.py``).
        ``Ho = (H − kh) // stride + 1`` and ``Wo = (W − kw) // stride + 1`` (no padding).
    """
    n, c, h, w = x.shape
    ho = (h - kh) // stride + 1
    wo = (w - kw) // stride + 1
    if kh == kw == stride == 1:                 # 1×1 (P-Net's heads): the input itself
        return x.transpose(1, 2, 3, 0).reshape(c, h * w * n)   # a view when batch-innermost
    cols = np.empty((c, kh, kw, ho, wo, n), dtype=x.dtype)
    # One strided copy per kernel tap (kh·kw of them), never a loop over pixels: tap (i, j) of
    # every window is the input shifted by (i, j) and sampled every `stride` pixels.
    for i in range(kh):
        for j in range(kw):
            rows = slice(i, i + stride * (ho - 1) + 1, stride)
            columns = slice(j, j + stride * (wo - 1) + 1, stride)
            # (N, C, Ho, Wo) -> (C, Ho, Wo, N)
            cols[:, i, j] = x[:, :, rows, columns].transpose(1, 2, 3, 0)
    return cols.reshape(c * kh * kw, n * ho * wo)


def col2im(cols: np.ndarray, x_shape: tuple, kh: int, kw: int, stride: int = 1) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every column back onto the window it came from.

    Used by the convolution's backward pass (``dx = col2im(Wᵀ · dy)``). Where windows overlap
    (stride < kernel) a pixel receives the sum of its contributions, because it fed every one of
    those windows in the forward pass.

    Parameters
    ----------
    cols : (C·kh·kw, Ho·Wo·N), rows over (c, i, j) and columns over (y, x, n), as im2col makes.
    x_shape : (N, C, H, W), the shape of the array im2col unfolded.
    kh, kw, stride : as given to im2col.

    Returns
    -------
    x : (N, C, H, W), same dtype as ``cols``; pixels no window covers are 0.
    """
    n, c, h, w = x_shape
    ho = (h - kh) // stride + 1
    wo = (w - kw) // stride + 1
    taps = cols.reshape(c, kh, kw, ho, wo, n)
    x = np.zeros((n, c, h, w), dtype=cols.dtype)
    # The mirror of im2col's loop: one strided add per kernel tap, never a loop over pixels.
    for i in range(kh):
        for j in range(kw):
            rows = slice(i, i + stride * (ho - 1) + 1, stride)
            columns = slice(j, j + stride * (wo - 1) + 1, stride)
            # (C, Ho, Wo, N) -> (N, C, Ho, Wo)
            x[:, :, rows, columns] += taps[:, i, j].transpose(3, 0, 1, 2)
    return x
