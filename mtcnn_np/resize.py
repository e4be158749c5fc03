"""Area resampling equal to OpenCV's ``cv2.resize(..., interpolation=cv2.INTER_AREA)``, in NumPy.

The canonical MTCNN port resizes pyramid levels (uint8) and R/O-Net crops (float64) with
INTER_AREA. A plain weighted average (a dense matrix, or rounding half up) differs from it by 1 on
2–8 % of uint8 pixels, enough to change a face count now and then, so this module follows
OpenCV's arithmetic exactly (measured rules in ``shared/RESIZE.md``). OpenCV picks a regime from
the scales ``scale = 1 / (dst / src)`` of the two axes:

* **A, "block"** — both axes shrink by an exact integer factor: average each ky × kx block.
* **B, "area"** — both axes shrink otherwise: each destination pixel averages the source pixels
  under its footprint, weighted by the overlap (separable: rows first, then columns).
* **C, "linear"** — some axis enlarges: two-tap "area-linear" interpolation on *both* axes.

Same size is a copy. Everything is vectorised over images, rows and columns; the only Python
loops run over the few taps of an axis and over cache-sized bands of rows or images.

Axis order everywhere: (N, H, W, C) = images, rows, columns, channels. Internally the last two
axes are merged into one "flat row" of W·C values, so a column gather is a plain 1-D ``take``.
Results are equal under ``np.array_equal`` (NaN positions included; the sign of a zero result
is not guaranteed).
"""

from __future__ import annotations

import functools
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
_BAND_ELEMENTS = 1 << 18    # values per intermediate array in one band (keeps bands in cache)
_SUPPORTED = (np.dtype(np.uint8), np.dtype(np.float32), np.dtype(np.float64))


# --------------------------------------------------------------------------------------------
# Regime selection and weight tables (pure functions of the sizes; cached, read-only)
# --------------------------------------------------------------------------------------------

