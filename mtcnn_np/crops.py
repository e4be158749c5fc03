"""Cut each box out of the image, zero-padded where it leaves the image, resized for R-Net/O-Net.

Convention (canonical, from the Matlab original): a fixed box ``[x1, y1, x2, y2]`` names the
**1-based** inclusive pixel range x1..x2, y1..y2. In 0-based NumPy terms the crop is
``image[y1−1 : y2, x1−1 : x2]`` and has ``(y2−y1+1) × (x2−x1+1)`` pixels. Where it leaves the
image it is filled with zeros (black), which lowers R/O-Net scores for faces cut by the border —
a faithful port keeps that.

The canonical port cuts each crop into a float64 array and resizes it with OpenCV's INTER_AREA
(``resize.resize_area``). Here a whole batch of crops of different sizes is resized at once, to
the same bits, using the fact that a resize is separable (rows first, then columns):

* **Along the rows**, each output column is a weighted sum of whole-number pixels with float32
  weights. Every product is exact in float64 and so is every partial sum (see
  :func:`row_matrix`), so the summation order cannot matter. Two ways use that:

  - narrow crops: one matrix product per crop, ``crop rows (h·3, w) @ W (w, size)``, batched
    with ``np.matmul`` (about 2·size flops per crop value);
  - crops much wider than the output, when they shrink ('area', 'block'): an output column is
    a partial pixel, a run of whole pixels of one weight and a partial pixel, so the runs are
    summed exactly in integers from running sums along each row, and only three weights are
    applied per output column (one integer add per crop value; see :func:`row_spans`).
* **Down the columns** the values are no longer whole numbers, so the taps are summed one at a
  time in OpenCV's order, vectorised over every crop and pixel.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from .resize import area_linear_weights, area_spans, area_weights, resize_area, resize_regime

BATCH_VALUES = 1 << 18  # pixel values gathered per batch: keeps the working arrays in cache
LADDER = 1.25           # crops are padded up to sizes 1.25× apart, so that few batches remain
MAX_SHRINK = 1000       # the exactness argument of row_matrix holds up to this shrink factor
SUMS_FROM = 4           # batches this many times wider than the output: row pass by run sums


def crop_sizes(boxes: np.ndarray) -> tuple:
    """(heights, widths) int64 of fixed boxes: ``y2 − y1 + 1``, ``x2 − x1 + 1``."""
    heights = (boxes[:, 3] - boxes[:, 1] + 1).astype(np.int64)
    widths = (boxes[:, 2] - boxes[:, 0] + 1).astype(np.int64)
    return heights, widths


def padded_crops(image: np.ndarray, boxes: np.ndarray, height: int, width: int) -> np.ndarray:
    """Cut ``height × width`` crops at the boxes' top-left corners, zeros outside the image.

    image : (H, W, 3) uint8. boxes : (K, 4) whole-number float64, all of this crop size.
    Returns (K, height, width, 3) float64 — float64 because the canonical port resized
    ``np.zeros(...)`` (float64) arrays, and the resampling rounds differently in float32.
    """
    rows = boxes[:, 1, None].astype(np.int64) - 1 + np.arange(height)   # (K, height) 0-based
    cols = boxes[:, 0, None].astype(np.int64) - 1 + np.arange(width)    # (K, width)
    crops = gather_pixels(image, rows[:, :, None], cols[:, None, :])  # (K, height, width, 3)
    return crops.astype(np.float64)


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

    'area' and 'linear' are ``resize.py``'s weight tables; their padding taps (weight 0, after
    the real ones) add +0 to a finite sum, which changes nothing. 'block' (an integer factor k)
    is k taps of weight 1: OpenCV sums the block and multiplies by 1/k² once at the end (see
    :func:`crop_and_resize`). 'copy' is one tap of weight 1. Cached: treat as read-only.
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


def crop_and_resize(image: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """Every box's padded crop, resized to ``size × size`` with area averaging.

    image : (H, W, 3) uint8. boxes : (K, 4) fixed (whole-number) boxes with width, height ≥ 1.
    Returns (K, size, size, 3) float64, not normalised, not rounded — equal, bit for bit, to
    ``resize_area(padded_crops(...), size, size)`` for each crop.

    Crops are batched by size, rounded up to a ladder of sizes ``LADDER`` × apart; within a batch
    each crop has its own tables, and a crop's pixels beyond its own size get weight 0. Batches
    at least ``SUMS_FROM`` × wider than the output, of shrinking crops, take their row pass from
    run sums (:func:`row_spans`), the others from a matrix product (:func:`row_matrix`). The
    Python loops run over batches, distinct crop sizes and taps, never over boxes.
    """
    out = np.empty((len(boxes), size, size, 3), dtype=np.float64)
    image = np.ascontiguousarray(image)            # (see _cut: pixels of a row are adjacent)
    heights, widths = crop_sizes(boxes)
    huge = np.maximum(heights, widths) > MAX_SHRINK * size
    sizes = np.column_stack([heights, widths])
    for (h, w), group in _groups(sizes, np.flatnonzero(huge)):      # giant crops: rare, exact
        h, w = int(h), int(w)
        out[group] = resize_area(padded_crops(image, boxes[group], h, w), size, size)
    padded = _batch_sizes(heights, widths)                            # (K, 2) batch sizes
    # OpenCV interpolates ('linear') when a side is below the output size: no runs then.
    by_sums = (np.minimum(heights, widths) >= size) & (padded[:, 1] >= SUMS_FROM * size)
    keys = np.column_stack([padded, by_sums])                        # (K, 3) batch keys
    for key, members in _groups(keys, np.flatnonzero(~huge)):
        hb, wb, sums = (int(value) for value in key)
        step = max(1, BATCH_VALUES // (hb * wb * 3))
        for start in range(0, len(members), step):
            part = members[start:start + step]
            out[part] = _resize_batch(image, boxes[part], heights[part], widths[part],
                                      (hb, wb), size, bool(sums))
    return out


def _groups(keys: np.ndarray, selected: np.ndarray) -> list:
    """[(key, indices)] of the selected rows of ``keys`` (K, n), grouped by equal rows; indices
    ascending within a group. One sort instead of a pass over all rows per key."""
    distinct, which = np.unique(keys[selected], axis=0, return_inverse=True)
    order = np.argsort(which.reshape(-1), kind="stable")
    bounds = np.searchsorted(which.reshape(-1)[order], np.arange(len(distinct) + 1))
    return [(key, selected[order[lo:hi]]) for key, lo, hi in zip(distinct, bounds[:-1],
                                                                  bounds[1:])]


def _batch_sizes(heights: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """(K, 2) int64 batch (height, width) of each crop: its sizes rounded up the ladder, so
    that few batches remain — or its own sizes where the rounded crop exceeds BATCH_VALUES:
    it is resized alone then, and padding would only add work."""
    padded = np.stack([_ladder(heights), _ladder(widths)], axis=1)
    alone = padded[:, 0] * padded[:, 1] * 3 > BATCH_VALUES
    padded[alone] = np.stack([heights[alone], widths[alone]], axis=1)
    return padded


def _ladder(sizes: np.ndarray) -> np.ndarray:
    """Round each size up to the next of 1, 2, 3, 4, 5, 7, 9, 12, …: ⌈LADDER^j⌉ (≥ the size)."""
    steps = np.ceil(np.log(sizes) / np.log(LADDER) - 1e-9)
    return np.maximum(np.ceil(LADDER ** steps), sizes).astype(np.int64)


def _resize_batch(image: np.ndarray, boxes: np.ndarray, heights: np.ndarray,
                  widths: np.ndarray, batch: tuple, size: int, by_sums: bool) -> np.ndarray:
    """Resize K crops, each at most batch = (hb, wb), to size × size.

    by_sums: the row pass from run sums (every crop must shrink), else by matrix products.
    Returns (K, size, size, 3) float64.
    """
    (hb, wb), k = batch, len(boxes)
    pairs, regimes, which = _distinct_sizes(heights, widths, size)
    row_taps, scales = _column_tables(pairs, regimes, size)
    top, left = boxes[:, 1].astype(np.int64) - 1, boxes[:, 0].astype(np.int64) - 1
    # 1. along the rows: exact in any order (see row_matrix, row_spans).
    if by_sums:
        spans = _stack_spans(pairs, regimes, size)
        h = _row_pass_sums(image, top, left, hb, wb, RowSpans(*(a[which] for a in spans)))
    else:
        h = _row_pass(image, top, left, hb, _stack_matrices(pairs, regimes, wb, size)[which])
    # 2. down the columns: out = Σ_t wy_t · h[iy_t], one tap at a time, in OpenCV's order.
    index, weight = row_taps.index[which], row_taps.weight[which]      # (K, size, T)
    crop = np.arange(k)[:, None]
    out = h[crop, index[:, :, 0]] * weight[:, :, 0, None, None]        # (K, size, 3, size)
    for t in range(1, index.shape[2]):
        out += h[crop, index[:, :, t]] * weight[:, :, t, None, None]
    scale = scales[which]
    if (scale != 1).any():                       # block averages: sum · float32(1 / area)
        out *= scale[:, None, None, None]
    return out.transpose(0, 1, 3, 2)                                   # (K, size, size, 3)


def _cut_rows(image: np.ndarray, top: np.ndarray, left: np.ndarray, start: np.ndarray | None,
              rows: int, wb: int) -> np.ndarray:
    """``rows`` rows × wb columns of each crop from row ``top``: (K, rows, wb, 3) uint8.

    With ``start`` (blocks inside the image, see _cut) the block at column ``start``, without
    (crops wider than the image) the crop's own columns, zeros outside the image. A lone crop
    whose rows are all inside the image is a view of it: no copy at all.
    """
    if start is None:
        ys, xs = top[:, None] + np.arange(rows), left[:, None] + np.arange(wb)
        return gather_pixels(image, ys[:, :, None], xs[:, None, :])
    if len(top) == 1 and 0 <= top[0] and top[0] + rows <= image.shape[0]:
        y, x = int(top[0]), int(start[0])
        return image[None, y:y + rows, x:x + wb]
    return _cut(image, top, start, rows, wb)


def _block_starts(left: np.ndarray, wb: int, img_w: int) -> np.ndarray | None:
    """Where _cut reads each crop's wb columns: moved inside the image; None if wb > img_w."""
    return np.clip(left, 0, img_w - wb) if wb <= img_w else None


