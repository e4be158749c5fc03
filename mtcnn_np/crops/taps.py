"""The tables of the batched crop resize: each axis' taps, the row pass as a matrix or as runs.

Built from ``mtcnn_np.resize``'s OpenCV weight tables (``weights.py``), with the arguments why
the row pass may be computed in any order and still give OpenCV's bits (for shrink factors up
to ``MAX_SHRINK``, in ``batches.py``). Cached per crop size; the returned arrays are read-only,
so threads may share them.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from ..resize import area_linear_weights, area_spans, area_weights, resize_regime


class Taps(NamedTuple):
    """How one axis of a crop is resampled to the output size.

    index  : (size, T) source positions, 0-based within the crop, in summation order.
    weight : (size, T) float64 weights (OpenCV's float32 values, widened as OpenCV does).
    """

    index: np.ndarray
    weight: np.ndarray


@functools.lru_cache(maxsize=4096)
def axis_taps(src: int, size: int, regime: str, horizontal: bool) -> Taps:
    """The taps of one axis of ``src`` pixels resized to ``size`` in ``resize_regime`` ``regime``.

    'area' and 'linear' are ``mtcnn_np.resize``'s weight tables; their padding taps (weight 0, after
    the real ones) add +0 to a finite sum, which changes nothing. 'block' (an integer factor k)
    is k taps of weight 1: OpenCV sums the block and multiplies by 1/k² once at the end (see
    ``batches.crop_and_resize``). 'copy' is one tap of weight 1. Cached: treat as read-only.
    """
    if regime == "area":
        taps = area_weights(src, size)
        return Taps(taps.index, taps.weight.astype(np.float64))
    if regime == "linear":
        taps = area_linear_weights(src, size, horizontal)
        return Taps(taps.index, taps.weight.astype(np.float64))
    k = src // size                                       # 1 for 'copy'
    index = np.arange(size)[:, None] * k + np.arange(k)   # (size, k)
    return Taps(index, np.ones(index.shape))


@functools.lru_cache(maxsize=1024)
def row_matrix(width: int, size: int, regime: str) -> np.ndarray:
    """The horizontal pass as a (width, size) float64 matrix: ``W[index[d, t], d] = weight[d, t]``.

    Why a matrix product gives OpenCV's bits here although OpenCV sums tap by tap: the pixels are
    whole numbers 0…255 (8 bits) and the weights float32 (24 bits), so each product is exact in
    float64. In the 'area' regime every weight is > 1e-3 / shrink factor ≥ 2^-20 (for shrink
    factors ≤ ``MAX_SHRINK``), so every product and every partial sum is a multiple of 2^-43
    below 2^8: at most 51 bits, exact in float64 — no sum is ever rounded, in any order. 'block'
    and 'copy' sums are whole numbers. 'linear' has two real taps: one rounding, in any order.
    The taps of one output column read distinct pixels (or add a weight of 0), so placing them
    in one matrix column loses nothing. The returned array is cached: read-only.
    """
    taps = axis_taps(width, size, regime, horizontal=True)
    matrix = np.zeros((width, size))
    columns = np.broadcast_to(np.arange(size)[:, None], taps.index.shape)
    np.add.at(matrix, (taps.index, columns), taps.weight)
    matrix.setflags(write=False)
    return matrix


class RowSpans(NamedTuple):
    """The horizontal pass of a shrinking crop as runs of pixels (see :func:`row_spans`).

    ends   : (..., 4, size) int64 crop columns start − 1, start, stop, stop + 1 of each output.

    weight : (..., 3, size) float64 weights of the partial pixel before the run, of each pixel
             of the run, and of the partial pixel after it (OpenCV's float32 values, widened).
    """

    ends: np.ndarray
    weight: np.ndarray


@functools.lru_cache(maxsize=4096)
def row_spans(width: int, size: int, regime: str) -> RowSpans:
    """The horizontal pass of ``width`` pixels → ``size`` in regime 'area', 'block' or 'copy'.

    Output column d of a crop row x is
    ``weight[0, d]·x[start−1] + weight[1, d]·(x[start] + … + x[stop−1]) + weight[2, d]·x[stop]``
    — OpenCV's taps of that column (``resize.area_spans``), grouped: a partial pixel, a run of
    whole pixels of one weight, a partial pixel. A partial pixel OpenCV drops weighs 0 (its
    column may then lie outside the row). 'block' and 'copy' are runs of k = width // size
    pixels of weight 1 and no partial pixels. With running sums ``P[j] = x[0] + … + x[j−1]``
    the three pieces are the differences of P at ``ends``: ``P[start] − P[start−1]``,
    ``P[stop] − P[start]``, ``P[stop+1] − P[stop]``.

    Why this gives row_matrix's bits: a run sum is an exact integer below 2^18 (at most
    ``MAX_SHRINK`` + 1 pixels of ≤ 255), so its product with a float32 weight (24 bits) is exact
    in float64 and *is* the sum of that run's terms of the matrix product. So the result adds
    the same real terms, merely grouped, and row_matrix's argument applies unchanged: every
    term and partial sum is a multiple of 2^-43 below 2^8, exact in float64 in any order (and
    whole numbers for 'block' and 'copy'). The returned arrays are cached: read-only.
    """
    if regime == "area":
        spans = area_spans(width, size)
        start, stop = spans.start, spans.stop
        weight = np.stack([spans.lead_weight, spans.whole_weight, spans.trail_weight])
    elif regime in ("block", "copy"):
        k = width // size
        start = np.arange(size) * k
        stop = start + k
        weight = np.stack([np.zeros(size), np.ones(size), np.zeros(size)])
    else:
        raise ValueError(f"no runs in regime {regime!r}: it interpolates")
    spans = RowSpans(np.stack([start - 1, start, stop, stop + 1]).astype(np.int64),
                     weight.astype(np.float64))
    for array in spans:
        array.setflags(write=False)
    return spans


def _distinct_sizes(heights: np.ndarray, widths: np.ndarray, size: int) -> tuple:
    """The distinct crop sizes of a batch: (pairs, regimes, which).

    pairs : list of S distinct (height, width) ints; regimes : their ``resize_regime`` to
    size × size; which : (K,) int64, the index in pairs of each crop.
    """
    keys, which = np.unique(heights * (widths.max() + 1) + widths, return_inverse=True)
    pairs = [divmod(int(key), int(widths.max()) + 1) for key in keys]
    regimes = [resize_regime((h, w), (size, size)) for h, w in pairs]
    return pairs, regimes, which.reshape(-1)


def _column_tables(pairs: list, regimes: list, size: int) -> tuple:
    """The vertical taps of each distinct size, padded to a common count, and block scales.

    Returns (row Taps (S, size, T), scales (S,) float64): taps are padded with weight-0 repeats
    of the last tap; a scale is float32(1 / block area) for 'block', else 1.
    """
    taps = [axis_taps(h, size, r, horizontal=False) for (h, _), r in zip(pairs, regimes)]
    depth = max(t.index.shape[1] for t in taps)
    index = np.zeros((len(pairs), size, depth), dtype=np.int64)
    weight = np.zeros((len(pairs), size, depth))
    scales = np.ones(len(pairs))
    for s, ((h, w), regime, tap) in enumerate(zip(pairs, regimes, taps)):   # distinct sizes
        count = tap.index.shape[1]
        index[s] = tap.index[:, -1:]
        index[s, :, :count] = tap.index
        weight[s, :, :count] = tap.weight
        if regime == "block":
            scales[s] = np.float32(1) / np.float32((h // size) * (w // size))
    return Taps(index, weight), scales


def _stack_matrices(pairs: list, regimes: list, wb: int, size: int) -> np.ndarray:
    """Each distinct size's row_matrix in a (S, wb, size) float64 array; rows past a crop's
    width are 0."""
    matrices = np.zeros((len(pairs), wb, size))
    for s, ((_, w), regime) in enumerate(zip(pairs, regimes)):       # distinct sizes
        matrices[s, :w] = row_matrix(w, size, regime)
    return matrices


def _stack_spans(pairs: list, regimes: list, size: int) -> RowSpans:
    """Each distinct size's row_spans: (S, 4, size) ends and (S, 3, size) weights."""
    spans = [row_spans(w, size, regime) for (_, w), regime in zip(pairs, regimes)]
    return RowSpans(*(np.stack(parts) for parts in zip(*spans)))