def _scales(src: int, dst: int) -> tuple[float, float]:
    """(inv, scale) = (dst / src, 1 / (dst / src)) in float64.

    In that order, as OpenCV computes it: ``scale`` is then not always an exact integer at an
    integer factor, and that last bit decides between regimes A and B (RESIZE.md, "Ratios").
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
        return "linear"   # any enlarging axis switches both axes to area-linear (RESIZE.md)
    if _block_factor(src_hw[0], dst_hw[0]) and _block_factor(src_hw[1], dst_hw[1]):
        return "block"
    return "area"


def _read_only(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.setflags(write=False)


class AreaTaps(NamedTuple):
    """Regime-B taps of one axis, padded to the same count T for every destination.

    index  : (dst, T) intp source index of each tap, in OpenCV's accumulation order.
    weight : (dst, T) float32 weights; padding taps weigh 0 and repeat the last real index.
    count  : (dst,) intp number of real taps of each destination, 1 ≤ count ≤ T.
    """

    index: np.ndarray
    weight: np.ndarray
    count: np.ndarray


@functools.lru_cache(maxsize=256)
def area_weights(src: int, dst: int) -> AreaTaps:
    """Overlap weights of OpenCV's area table for shrinking ``src`` → ``dst`` pixels (regime B).

    Destination d covers the source span [f1, f2) = [d·scale, d·scale + scale). Its taps are the
    partial pixel before ⌈f1⌉, the whole pixels, then the partial pixel at ⌊f2⌋, each weight
    being its overlap divided by the cell width, computed in float64 and *stored as float32*.
    Fragments of at most 1e-3 px are dropped, so the weights need not sum to 1 (RESIZE.md, B).
    The returned arrays are cached and read-only.
    """
    _, scale = _scales(src, dst)
    f1 = np.arange(dst, dtype=np.float64) * scale
    f2 = f1 + scale
    cell = np.minimum(scale, src - f1)
    s2 = np.minimum(np.floor(f2), src - 1)
    s1 = np.minimum(np.ceil(f1), s2)
    lead = (s1 - f1) > _FRAGMENT                          # partial pixel s1 − 1 comes first
    trail = (f2 - s2) > _FRAGMENT                         # partial pixel s2 comes last
    whole = (s2 - s1).astype(np.intp)                     # whole pixels s1 … s2 − 1
    count = lead + whole + trail
    taps = np.arange(count.max())
    rank = taps - lead[:, None]                           # tap position counted from s1
    weight = np.where(rank < 0, ((s1 - f1) / cell)[:, None],
                      np.where(rank < whole[:, None], (1.0 / cell)[:, None],
                               (np.minimum(np.minimum(f2 - s2, 1.0), cell) / cell)[:, None]))
    real = taps < count[:, None]
    first = s1.astype(np.intp) - lead
    index = first[:, None] + np.minimum(taps, count[:, None] - 1)
    weight = np.where(real, weight, 0.0).astype(np.float32)
    _read_only(index, weight, count)
    return AreaTaps(index, weight, count)


class LinearTaps(NamedTuple):
    """Regime-C taps of one axis: two per destination.

    index    : (dst, 2) intp source indices, the second clamped to src − 1.
    weight   : (dst, 2) float32 weights (1 − f, f).
    n_interp : destinations ≥ n_interp copy one source pixel instead (horizontal axis only;
               equal to dst for the vertical axis).
    """

    index: np.ndarray
    weight: np.ndarray
    n_interp: int


@functools.lru_cache(maxsize=256)
def area_linear_weights(src: int, dst: int, horizontal: bool) -> LinearTaps:
    """OpenCV's "area-linear" taps of one axis when some axis enlarges (regime C).

    s = ⌊d·scale⌋ and f = float32((d+1) − (s+1)·inv), then f = 0 if f ≤ 0 else f − ⌊f⌋: on an
    enlarging axis each destination is a plain copy except where its right edge crosses a source
    pixel border. Horizontally, destinations with s ≥ src − 1 take one tap, pixel src − 1;
    vertically the second row is only clamped and f is kept (RESIZE.md, C). Cached, read-only.
    """
    inv, scale = _scales(src, dst)
    d = np.arange(dst)
    s = np.floor(d * scale).astype(np.intp)
    f = ((d + 1) - (s + 1) * inv).astype(np.float32)
    f = np.where(f <= 0, np.float32(0), f - np.floor(f))
    n_interp = dst
    if horizontal:
        edge = s >= src - 1
        n_interp = int(np.count_nonzero(~edge))     # s is non-decreasing, so the edge is a tail
        f = np.where(edge, np.float32(0), f)
    index = np.stack([np.minimum(s, src - 1), np.minimum(s + 1, src - 1)], axis=1)
    weight = np.stack([np.float32(1) - f, f], axis=1).astype(np.float32)
    _read_only(index, weight)
    return LinearTaps(index, weight, n_interp)


@functools.lru_cache(maxsize=256)
def _flat_columns(index: tuple, channels: int) -> np.ndarray:
    """Flat-row positions (dst·C,) of the tap pixels ``index`` (dst,), channel by channel."""
    return (np.asarray(index)[:, None] * channels + np.arange(channels)).ravel()


def _columns(index: np.ndarray, channels: int) -> np.ndarray:
    return _flat_columns(tuple(index.tolist()), channels)


# --------------------------------------------------------------------------------------------
# Banding: the separable regimes run on bands of images or rows that fit in cache
# --------------------------------------------------------------------------------------------

def _bands(n: int, dst_rows: int, row_values: int) -> list[tuple[slice, slice]]:
    """Split the output (n images × dst_rows rows of row_values values) into cache-sized bands.

    Returns (images, rows) slice pairs: whole images in groups when an image is small (crop
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
    """Run a separable resize band by band: rows of x first (``horizontal``), then ``vertical``.

    x : (N, H, W, C) source, out : (N, Hd, Wd, C) destination.
    row_index : (Hd, T) source rows each destination row reads.
    horizontal(x_band) : (n, rows, W, C) → (n, rows, Wd·C) working values.
    vertical(h, rows, first) : h from ``horizontal``, the slice of destination rows, and the
    source row h starts at → (n, len(rows), Wd·C) values of out's dtype.
    """
    n, dst_rows, dst_cols, channels = out.shape
    flat_out = out.reshape(n, dst_rows, dst_cols * channels)
    for images, rows in _bands(n, dst_rows, dst_cols * channels):
        used = row_index[rows]
        first, last = int(used.min()), int(used.max())
        h = horizontal(x[images, first:last + 1])
        flat_out[images, rows] = vertical(h, rows, first)


def _flatten_rows(x: np.ndarray) -> np.ndarray:
    """(n, rows, W, C) → (n, rows, W·C) flat rows (a view whenever W and C are contiguous)."""
    n, rows, w, c = x.shape
    return x.reshape(n, rows, w * c)


def _to_uint8(values: np.ndarray) -> np.ndarray:
    """Round half to even, then saturate: OpenCV's saturate_cast<uchar> of a float."""
    np.rint(values, out=values)
    return np.clip(values, 0, 255, out=values)


def _work_dtype(dtype: np.dtype) -> np.dtype:
    """OpenCV's working type: float32 for uint8 and float32 images, float64 for float64."""
    return np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)


# --------------------------------------------------------------------------------------------
# Regime A: integer block average
# --------------------------------------------------------------------------------------------

