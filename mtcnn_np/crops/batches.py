"""The batched resize of many crops of different sizes at once, to OpenCV's bits.

The canonical port cuts each crop into a float64 array and resizes it with OpenCV's INTER_AREA
(``resize.resize_area``). Here a whole batch of crops of different sizes is resized at once, to
the same bits, using the fact that a resize is separable (rows first, then columns):

* **Along the rows**, each output column is a weighted sum of whole-number pixels with float32
  weights. Every product is exact in float64 and so is every partial sum (see
  ``taps.row_matrix``), so the summation order cannot matter. Two ways use that:

  - narrow crops: one matrix product per crop, ``crop rows (h·3, w) @ W (w, size)``, batched
    with ``np.matmul`` (about 2·size flops per crop value);
  - crops much wider than the output, when they shrink ('area', 'block'): an output column is
    a partial pixel, a run of whole pixels of one weight and a partial pixel, so the runs are
    summed exactly in integers from running sums along each row, and only three weights are
    applied per output column (one integer add per crop value; see ``taps.row_spans``).
* **Down the columns** the values are no longer whole numbers, so the taps are summed one at a
  time in OpenCV's order, vectorised over every crop and pixel.

The knobs below are module constants that tests patch here (``mtcnn_np.crops.batches``). Work
arrays are made per call: concurrent calls from several threads share nothing mutable.
"""

from __future__ import annotations

import numpy as np

from ..resize import resize_area
from .gather import _block_starts, _cut_rows, _shift_rows, crop_sizes, padded_crops
from .taps import RowSpans, _column_tables, _distinct_sizes, _stack_matrices, _stack_spans

BATCH_VALUES = 1 << 18  # pixel values gathered per batch: keeps the working arrays in cache
LADDER = 1.25           # crops are padded up to sizes 1.25× apart, so that few batches remain
MAX_SHRINK = 1000       # the exactness argument of row_matrix holds up to this shrink factor
SUMS_FROM = 4           # batches this many times wider than the output: row pass by run sums


def crop_and_resize(image: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """Every box's padded crop, resized to ``size × size`` with area averaging.

    image : (H, W, 3) uint8. boxes : (K, 4) fixed (whole-number) boxes with width, height ≥ 1.
    Returns (K, size, size, 3) float64, not normalised, not rounded — equal, bit for bit, to
    ``resize_area(padded_crops(...), size, size)`` for each crop.

    Crops are batched by size, rounded up to a ladder of sizes ``LADDER`` × apart; within a batch
    each crop has its own tables, and a crop's pixels beyond its own size get weight 0. Batches
    at least ``SUMS_FROM`` × wider than the output, of shrinking crops, take their row pass from
    run sums (``taps.row_spans``), the others from a matrix product (``taps.row_matrix``). The
    Python loops run over batches, distinct crop sizes and taps, never over boxes.
    """
    out = np.empty((len(boxes), size, size, 3), dtype=np.float64)
    image = np.ascontiguousarray(image)            # (see gather._cut: pixels of a row are adjacent)
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
    The ends are moved to the columns of the block cut for the crop (see gather._cut) and clipped to
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
