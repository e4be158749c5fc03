"""Area resampling equal to OpenCV's ``cv2.resize(..., interpolation=cv2.INTER_AREA)``, in NumPy.

The canonical MTCNN port resizes pyramid levels (uint8) and R/O-Net crops (float64) with
INTER_AREA. A plain weighted average (a dense matrix, or rounding half up) differs from it by 1 on
2–8 % of uint8 pixels, enough to change a face count now and then, so this module repeats
OpenCV's arithmetic step by step (the measured rules are in ``shared/RESIZE.md``). OpenCV picks a
regime from the scales ``scale = 1 / (dst / src)`` of the two axes:

* **A, "block"** — both axes shrink by an exact integer factor: average each ky × kx block.
* **B, "area"** — both axes shrink otherwise: each destination pixel averages the source pixels
  under its footprint, weighted by the overlap. Separable: along the rows first, then down.
* **C, "linear"** — some axis enlarges: two-tap "area-linear" interpolation on *both* axes.

Same size is a copy. Shrinking a uint8 image by a large factor (pyramid levels far down) takes
a shortcut to the same bytes: the true area averages from exact integer sums of pixel runs, then
OpenCV's float32 arithmetic replayed only on the few pixels whose true value lies within its
error bound of a rounding tie (see "Regime B for uint8 images with large shrink factors").

The arithmetic is OpenCV's: float32 weights, float32 working values for
uint8 and float32 images and float64 for float64 images, one rounding per product and per add
(no FMA, no reordering), and OpenCV's rounding to uint8.

Everything is vectorised over images, rows and columns; the only Python loops run over the few
taps of an axis and over cache-sized bands of rows or images. Axis order everywhere: (N, H, W, C)
= images, rows, columns, channels; a row is handled as one "flat row" of W·C values, so gathering
columns is a plain 1-D ``take``.

Results equal OpenCV's under ``np.array_equal`` (NaN positions too); the sign of a zero result is
not guaranteed. OpenCV refuses more than 4 channels; here any channel count works, each channel
treated like the channels of a 2-channel image.
"""

from __future__ import annotations

import functools
import math
import operator
from typing import NamedTuple

import numpy as np

__all__ = [
    "AreaTaps",
    "LinearTaps",
    "area_linear_weights",
    "area_weights",
    "resize_area",
    "resize_regime",
]

_DBL_EPSILON = float(np.finfo(np.float64).eps)
_FRAGMENT = 1e-3            # RESIZE.md (B): overlaps of at most 1e-3 px are dropped
_COEF_SCALE = 2048          # RESIZE.md (C): uint8 weights are rint(w · 2^11)
_BAND_ELEMENTS = 1 << 18    # output values per band: keeps a band's work arrays in cache
_SUPPORTED = (np.dtype(np.uint8), np.dtype(np.float32), np.dtype(np.float64))


# --------------------------------------------------------------------------------------------
# Regime selection and weight tables (pure functions of the sizes; cached and read-only)
# --------------------------------------------------------------------------------------------

def _scales(src: int, dst: int) -> tuple[float, float]:
    """(inv, scale) = (dst / src, 1 / (dst / src)) in float64.

    In that order, as OpenCV computes it: ``scale`` is then not always exactly k at an integer
    factor k (49 is the first), and that last bit decides between regimes A and B (RESIZE.md).
    """
    inv = dst / src
    return inv, 1.0 / inv


def _block_factor(src: int, dst: int) -> int:
    """An axis' integer shrink factor, or 0 when ``scale`` is not within DBL_EPSILON of one."""
    _, scale = _scales(src, dst)
    k = round(scale)
    return k if abs(scale - k) < _DBL_EPSILON else 0


