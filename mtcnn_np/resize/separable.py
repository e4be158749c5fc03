"""The separable pass: weighted tap sums along the rows, then down the columns, band by band.

OpenCV's loops, vectorised: every product and every add rounded in the working dtype, in tap
order (no FMA, no reordering). Used by the tap-by-tap regimes in ``opencv.py`` and by the row
pass of ``sums.py``. Work arrays live in a :class:`_Scratch` made per call — never shared
between calls, so concurrent calls from several threads are safe.
"""

from __future__ import annotations

import math

import numpy as np

_BAND_ELEMENTS = 1 << 18    # output values per band: keeps a band's work arrays in cache


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

    source : (n, rows, values). taps : sequence of (index, weight, real): index (k,) positions along
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