def _resize_block(x: np.ndarray, ky: int, kx: int) -> np.ndarray:
    """Average each ky × kx block (regime A). x : (N, H, W, C) with H, W multiples of ky, kx.

    Returns (N, H/ky, W/kx, C) of x's dtype.
    """
    n, h, w, c = x.shape
    blocks = x.reshape(n, h // ky, ky, w // kx, kx, c)
    area = ky * kx
    scale = np.float32(1) / np.float32(area)           # float32(1/area), also for float64 images
    if x.dtype == np.uint8:
        total = blocks.sum(axis=(2, 4), dtype=np.int32)     # integer sums: order is irrelevant
        if ky == kx == 2 and c in (1, 3, 4):
            # OpenCV's dedicated 2×2 uint8 code rounds half up, (sum + 2) >> 2 (RESIZE.md, A);
            # it exists for 1, 3 and 4 channels only, the others take the generic path below.
            return ((total + 2) >> 2).astype(np.uint8)
        return _to_uint8(total.astype(np.float32) * scale).astype(np.uint8)
    work = _work_dtype(x.dtype)
    terms = [blocks[:, :, k // kx, :, k % kx, :] for k in range(area)]   # row by row, left→right
    # Generic path: acc = 0, then acc += ((a + b) + c) + d per four terms, then one at a time.
    total = np.zeros(terms[0].shape, dtype=work)
    for k in range(0, area - 3, 4):
        group = terms[k].astype(work)
        group += terms[k + 1]
        group += terms[k + 2]
        group += terms[k + 3]
        total += group
    for rest in terms[area - area % 4:]:
        total += rest
    if x.dtype == np.float32 and ky == kx == 2 and c in (1, 4):
        # OpenCV's SIMD 2×2 float32 code adds the two rows pairwise, (a + b) + (c + d), on
        # 4-float vectors; with one channel the last Wd mod 4 columns fall back to the generic
        # order above (measured: RESIZE.md's sequential rule does not hold here).
        simd = w // 2 if c == 4 else w // 2 - (w // 2) % 4
        a, b, c_, d = (term[:, :, :simd] for term in terms)
        total[:, :, :simd] = (a + b) + (c_ + d)
    return total * scale.astype(work)


# --------------------------------------------------------------------------------------------
# Regime B: area weight table
# --------------------------------------------------------------------------------------------

def _accumulate(total: np.ndarray | None, term: np.ndarray, weight: np.ndarray,
                real: np.ndarray | None) -> np.ndarray:
    """total + term · weight, one rounding per product and per add (no FMA), in total's type.

    ``real`` masks out padding taps; None means every tap is real, or that padding may simply be
    added: its weight is 0, so it adds ±0 to the sum, which is exact unless the tapped value is
    inf or NaN (hence the exact re-run in ``_resize_area``).
    """
    product = np.multiply(term, weight, dtype=weight.dtype)
    if total is None:
        return product                 # OpenCV's sum starts at 0, and 0 + p = p
    if real is None:
        return np.add(total, product, out=total)
    return np.add(total, product, out=total, where=real)


def _area_horizontal(x: np.ndarray, taps: AreaTaps, work: np.dtype, exact: bool) -> np.ndarray:
    """Regime-B pass along each row: x (n, rows, W, C) → (n, rows, Wd·C) in ``work``.

    buf[d] = 0 + s[t0]·w0 + s[t1]·w1 + …, left to right (RESIZE.md, B accumulation).
    """
    c = x.shape[3]
    flat = _flatten_rows(x)
    total = None
    for t in range(taps.index.shape[1]):
        columns = _columns(taps.index[:, t], c)
        weight = np.repeat(taps.weight[:, t], c).astype(work)
        real = np.repeat(taps.count > t, c) if exact and not taps.count.min() > t else None
        total = _accumulate(total, np.take(flat, columns, axis=2), weight, real)
    return total


def _area_vertical(h: np.ndarray, taps: AreaTaps, rows: slice, first: int, work: np.dtype,
                   exact: bool) -> np.ndarray:
    """Regime-B pass down the columns: h (n, r, Wd·C) from source row ``first`` on →
    (n, len(rows), Wd·C) in ``work``: out = wy0·buf[r0] + wy1·buf[r1] + …, top to bottom."""
    index = taps.index[rows] - first
    count = taps.count[rows]
    total = None
    for t in range(index.shape[1]):
        weight = taps.weight[rows, t, None].astype(work)
        real = (count > t)[:, None] if exact and not count.min() > t else None
        total = _accumulate(total, np.take(h, index[:, t], axis=1), weight, real)
    return total


def _resize_area(x: np.ndarray, out: np.ndarray) -> None:
    """Regime B: x (N, H, W, C) → out (N, Hd, Wd, C), same dtype."""
    y_taps = area_weights(x.shape[1], out.shape[1])
    x_taps = area_weights(x.shape[2], out.shape[2])
    work = _work_dtype(x.dtype)

    def run(exact: bool) -> None:
        def vertical(h: np.ndarray, rows: slice, first: int) -> np.ndarray:
            total = _area_vertical(h, y_taps, rows, first, work, exact)
            return _to_uint8(total) if out.dtype == np.uint8 else total

        _separable(x, out, y_taps.index,
                   lambda band: _area_horizontal(band, x_taps, work, exact), vertical)

    run(exact=False)
    if out.dtype != np.uint8 and not np.isfinite(out).all():
        run(exact=True)    # a 0-weight padding tap may have met inf/NaN: skip padding exactly


# --------------------------------------------------------------------------------------------
# Regime C: area-linear (some axis enlarges)
# --------------------------------------------------------------------------------------------

def _linear_horizontal(x: np.ndarray, taps: LinearTaps, work: np.dtype) -> np.ndarray:
    """Regime-C pass along each row: x (n, rows, W, C) → (n, rows, Wd·C).

    Float images: h = s[i0]·w0 + s[i1]·w1 in ``work``. uint8: the same with integer weights
    rint(w·2048) in int32 (RESIZE.md, C). Destinations past n_interp copy the last pixel (·2048).
    """
    c = x.shape[3]
    flat = _flatten_rows(x)
    fixed = x.dtype == np.uint8
    weights = np.rint(taps.weight * _COEF_SCALE).astype(np.int32) if fixed else taps.weight
    kind = np.dtype(np.int32) if fixed else work
    h = None
    for t in range(2):
        weight = np.repeat(weights[:, t], c).astype(kind)
        h = _accumulate(h, np.take(flat, _columns(taps.index[:, t], c), axis=2), weight, None)
    tail = taps.n_interp * c
    if tail < h.shape[2]:
        # One tap, not s·1 + s·0: the same for finite values, but inf·0 would give NaN.
        last = flat[:, :, flat.shape[2] - c:]
        n, rows, _ = h.shape
        copies = last.astype(kind)[:, :, None, :]
        h[:, :, tail:].reshape(n, rows, -1, c)[...] = copies * _COEF_SCALE if fixed else copies
    return h


def _linear_vertical(h: np.ndarray, taps: LinearTaps, rows: slice, first: int,
                     dtype: np.dtype) -> np.ndarray:
    """Regime-C pass down the columns: h (n, r, Wd·C) from source row ``first`` on →
    (n, len(rows), Wd·C) of the image dtype.

    Float: out = h[r0]·b0 + h[r1]·b1. uint8: OpenCV's fixed-point SIMD formula
    ((h0>>4)·b0 >> 16) + ((h1>>4)·b1 >> 16), then (+2) >> 2 and saturation (RESIZE.md, C); the
    textbook (h0·b0 + h1·b1 + 2^21) >> 22 is off by one on ~6 % of pixels.
    """
    index = taps.index[rows] - first
    if dtype == np.uint8:
        beta = np.rint(taps.weight[rows] * _COEF_SCALE).astype(np.int32)
        total = None
        for t in range(2):
            part = np.take(h, index[:, t], axis=1)
            part >>= 4
            part *= beta[:, t, None]
            part >>= 16
            total = part if total is None else np.add(total, part, out=total)
        total += 2
        total >>= 2
        return np.clip(total, 0, 255, out=total)
    beta = taps.weight[rows].astype(h.dtype)
    total = None
    for t in range(2):
        total = _accumulate(total, np.take(h, index[:, t], axis=1), beta[:, t, None], None)
    return total


def _resize_linear(x: np.ndarray, out: np.ndarray) -> None:
    """Regime C: x (N, H, W, C) → out (N, Hd, Wd, C), same dtype."""
    y_taps = area_linear_weights(x.shape[1], out.shape[1], False)
    x_taps = area_linear_weights(x.shape[2], out.shape[2], True)
    work = _work_dtype(x.dtype)
    _separable(x, out, y_taps.index,
               lambda band: _linear_horizontal(band, x_taps, work),
               lambda h, rows, first: _linear_vertical(h, y_taps, rows, first, x.dtype))


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
        raise ValueError(f"output size must be at least 1x1, got {out_h}x{out_w}")
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
    if regime == "copy":
        out = x.copy()
    elif regime == "block":
        out = _resize_block(x, _block_factor(h, out_h), _block_factor(w, out_w))
    else:
        out = np.empty((n, out_h, out_w, c), dtype=x.dtype)
        (_resize_area if regime == "area" else _resize_linear)(x, out)
    return out if image.ndim == 4 else out[0]