def resize_regime(src_hw: tuple[int, int], dst_hw: tuple[int, int]) -> str:
    """Which of OpenCV's INTER_AREA code paths a (rows, columns) → (rows, columns) resize takes.

    Returns "copy" (same size), "block" (A), "area" (B) or "linear" (C); see the module docstring.
    """
    if tuple(src_hw) == tuple(dst_hw):
        return "copy"
    scale_y = _scales(src_hw[0], dst_hw[0])[1]
    scale_x = _scales(src_hw[1], dst_hw[1])[1]
    if scale_y < 1 or scale_x < 1:
        return "linear"   # one enlarging axis switches both axes to area-linear (RESIZE.md)
    if _block_factor(src_hw[0], dst_hw[0]) and _block_factor(src_hw[1], dst_hw[1]):
        return "block"
    return "area"


def _read_only(*arrays: np.ndarray) -> None:
    for array in arrays:
        array.setflags(write=False)


class AreaTaps(NamedTuple):
    """Regime-B taps of one axis, padded to the same count T for every destination.

    index  : (dst, T) intp source index of each tap, in OpenCV's accumulation order.
    weight : (dst, T) float32 weights; padding taps weigh 0 and repeat the last real index.
    count  : (dst,) intp number of real taps of each destination, 1 ≤ count ≤ T.
    """

    index: np.ndarray
    weight: np.ndarray
    count: np.ndarray


class AreaSpans(NamedTuple):
    """Regime-B footprint of each destination along one axis, as OpenCV splits it: a partial
    pixel before, a run of whole pixels, a partial pixel after.

    start, stop  : (dst,) intp — the whole pixels are start … stop − 1 (possibly none).

    lead, trail  : (dst,) bool — the partial pixels start − 1 and stop exist (overlap > 1e-3).

    lead_weight, whole_weight, trail_weight : (dst,) float32 — each pixel's weight; a partial
                   pixel that does not exist weighs 0.

    count        : (dst,) intp number of taps, lead + (stop − start) + trail ≥ 1.
    """

    start: np.ndarray
    stop: np.ndarray
    lead: np.ndarray
    trail: np.ndarray
    lead_weight: np.ndarray
    whole_weight: np.ndarray
    trail_weight: np.ndarray
    count: np.ndarray


@functools.lru_cache(maxsize=256)
def area_spans(src: int, dst: int) -> AreaSpans:
    """OpenCV's area footprints for shrinking ``src`` → ``dst`` pixels (regime B).

    Destination d covers the source span [f1, f2) = [d·scale, d·scale + scale): the partial
    pixel before ⌈f1⌉, the whole pixels, then the partial pixel at ⌊f2⌋; each weight is the
    overlap divided by the cell width, computed in float64 and *stored as float32*. Fragments of
    at most 1e-3 px are dropped, so weights need not sum to 1 (RESIZE.md, B). Cached: read-only.
    """
    _, scale = _scales(src, dst)
    f1 = np.arange(dst, dtype=np.float64) * scale
    f2 = f1 + scale
    cell = np.minimum(scale, src - f1)
    s2 = np.minimum(np.floor(f2), src - 1)
    s1 = np.minimum(np.ceil(f1), s2)
    lead = (s1 - f1) > _FRAGMENT                          # partial pixel s1 − 1, first
    trail = (f2 - s2) > _FRAGMENT                         # partial pixel s2, last
    start, stop = s1.astype(np.intp), s2.astype(np.intp)
    spans = AreaSpans(
        start, stop, lead, trail,
        np.where(lead, (s1 - f1) / cell, 0).astype(np.float32),
        (1.0 / cell).astype(np.float32),
        np.where(trail, np.minimum(np.minimum(f2 - s2, 1.0), cell) / cell, 0).astype(np.float32),
        lead + (stop - start) + trail)
    _read_only(*spans)
    return spans