def _row_pass(image: np.ndarray, top: np.ndarray, left: np.ndarray, hb: int,
              matrices: np.ndarray) -> np.ndarray:
    """Each crop's hb rows times its (wb, size) matrix: returns (K, hb, 3, size) float64.

    The pixels are cut and converted band by band, at most BATCH_VALUES at a time, so that a
    single giant crop never needs a giant float64 copy. Each band's rows become (rows·3, wb)
    float64, channels before columns.
    """
    k, wb, size = matrices.shape
    start = _block_starts(left, wb, image.shape[1])
    if start is not None:
        matrices = _shift_rows(matrices, left - start)
    h = np.empty((k, hb, 3, size))
    band = max(1, BATCH_VALUES // (k * wb * 3))
    for first in range(0, hb, band):
        rows = min(band, hb - first)
        pixels = _cut_rows(image, top + first, left, start, rows, wb)  # (K, rows, wb, 3)
        flat = np.asarray(pixels.transpose(0, 1, 3, 2), dtype=np.float64, order="C")
        flat = flat.reshape(k, rows * 3, wb)                           # (K, rows·3, wb)
        h[:, first:first + rows] = np.matmul(flat, matrices).reshape(k, rows, 3, size)
    return h


def _row_pass_sums(image: np.ndarray, top: np.ndarray, left: np.ndarray, hb: int, wb: int,
                   spans: RowSpans) -> np.ndarray:
    """Each crop's hb rows resized from run sums: returns (K, hb, 3, size) float64.

    spans : RowSpans of (K, 4, size) ends and (K, 3, size) weights, one per crop (row_spans).
    Band by band (at most BATCH_VALUES pixel values), each row and channel of the pixels cut
    for a crop (_cut_rows) gets exact integer running sums P, P[0] = 0, read at the run ends.
    The ends are moved to the columns of the block cut for the crop (see _cut) and clipped to
    0 … wb: a crop's columns outside the image are exactly those that then fall outside the
    block, so their pieces become empty sums — the zeros the crop holds there. No piece reads
    a block column that is not the crop's (the ladder's padding columns, for instance).
    """
    k, _, size = spans.ends.shape
    start = _block_starts(left, wb, image.shape[1])
    shift = np.zeros_like(left) if start is None else left - start
    ends = np.clip(spans.ends + shift[:, None, None], 0, wb).reshape(k, 4 * size)
    weight = spans.weight[..., None]                                   # (K, 3, size, 1)
    exact = np.int32 if 255 * wb < 2 ** 31 else np.int64              # no overflow in P
    crop = np.arange(k)[:, None]
    h = np.empty((k, hb, 3, size))
    band = max(1, BATCH_VALUES // (k * wb * 3))
    running = np.zeros((k * min(band, hb) * 3, wb + 1), dtype=exact)  # [:, 0] stays 0
    for first in range(0, hb, band):
        rows = min(band, hb - first)
        pixels = _cut_rows(image, top + first, left, start, rows, wb)  # (K, rows, wb, 3)
        sums = running[:k * rows * 3].reshape(k, rows, 3, wb + 1)
        # Along each channel's row straight from the pixels' strides: no reordering pass.
        np.cumsum(pixels.transpose(0, 1, 3, 2), axis=3, dtype=exact, out=sums[..., 1:])
        sums = sums.reshape(k, rows * 3, wb + 1)
        # P at the ends: (K, 4·size, rows·3) in one indexing (take_along_axis: ~8× slower).
        at = sums[crop, :, ends].reshape(k, 4, size, rows * 3)
        terms = np.diff(at, axis=1) * weight       # partial pixel, run, partial pixel: float64
        total = terms[:, 0] + terms[:, 1] + terms[:, 2]                # (K, size, rows·3)
        h[:, first:first + rows] = total.reshape(k, size, rows, 3).transpose(0, 2, 3, 1)
    return h


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


def _cut(image: np.ndarray, top: np.ndarray, start: np.ndarray, hb: int, wb: int
         ) -> np.ndarray:
    """Blocks of hb rows × wb columns at (top, start), 0-based; rows outside the image are 0.

    ``start`` must keep every block inside the image horizontally (0 ≤ start ≤ W − wb): a crop
    that crosses the left or right border is read from a block moved inside, and its row-pass
    matrix or its run ends are shifted to match (:func:`_shift_rows`, :func:`_row_pass_sums`).
    Each block row is one contiguous run of wb·C bytes of an image row, read through a strided
    view of every such run (no copy) and copied whole. Returns (K, hb, wb, C) of the image's
    dtype.
    """
    img_h, img_w, channels = image.shape
    rows = top[:, None] + np.arange(hb)                                # (K, hb) image rows
    step_y, step_x, step_c = image.strides
    runs = np.lib.stride_tricks.as_strided(                            # (H, W − wb + 1, wb·C)
        image, (img_h, img_w - wb + 1, wb * channels), (step_y, step_x, step_c),
        writeable=False)
    blocks = runs[np.clip(rows, 0, img_h - 1), start[:, None]]         # (K, hb, wb·C)
    blocks = blocks.reshape(len(top), hb, wb, channels)
    blocks[(rows < 0) | (rows >= img_h)] = 0
    return blocks


def _shift_rows(matrices: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Row-pass matrices (K, wb, size) for blocks read ``shift = left − start`` columns off
    (see _cut).

    Block column i holds the crop's column i − shift, so ``M'[i] = M[i − shift]``; block
    columns that hold no column of the crop get weight 0. The crop's columns outside the
    image drop out, which changes nothing: they were zeros. The sums keep the same non-zero
    terms, so they stay exact (see row_matrix).
    """
    moved = np.flatnonzero(shift)
    if moved.size:
        matrices = matrices.copy()
        source = np.arange(matrices.shape[1]) - shift[moved, None]    # (n, wb) crop columns
        valid = (source >= 0) & (source < matrices.shape[1])
        picked = matrices[moved[:, None], np.clip(source, 0, matrices.shape[1] - 1)]
        matrices[moved] = picked * valid[:, :, None]
    return matrices


def gather_pixels(image: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """image[rows, cols], 0 where (rows, cols) is outside the image.

    rows, cols : integer arrays that broadcast together to shape S → returns ``(*S, C)``, the
    image's dtype.
    """
    img_h, img_w, channels = image.shape
    # Clip the (small) per-axis indices so that every read is valid, then zero what lies
    # outside. np.take along axis 0 of the (H·W, C) pixel list is ~4× faster than image[r, c].
    flat = np.clip(rows, 0, img_h - 1) * img_w + np.clip(cols, 0, img_w - 1)
    values = np.take(image.reshape(-1, channels), flat, axis=0)
    inside_rows = (rows >= 0) & (rows < img_h)
    inside_cols = (cols >= 0) & (cols < img_w)
    if not (inside_rows.all() and inside_cols.all()):
        values *= (inside_rows & inside_cols)[..., None].astype(values.dtype)
    return values
