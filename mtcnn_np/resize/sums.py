"""Regime B for uint8 images with large shrink factors: exact area sums, then OpenCV's rounding.

The same bytes as the tap-by-tap pass of ``opencv.py``, computed a cheaper way (see below).
Knobs a test may patch here: ``_SUMS_MIN_SHRINK`` (where the shortcut starts) and ``_replay``.
"""

from __future__ import annotations

import functools

import numpy as np

from .separable import _column_taps, _flatten_rows, _Scratch, _tap_sum
from .weights import AreaSpans, AreaTaps, _read_only, _scales, area_spans, area_weights

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


@functools.lru_cache(maxsize=256)
def _row_pass(src: int, dst: int, channels: int) -> tuple:
    """(``_tap_sum`` taps, γ per destination value (Wd·C,)) for the row pass ``src → dst``
    columns of ``channels`` values, float64. Built once per size and cached read-only: on a
    small level building them took as long as using them, and video frames (or photos of one
    size) ask for the same sizes every time."""
    taps = area_weights(src, dst)
    columns = tuple(_column_taps(taps.index, taps.weight, None, channels, np.dtype(np.float64)))
    gamma = np.repeat(_gamma(area_spans(src, dst).count), channels)
    _read_only(gamma, *(array for tap in columns for array in tap if array is not None))
    return columns, gamma


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


def resize_area_by_sums(x: np.ndarray, out: np.ndarray) -> None:
    """Regime B for uint8 images, from exact area sums (see above): x (N, H, W, C) → out
    (N, Hd, Wd, C) uint8, filled in place, equal to the tap-by-tap result.

    Down the columns with :func:`_vertical_sums`, then along the rows tap by tap in float64
    (few source values are left by then), then rounding; last, the pixels near a rounding tie
    are recomputed OpenCV's way, all at once.
    """
    n, _, w, c = x.shape
    dst_rows = out.shape[1]
    y_spans, y_taps = area_spans(x.shape[1], dst_rows), area_weights(x.shape[1], dst_rows)
    x_taps = area_weights(w, out.shape[2])
    columns, x_gamma = _row_pass(w, out.shape[2], c)                  # x_gamma (Wd·C,)
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


def pays_off(src_hw: tuple, dst_hw: tuple) -> bool:
    """Shrinking by at least _SUMS_MIN_SHRINK along both axes."""
    return min(_scales(s, d)[1] for s, d in zip(src_hw, dst_hw)) >= _SUMS_MIN_SHRINK