@functools.lru_cache(maxsize=256)
def area_weights(src: int, dst: int) -> AreaTaps:
    """OpenCV's area weight table for shrinking ``src`` → ``dst`` pixels (regime B): the taps of
    :func:`area_spans` in accumulation order (lead, whole pixels, trail), padded to a common
    count. The returned arrays are cached: they are read-only.
    """
    spans = area_spans(src, dst)
    count, lead = spans.count, spans.lead.astype(np.intp)
    taps = np.arange(count.max())
    rank = taps - lead[:, None]                           # tap position counted from start
    weight = np.where(rank < 0, spans.lead_weight[:, None],
                      np.where(rank < (spans.stop - spans.start)[:, None],
                               spans.whole_weight[:, None], spans.trail_weight[:, None]))
    real = taps < count[:, None]
    index = (spans.start - lead)[:, None] + np.minimum(taps, count[:, None] - 1)
    weight = np.where(real, weight, np.float32(0)).astype(np.float32)
    _read_only(index, weight)
    return AreaTaps(index, weight, count)


class LinearTaps(NamedTuple):
    """Regime-C taps of one axis: two per destination.

    index    : (dst, 2) intp source indices s and s + 1, both clamped to src − 1.

    weight   : (dst, 2) float32 weights (1 − f, f).

    n_interp : horizontally, destinations from n_interp on copy the single pixel src − 1
               (their taps read (src − 1, src − 1) with weights (1, 0)); dst vertically.
    """

    index: np.ndarray
    weight: np.ndarray
    n_interp: int


@functools.lru_cache(maxsize=256)
def area_linear_weights(src: int, dst: int, horizontal: bool) -> LinearTaps:
    """OpenCV's "area-linear" taps of one axis, used when some axis enlarges (regime C).

    s = ⌊d·scale⌋ and f = float32((d+1) − (s+1)·inv), then f = 0 if f ≤ 0 else f − ⌊f⌋: on an
    enlarging axis most destinations copy pixel s, and the one whose right edge crosses a pixel
    border blends s and s + 1. Horizontally, destinations with s ≥ src − 1 copy pixel src − 1;
    vertically the second row is clamped and f is kept (RESIZE.md, C). Cached: read-only.
    """
    inv, scale = _scales(src, dst)
    d = np.arange(dst)
    s = np.floor(d * scale).astype(np.intp)
    f = ((d + 1) - (s + 1) * inv).astype(np.float32)
    f = np.where(f <= 0, np.float32(0), f - np.floor(f))
    n_interp = dst
    if horizontal:
        edge = s >= src - 1
        n_interp = int(np.count_nonzero(~edge))     # s never decreases: the edge is a tail
        f = np.where(edge, np.float32(0), f)
    index = np.stack([np.minimum(s, src - 1), np.minimum(s + 1, src - 1)], axis=1)
    weight = np.stack([np.float32(1) - f, f], axis=1).astype(np.float32)
    _read_only(index, weight)
    return LinearTaps(index, weight, n_interp)


# --------------------------------------------------------------------------------------------
# Weighted tap sums, band by band
# --------------------------------------------------------------------------------------------

class _Scratch:
    """Work arrays reused from tap to tap and band to band.

    Allocating fresh arrays of this size costs page faults every time; reusing buffers made the
    passes 2–3× faster on the test machine.
    """

    def __init__(self) -> None:
        self._arrays: dict = {}

    def __call__(self, name: str, shape: tuple, dtype: np.dtype) -> np.ndarray:
        size = math.prod(shape)
        array = self._arrays.get(name)
        if array is None or array.size < size or array.dtype != dtype:
            array = self._arrays[name] = np.empty(size, dtype)
        return array[:size].reshape(shape)


