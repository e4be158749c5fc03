"""2-D convolution (Caffe's, i.e. cross-correlation) with no padding, via im2col."""

from __future__ import annotations

import numpy as np

from .im2col import im2col


def conv_output_size(size: int, kernel: int, stride: int = 1) -> int:
    """Output length of a 'valid' convolution: ``(size − kernel) // stride + 1``."""
    return (size - kernel) // stride + 1


BLOCK = 64  # product(): columns handed to BLAS in whole blocks of this many


def product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for a (F, K) and b (K, N), with b's columns given to BLAS in blocks of 64.

    Why: BLAS computes the last (N mod its kernel width) columns of a product with narrower
    kernels that round differently, so a column's bits would depend on where it falls in the
    matrix. In whole blocks (the tail zero-padded) every column goes through the same kernel:
    a pixel's result then does not depend on how many pixels are convolved with it — P-Net in
    bands gives exactly the bits of one pass, and a crop the same bits in any batch.
    """
    n = b.shape[1]
    whole = n - n % BLOCK
    y = np.empty((a.shape[0], n), dtype=np.result_type(a, b))
    if whole:
        np.matmul(a, b[:, :whole], out=y[:, :whole])
    if whole < n:
        tail = np.zeros((b.shape[0], BLOCK), dtype=b.dtype)
        tail[:, :n - whole] = b[:, whole:]
        y[:, whole:] = (a @ tail)[:, :n - whole]
    return y


def conv2d_reference(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: int = 1
                     ) -> np.ndarray:
    """The direct sum, one kernel offset (i, j) at a time: read this first; :func:`conv2d`
    (im2col + one matrix product) computes the same, up to float32 summation order.

    For each offset, the input shifted by (i, j) and strided, ``x[:, :, i::s, j::s]`` (N, C,
    Ho, Wo), is weighted by ``w[:, :, i, j]`` (F, C) and summed over C. Shapes as in
    :func:`conv2d`; returns (N, F, Ho, Wo) float32.
    """
    f, _, kh, kw = w.shape
    ho = conv_output_size(x.shape[2], kh, stride)
    wo = conv_output_size(x.shape[3], kw, stride)
    y = np.zeros((x.shape[0], f, ho, wo), np.float32)
    for i in range(kh):
        for j in range(kw):
            shifted = x[:, :, i:i + stride * ho:stride, j:j + stride * wo:stride]
            y += np.einsum("nchw,fc->nfhw", shifted, w[:, :, i, j])
    return y + b[None, :, None, None]


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
    y : (N, F, Ho, Wo) float32, ``Ho = (H − kh) // s + 1``, ``Wo = (W − kw) // s + 1``;
        a view of the product, batch-innermost in memory (``layers/__init__.py``).
    """
    n, c, h, width = x.shape
    f, c_w, kh, kw = w.shape
    if c != c_w:
        raise ValueError(f"conv2d: input has {c} channels but the kernel expects {c_w}")
    if h < kh or width < kw:
        raise ValueError(f"conv2d: input {h}×{width} is smaller than the {kh}×{kw} kernel")
    ho, wo = conv_output_size(h, kh, stride), conv_output_size(width, kw, stride)
    cols = im2col(x, kh, kw, stride)                      # (C·kh·kw, Ho·Wo·N)
    y = product(w.reshape(f, c * kh * kw), cols)          # (F, Ho·Wo·N): one matrix product
    y += b[:, None]
    # No copy back to C order: the next layers read this view as it is (batch innermost).
    return y.reshape(f, ho, wo, n).transpose(3, 0, 1, 2)  # (N, F, Ho, Wo)


def conv2d_backward(dy: np.ndarray, x: np.ndarray, w: np.ndarray, b: np.ndarray,
                    stride: int = 1) -> tuple:
    """Gradients of :func:`conv2d` (for training; the detector never calls this).

    Recomputes ``im2col(x)`` from the forward's inputs rather than caching it, so inference
    pays nothing for training. With ``Y = Wm · cols + b`` (``Wm = w.reshape(F, C·kh·kw)``):
    ``dWm = dY · colsᵀ``, ``db = Σ dY``, ``dcols = Wmᵀ · dY`` and ``dx = col2im(dcols)``.

    Parameters
    ----------
    dy : (N, F, Ho, Wo), the gradient of the loss with respect to the output of conv2d.
    x, w, b, stride : the forward's arguments, in the forward's order.

    Returns
    -------
    dx : (N, C, H, W), dw : (F, C, kh, kw), db : (F,)
    """
    # Imported here so that this training-only addition is self-contained.
    from .im2col import col2im, im2col

    f, _, kh, kw = w.shape
    dy_rows = dy.transpose(1, 2, 3, 0).reshape(f, -1)        # (F, Ho·Wo·N), columns (y, x, n)
    cols = im2col(x, kh, kw, stride)                          # (C·kh·kw, Ho·Wo·N)
    dw = (dy_rows @ cols.T).reshape(w.shape)                  # (F, C, kh, kw)
    db = dy_rows.sum(axis=1)                                  # (F,)
    dcols = w.reshape(f, -1).T @ dy_rows                      # (C·kh·kw, Ho·Wo·N)
    dx = col2im(dcols, x.shape, kh, kw, stride)               # (N, C, H, W)
    return dx, dw, db
