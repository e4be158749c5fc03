"""OpenCV's INTER_AREA arithmetic replayed in NumPy, regime by regime (see the package docstring).

* A, "block": :func:`_resize_block`, exact integer sums (uint8) or OpenCV's summation order;
* B, "area": :func:`_resize_area`, tap by tap in float32/float64 — or, for uint8 images shrunk a
  lot, the integer-sums shortcut of ``sums.py``;
* C, "linear": :func:`_resize_linear`, two taps per axis, OpenCV's fixed point for uint8.

Each fills a preallocated output; ``resize_area`` in ``__init__.py`` picks the regime.
"""

from __future__ import annotations

import numpy as np

from . import sums
from .separable import (
    _column_taps,
    _flatten_rows,
    _row_taps,
    _Scratch,
    _separable,
    _tap_sum,
    _to_uint8,
    _work_dtype,
)
from .weights import area_linear_weights, area_weights

_COEF_SCALE = 2048          # RESIZE.md (C): uint8 weights are rint(w · 2^11)


# --------------------------------------------------------------------------------------------
# Regime A: integer block average
# --------------------------------------------------------------------------------------------

def _block_terms(x: np.ndarray, ky: int, kx: int) -> list:
    """The ky·kx pixels of every block, in OpenCV's order: row by row, left to right.

    x : (N, H, W, C) with H, W multiples of ky, kx → ky·kx arrays (N, H/ky, W/kx·C). Columns are
    gathered (NumPy crawls through strided views whose contiguous runs are only C long); rows
    are then plain strided views.
    """
    c = x.shape[3]
    flat = _flatten_rows(x)
    first = ((np.arange(x.shape[2] // kx) * kx)[:, None] * c + np.arange(c)).ravel()
    columns = [np.take(flat, first + sx * c, axis=2) for sx in range(kx)]
    return [columns[sx][:, sy::ky] for sy in range(ky) for sx in range(kx)]


def _resize_block(x: np.ndarray, ky: int, kx: int) -> np.ndarray:
    """Average each ky × kx block (regime A). x : (N, H, W, C) with H, W multiples of ky, kx.

    Returns (N, H/ky, W/kx, C) of x's dtype.
    """
    n, h, w, c = x.shape
    shape = (n, h // ky, w // kx, c)
    area = ky * kx
    scale = np.float32(1) / np.float32(area)            # float32(1/area), also for float64 images
    if x.dtype == np.uint8:
        # Exact integer sums, so the order is irrelevant: each block summed at once.
        # Down the block's rows first (whole contiguous rows), then across its columns.
        exact = np.uint16 if area <= 257 else np.uint32
        rows = x.reshape(n, h // ky, ky, w * c).sum(axis=2, dtype=exact)
        total = rows.reshape(n, h // ky, w // kx, kx, c).sum(axis=3, dtype=exact)
        if ky == kx == 2 and c in (1, 3, 4):
            # OpenCV's dedicated 2×2 uint8 code rounds half up, (sum + 2) >> 2 (RESIZE.md, A);
            # it exists for 1, 3 and 4 channels only (2 channels take the generic path).
            return ((total + 2) >> 2).astype(np.uint8).reshape(shape)
        return _to_uint8(total.astype(np.float32) * scale).astype(np.uint8).reshape(shape)
    terms = _block_terms(x, ky, kx)
    work = _work_dtype(x.dtype)
    # Generic order: sum = 0, then sum += ((a + b) + c) + d per four terms, then one at a time.
    total = np.zeros(terms[0].shape, dtype=work)
    for k in range(0, area - 3, 4):
        group = terms[k] + terms[k + 1]
        group += terms[k + 2]
        group += terms[k + 3]
        total += group
    for rest in terms[area - area % 4:]:
        total += rest
    if x.dtype == np.float32 and ky == kx == 2 and c in (1, 4):
        # OpenCV's SIMD 2×2 float32 code adds the rows pairwise, (a + b) + (c + d), 4 floats at a
        # time; with one channel the last Wd mod 4 columns are left to the generic order above.
        # (Measured against cv2 5.0.0; RESIZE.md's sequential rule does not hold here.)
        simd = shape[2] * c - (shape[2] % 4 if c == 1 else 0)
        a, b, c_, d = (term[:, :, :simd] for term in terms)
        total[:, :, :simd] = (a + b) + (c_ + d)
    return (total * scale.astype(work)).reshape(shape)


# --------------------------------------------------------------------------------------------
# Regime B: area weight table
# --------------------------------------------------------------------------------------------

def _resize_area(x: np.ndarray, out: np.ndarray, exact: bool = False) -> None:
    """Regime B: x (N, H, W, C) → out (N, Hd, Wd, C), same dtype, filled in place.

    Along each row: buf[d] = 0 + s[t0]·w0 + s[t1]·w1 + … left to right; then down each column:
    out = wy0·buf[r0] + wy1·buf[r1] + … top to bottom; uint8 rounds half to even (RESIZE.md, B).
    Padding taps (weight 0) are simply added unless ``exact``: that adds ±0, which changes
    nothing unless the padding reads inf or NaN, so a non-finite float result is redone exactly.
    """
    if x.dtype == np.uint8 and sums.pays_off(x.shape[1:3], out.shape[1:3]):
        sums.resize_area_by_sums(x, out)
        return
    y_taps = area_weights(x.shape[1], out.shape[1])
    x_taps = area_weights(x.shape[2], out.shape[2])
    work = _work_dtype(x.dtype)
    columns = _column_taps(x_taps.index, x_taps.weight, x_taps.count if exact else None,
                           x.shape[3], work)

    def horizontal(flat: np.ndarray, scratch: _Scratch) -> np.ndarray:
        return _tap_sum(flat, 2, columns, scratch, "h")

    def vertical(h: np.ndarray, rows: slice, first: int, scratch: _Scratch) -> np.ndarray:
        count = y_taps.count[rows] if exact else None
        taps = _row_taps(y_taps.index[rows], y_taps.weight[rows], count, first, work)
        total = _tap_sum(h, 1, taps, scratch, "v")
        return _to_uint8(total) if out.dtype == np.uint8 else total

    _separable(x, out, y_taps.index, horizontal, vertical)
    if not exact and out.dtype != np.uint8 and not np.isfinite(out).all():
        _resize_area(x, out, exact=True)



# --------------------------------------------------------------------------------------------
# Regime C: area-linear (some axis enlarges)
# --------------------------------------------------------------------------------------------

def _fixed_point_rows(h: np.ndarray, index: np.ndarray, beta: np.ndarray, scratch: _Scratch
                      ) -> np.ndarray:
    """Regime-C vertical pass of uint8 images, in OpenCV's fixed point (its SIMD formula).

    h : (n, r, Wd·C) int32 row sums, weights ×2048; index : (rows, 2) rows of h; beta : (rows, 2)
    int32 weights ×2048. out = ((h0>>4)·b0 >> 16) + ((h1>>4)·b1 >> 16), then (+2) >> 2 and
    saturation (RESIZE.md, C): the textbook (h0·b0 + h1·b1 + 2^21) >> 22 is off by 1 on ~6 %.
    Returns (n, rows, Wd·C) int32 in 0…255.
    """
    shape = (h.shape[0], len(index), h.shape[2])
    total = scratch("v.total", shape, np.dtype(np.int32))
    part = scratch("v.part", shape, np.dtype(np.int32))
    for t, buf in enumerate((total, part)):
        np.take(h, index[:, t], axis=1, out=buf, mode="clip")
        buf >>= 4
        buf *= beta[:, t, None]
        buf >>= 16
    total += part
    total += 2
    total >>= 2
    return np.clip(total, 0, 255, out=total)


def _resize_linear(x: np.ndarray, out: np.ndarray) -> None:
    """Regime C: x (N, H, W, C) → out (N, Hd, Wd, C), same dtype, filled in place.

    Float images: h = s[i0]·w0 + s[i1]·w1, then out = h[r0]·b0 + h[r1]·b1 in the image's float
    type. uint8: the same with integer weights rint(w·2048), summed in int32 along the rows and
    combined in fixed point down the columns (RESIZE.md, C).
    """
    y_taps = area_linear_weights(x.shape[1], out.shape[1], False)
    x_taps = area_linear_weights(x.shape[2], out.shape[2], True)
    c = x.shape[3]
    fixed = x.dtype == np.uint8
    if fixed:
        one, work = _COEF_SCALE, np.dtype(np.int32)
        x_weight = np.rint(x_taps.weight * _COEF_SCALE)
        y_weight = np.rint(y_taps.weight * _COEF_SCALE).astype(np.int32)
    else:
        one, work = 1, _work_dtype(x.dtype)
        x_weight, y_weight = x_taps.weight, y_taps.weight
    columns = _column_taps(x_taps.index, x_weight, None, c, work)
    tail = x_taps.n_interp * c

    def horizontal(flat: np.ndarray, scratch: _Scratch) -> np.ndarray:
        h = _tap_sum(flat, 2, columns, scratch, "h")
        if tail < h.shape[2]:
            # Past n_interp OpenCV takes one tap, s·ONE, not s·1 + s·0: the same for finite
            # values, but inf·0 would make NaN.
            n, rows, _ = h.shape
            last = flat[:, :, flat.shape[2] - c:].astype(work) * one
            h[:, :, tail:].reshape(n, rows, -1, c)[...] = last[:, :, None, :]
        return h

    def vertical(h: np.ndarray, rows: slice, first: int, scratch: _Scratch) -> np.ndarray:
        index = y_taps.index[rows]
        if fixed:
            return _fixed_point_rows(h, index - first, y_weight[rows], scratch)
        return _tap_sum(h, 1, _row_taps(index, y_weight[rows], None, first, work), scratch, "v")

    _separable(x, out, y_taps.index, horizontal, vertical)