def _tap_sum(source: np.ndarray, axis: int, taps: list, scratch: _Scratch, name: str
             ) -> np.ndarray:
    """Σ_t take(source, index_t, axis) · weight_t, summed in tap order, rounded after every
    product and every add (OpenCV's loops; no FMA, unlike a matrix product).

    source : (n, rows, values). taps : list of (index, weight, real): index (k,) positions along
    ``axis``; weight, broadcastable to the result, in the working dtype; real, a mask of the
    same shape that is False on padding taps, or None to add every value.
    Returns (n, rows, values) with ``axis`` resized to k, in a scratch buffer of ``name``.
    """
    shape = list(source.shape)
    shape[axis] = len(taps[0][0])
    shape = tuple(shape)
    work = taps[0][1].dtype
    total = scratch(name + ".total", shape, work)
    gathered = scratch(name + ".gathered", shape, source.dtype)
    product = gathered if source.dtype == work else scratch(name + ".product", shape, work)
    for t, (index, weight, real) in enumerate(taps):
        np.take(source, index, axis=axis, out=gathered, mode="clip")   # "clip": unbuffered
        if t == 0:
            np.multiply(gathered, weight, out=total)     # OpenCV's sum starts at 0: 0 + p = p
        elif real is None:
            np.multiply(gathered, weight, out=product)
            np.add(total, product, out=total)
        else:
            np.multiply(gathered, weight, out=product)
            np.add(total, product, out=total, where=real)
    return total


def _column_taps(index: np.ndarray, weight: np.ndarray, count: np.ndarray | None,
                 channels: int, dtype: np.dtype) -> list:
    """(dst, T) taps of the column axis → ``_tap_sum`` taps on flat rows of ``channels`` values.

    Each tap becomes (positions (dst·C,), weights (dst·C,) of ``dtype``, mask (dst·C,) or None);
    count (dst,) gives the real taps per destination, None to add the padding too.
    """
    channel = np.arange(channels)
    taps = []
    for t in range(index.shape[1]):
        real = None
        if count is not None and count.min() <= t:
            real = np.repeat(count > t, channels)
        taps.append(((index[:, t, None] * channels + channel).ravel(),
                     np.repeat(weight[:, t], channels).astype(dtype), real))
    return taps


def _row_taps(index: np.ndarray, weight: np.ndarray, count: np.ndarray | None, first: int,
              dtype: np.dtype) -> list:
    """(rows, T) taps of the row axis → ``_tap_sum`` taps on rows numbered from ``first``.

    Each tap becomes (row positions (rows,), weights (rows, 1), mask (rows, 1) or None).
    """
    taps = []
    for t in range(index.shape[1]):
        real = None
        if count is not None and count.min() <= t:
            real = (count > t)[:, None]
        taps.append((index[:, t] - first, weight[:, t, None].astype(dtype), real))
    return taps


