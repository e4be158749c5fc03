"""OpenCV's INTER_AREA regimes and weight tables: which code path a size pair takes, and the
taps (source index, float32 weight) of each destination pixel along one axis.

Pure functions of the sizes, cached; the arrays they return are read-only, so threads may share
them. The arithmetic that applies them is in ``opencv.py`` and ``sums.py``.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

__all__ = ["AreaSpans", "AreaTaps", "LinearTaps", "area_linear_weights", "area_spans",
           "area_weights", "resize_regime"]

_DBL_EPSILON = float(np.finfo(np.float64).eps)
_FRAGMENT = 1e-3            # RESIZE.md (B): overlaps of at most 1e-3 px are dropped


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

    Returns "copy" (same size), "block" (A), "area" (B) or "linear" (C); see the package docstring
    (``mtcnn_np.resize``).
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