def _bands(n: int, dst_rows: int, row_values: int) -> list[tuple[slice, slice]]:
    """Split an output of n images × dst_rows rows × row_values values into cache-sized bands.

    Returns (images, rows) slice pairs: groups of whole images when an image is small (crop
    batches), bands of rows of one image at a time when it is large (pyramid levels).
    """
    per_image = dst_rows * row_values
    if per_image <= _BAND_ELEMENTS:
        step = max(1, _BAND_ELEMENTS // per_image)
        return [(slice(i, min(i + step, n)), slice(0, dst_rows)) for i in range(0, n, step)]
    rows = max(1, _BAND_ELEMENTS // row_values)
    return [(slice(i, i + 1), slice(r, min(r + rows, dst_rows)))
            for i in range(n) for r in range(0, dst_rows, rows)]


def _separable(x: np.ndarray, out: np.ndarray, row_index: np.ndarray, horizontal, vertical
               ) -> None:
    """Resize band by band: along the rows of x first (``horizontal``), then down (``vertical``).

    x : (N, H, W, C) source; out : (N, Hd, Wd, C) destination, filled in place.
    row_index : (Hd, T) the source rows each destination row reads.
    horizontal(flat, scratch) : flat rows (n, r, W·C) → (n, r, Wd·C) working values.
    vertical(h, rows, first, scratch) : h from ``horizontal`` (its row 0 is source row
    ``first``) and a slice of destination rows → (n, len(rows), Wd·C), cast into out.
    """
    n, dst_rows, dst_cols, channels = out.shape
    flat_out = out.reshape(n, dst_rows, dst_cols * channels)
    scratch = _Scratch()
    for images, rows in _bands(n, dst_rows, dst_cols * channels):
        used = row_index[rows]
        first, last = int(used.min()), int(used.max())
        h = horizontal(_flatten_rows(x[images, first:last + 1]), scratch)
        flat_out[images, rows] = vertical(h, rows, first, scratch)


def _flatten_rows(x: np.ndarray) -> np.ndarray:
    """(n, rows, W, C) → contiguous (n, rows, W·C) flat rows; a view when x is contiguous.

    Made contiguous once here, because ``np.take`` would otherwise copy its input at every tap.
    """
    n, rows, w, c = x.shape
    return np.ascontiguousarray(x).reshape(n, rows, w * c)


def _to_uint8(values: np.ndarray) -> np.ndarray:
    """Round half to even, then saturate, in place: OpenCV's saturate_cast<uchar>(float)."""
    np.rint(values, out=values)
    return np.clip(values, 0, 255, out=values)


def _work_dtype(dtype: np.dtype) -> np.dtype:
    """OpenCV's working type: float32 for uint8 and float32 images, float64 for float64."""
    return np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)


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
    if x.dtype == np.uint8 and _sums_pay_off(x.shape[1:3], out.shape[1:3]):
        _resize_area_by_sums(x, out)
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
# Regime B for uint8 images with large shrink factors: exact area sums, then OpenCV's rounding
# --------------------------------------------------------------------------------------------
#
# Summing tap by tap reads every source pixel about three times per pyramid level, however small
# the level. For large factors it is cheaper to compute the true (real-number) area average
# from sums of whole pixel runs, which are exact integers, and to ask only at the end where
# OpenCV's float32 arithmetic could round to a different byte: its result differs from the true
# value by at most value · (γ(Tx) + γ(Ty) + γ(Tx)·γ(Ty)), γ(n) = n·u / (1 − n·u), u = 2⁻²⁴
# (Higham, "Accuracy and Stability of Numerical Algorithms", §3.1: a dot product of n
# non-negative terms summed in order; one per axis). Bytes only differ where the true value
# lies that close to a half-integer: those few pixels are recomputed with OpenCV's arithmetic.

_UNIT_ROUNDOFF = 2.0 ** -24
_SUMS_MIN_SHRINK = 4.0      # from this shrink factor on (both axes) sums beat tap-by-tap passes
_REPLAY_ELEMENTS = 1 << 20  # values gathered at a time when replaying OpenCV's arithmetic
_SUMS_BAND_ELEMENTS = 1 << 16   # source values per band of destination rows: stays in cache


def _gamma(n: np.ndarray) -> np.ndarray:
    """Higham's γ(n) = n·u / (1 − n·u): the relative error bound of n in-order float32 steps."""
    nu = n * _UNIT_ROUNDOFF
    return nu / (1 - nu)


def _vertical_sums(flat: np.ndarray, spans: AreaSpans, rows: slice, scratch: _Scratch
                   ) -> np.ndarray:
    """True area sums down the columns: (H, W·C) uint8 flat rows → (len(rows), W·C) float64.

    Row d = lead_weight·x[start − 1] + whole_weight·Σ x[start … stop − 1] + trail_weight·x[stop].
    The whole-row sum is an exact integer (one ``np.add.reduce`` per destination row: a
    contiguous block of rows), and every product and sum here is exact or within 1e-13.
    The result lives in a scratch buffer.
    """
    start, stop = spans.start[rows], spans.stop[rows]
    shape = (len(start), flat.shape[1])
    exact = np.dtype(np.uint16 if int((stop - start).max()) * 255 < 2 ** 16 else np.int64)
    sums = scratch("s.sums", shape, exact)
    for d, (a, b) in enumerate(zip(start.tolist(), stop.tolist())):
        np.add.reduce(flat[a:b], axis=0, dtype=exact, out=sums[d])      # 0 when a == b
    # Float64 products of float64 arrays: NumPy's mixed-dtype loops convert through buffers.
    total, part = scratch("s.total", shape, np.dtype(np.float64)), scratch("s.part", shape,
                                                                             np.dtype(np.float64))
    np.copyto(total, sums)
    total *= spans.whole_weight[rows, None]
    for edge, weight in ((np.maximum(start - 1, 0), spans.lead_weight[rows]),
                         (np.minimum(stop, len(flat) - 1), spans.trail_weight[rows])):
        np.copyto(part, flat[edge])
        part *= weight[:, None]
        total += part
    return total


def _replay(flat: np.ndarray, channels: int, y_taps: AreaTaps, x_taps: AreaTaps,
            rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """OpenCV's uint8 area result at a few pixels, computed its way (float32, in tap order).

    flat : (H, W·C) uint8 source; rows : (k,) destination rows; values : (k,) positions in a
    destination flat row (column·C + channel). Returns (k,) float32 sums, before rounding.
    """
    column, channel = np.divmod(values, channels)
    iy, wy = y_taps.index[rows], y_taps.weight[rows]                   # (k, Ty)
    ix, wx = x_taps.index[column], x_taps.weight[column]               # (k, Tx)
    pixels = flat[iy[:, :, None], ix[:, None, :] * channels + channel[:, None, None]]
    along = np.zeros(iy.shape, dtype=np.float32)                       # (k, Ty) row sums
    for t in range(ix.shape[1]):                                       # 0 + p0 + p1 + …
        along += pixels[:, :, t] * wx[:, t, None]
    total = along[:, 0] * wy[:, 0]                                     # then down, in order
    for t in range(1, iy.shape[1]):
        total += along[:, t] * wy[:, t]
    return total


def _round_near_ties(true: np.ndarray, gamma: np.ndarray, scratch: _Scratch) -> tuple:
    """Round the true area averages ``true`` (r, Wd·C) float64 half to even, in place and
    clipped to 0…255, and find where that may differ from OpenCV: where its float32 sum may
    land on the other side of a half-integer — within true·gamma (+ 2e-9 for the float64 sums)
    of it. gamma : broadcastable to ``true``, the relative error bound (see above).
    Returns (rounded ``true``, rows, positions) — the last two (k,) index the pixels to replay.
    """
    distance = scratch("r.distance", true.shape, np.dtype(np.float64))
    np.floor(true, out=distance)
    np.subtract(true, distance, out=distance)
    distance -= 0.5
    np.abs(distance, out=distance)                         # |true − nearest half-integer|
    bound = scratch("r.bound", true.shape, np.dtype(np.float64))
    np.multiply(true, gamma, out=bound)
    bound += 2e-9
    rows, positions = np.nonzero(distance <= bound)
    np.rint(true, out=true)
    return np.clip(true, 0, 255, out=true), rows, positions


def _replay_into(flat_out: np.ndarray, flat: np.ndarray, channels: int, y_taps: AreaTaps,
                 x_taps: AreaTaps, rows: np.ndarray, positions: np.ndarray) -> None:
    """Overwrite flat_out[rows, positions] ((Hd, Wd·C) uint8) with OpenCV's own bytes there
    (:func:`_replay`), a bounded number of gathered values at a time."""
    step = max(1, _REPLAY_ELEMENTS // (y_taps.index.shape[1] * x_taps.index.shape[1]))
    for i in range(0, len(rows), step):
        part = slice(i, i + step)
        total = _replay(flat, channels, y_taps, x_taps, rows[part], positions[part])
        flat_out[rows[part], positions[part]] = np.clip(np.rint(total), 0, 255)


def _resize_area_by_sums(x: np.ndarray, out: np.ndarray) -> None:
    """Regime B for uint8 images, from exact area sums (see above): x (N, H, W, C) → out
    (N, Hd, Wd, C) uint8, filled in place, equal to the tap-by-tap result.

    Down the columns with :func:`_vertical_sums`, then along the rows tap by tap in float64
    (few source values are left by then), then rounding; last, the pixels near a rounding tie
    are recomputed OpenCV's way, all at once.
    """
    n, _, w, c = x.shape
    dst_rows = out.shape[1]
    y_spans, y_taps = area_spans(x.shape[1], dst_rows), area_weights(x.shape[1], dst_rows)
    x_spans, x_taps = area_spans(w, out.shape[2]), area_weights(w, out.shape[2])
    columns = _column_taps(x_taps.index, x_taps.weight, None, c, np.dtype(np.float64))
    x_gamma = np.repeat(_gamma(x_spans.count), c)                      # (Wd·C,)
    flat_out = out.reshape(n, dst_rows, -1)
    scratch = _Scratch()
    band = max(1, _SUMS_BAND_ELEMENTS // (w * c))
    for image in range(n):
        flat = _flatten_rows(x[image:image + 1])[0]                    # (H, W·C)
        near = []
        for first in range(0, dst_rows, band):
            rows = slice(first, min(first + band, dst_rows))
            vertical = _vertical_sums(flat, y_spans, rows, scratch)    # (r, W·C)
            true = _tap_sum(vertical[None], 2, columns, scratch, "h")[0]   # (r, Wd·C)
            y_gamma = _gamma(y_spans.count[rows])[:, None]
            gamma = x_gamma + y_gamma + x_gamma * y_gamma              # both passes (see above)
            flat_out[image, rows], near_rows, positions = _round_near_ties(true, gamma, scratch)
            near.append((near_rows + first, positions))
        rows_, positions_ = (np.concatenate(parts) for parts in zip(*near))
        _replay_into(flat_out[image], flat, c, y_taps, x_taps, rows_, positions_)


def _sums_pay_off(src_hw: tuple, dst_hw: tuple) -> bool:
    """Shrinking by at least _SUMS_MIN_SHRINK along both axes."""
    return min(_scales(s, d)[1] for s, d in zip(src_hw, dst_hw)) >= _SUMS_MIN_SHRINK


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


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------

def _check(image: np.ndarray, out_h: int, out_w: int) -> tuple[np.ndarray, int, int]:
    """Validate the arguments; return the image as (N, H, W, C) and the integer output size."""
    try:
        out_h, out_w = operator.index(out_h), operator.index(out_w)
    except TypeError:
        raise ValueError(f"out_h and out_w must be integers, got {out_h!r}, {out_w!r}") from None
    if out_h < 1 or out_w < 1:
        raise ValueError(f"output size must be at least 1×1, got {out_h}×{out_w}")
    image = np.asarray(image)
    if image.ndim not in (3, 4):
        raise ValueError(f"image must be (H, W, C) or (N, H, W, C), got shape {image.shape}")
    if image.dtype not in _SUPPORTED:
        raise ValueError(f"unsupported dtype {image.dtype}: use uint8, float32 or float64")
    if image.size == 0:
        raise ValueError(f"empty image, shape {image.shape}")
    return (image if image.ndim == 4 else image[None]), out_h, out_w


def resize_area(image: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Resize like ``cv2.resize(image, (out_w, out_h), interpolation=cv2.INTER_AREA)``, exactly.

    image : (H, W, C) or (N, H, W, C), dtype uint8, float32 or float64, any channel count.
    Returns (out_h, out_w, C) or (N, out_h, out_w, C) of the same dtype, equal element for element
    to OpenCV's result for each image. Raises ValueError for an output size below 1, an empty
    image, or an unsupported dtype or number of dimensions.
    """
    x, out_h, out_w = _check(image, out_h, out_w)
    n, h, w, c = x.shape
    regime = resize_regime((h, w), (out_h, out_w))
    with np.errstate(invalid="ignore", over="ignore"):   # inf and NaN propagate silently, as in C
        if regime == "copy":
            out = x.copy()
        elif regime == "block":
            out = _resize_block(x, _block_factor(h, out_h), _block_factor(w, out_w))
        else:
            out = np.empty((n, out_h, out_w, c), dtype=x.dtype)
            (_resize_area if regime == "area" else _resize_linear)(x, out)
    return out if image.ndim == 4 else out[0]
