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
  :func:`row_matrix`), so the summation order cannot matter: it is one matrix product per crop,
  ``crop rows (h·3, w) @ W (w, size)``, batched with ``np.matmul``.
* **Down the columns** the values are no longer whole numbers, so the taps are summed one at a
  time in OpenCV's order, vectorised over every crop and pixel.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from .resize import area_linear_weights, area_weights, resize_area, resize_regime

BATCH_VALUES = 1 << 18  # pixel values gathered per batch: keeps the working arrays in cache
LADDER = 1.25           # crops are padded up to sizes 1.25× apart, so that few batches remain
MAX_SHRINK = 1000       # the exactness argument of row_matrix holds up to this shrink factor


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


def crop_and_resize(image: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """Every box's padded crop, resized to ``size × size`` with area averaging.

    image : (H, W, 3) uint8. boxes : (K, 4) fixed (whole-number) boxes with width, height ≥ 1.
    Returns (K, size, size, 3) float64, not normalised, not rounded — equal, bit for bit, to
    ``resize_area(padded_crops(...), size, size)`` for each crop.

    Crops are batched by size, rounded up to a ladder of sizes ``LADDER``× apart; within a batch
    each crop has its own tables, and a crop's pixels beyond its own size get weight 0. The
    Python loops run over batches, distinct crop sizes and taps, never over boxes.
    """
    out = np.empty((len(boxes), size, size, 3), dtype=np.float64)
    image = np.ascontiguousarray(image)            # (see _cut: pixels of a row are adjacent)
    heights, widths = crop_sizes(boxes)
    huge = np.maximum(heights, widths) > MAX_SHRINK * size
    for group in _same_size_groups(heights, widths, huge):      # giant crops: rare, exact
        h, w = int(heights[group[0]]), int(widths[group[0]])
        out[group] = resize_area(padded_crops(image, boxes[group], h, w), size, size)
    padded = np.stack([_ladder(heights), _ladder(widths)], axis=1)   # (K, 2) batch sizes
    for hb, wb in np.unique(padded[~huge], axis=0):
        members = np.flatnonzero(~huge & (padded[:, 0] == hb) & (padded[:, 1] == wb))
        step = max(1, BATCH_VALUES // int(hb * wb * 3))
        for start in range(0, len(members), step):
            part = members[start:start + step]
            out[part] = _resize_batch(image, boxes[part], heights[part], widths[part],
                                      int(hb), int(wb), size)
    return out


def _ladder(sizes: np.ndarray) -> np.ndarray:
    """Round each size up to the next of 1, 2, 3, 4, 5, 7, 9, 12, …: ⌈LADDER^j⌉ (≥ the size)."""
    steps = np.ceil(np.log(sizes) / np.log(LADDER) - 1e-9)
    return np.maximum(np.ceil(LADDER ** steps), sizes).astype(np.int64)


def _same_size_groups(heights: np.ndarray, widths: np.ndarray, selected: np.ndarray) -> list:
    """Indices of the selected boxes, grouped by (height, width)."""
    index = np.flatnonzero(selected)
    keys = heights[index] * (widths.max(initial=0) + 1) + widths[index]
    return [index[keys == key] for key in np.unique(keys)]


def _resize_batch(image: np.ndarray, boxes: np.ndarray, heights: np.ndarray,
                  widths: np.ndarray, hb: int, wb: int, size: int) -> np.ndarray:
    """Resize K crops, each at most hb × wb, to size × size.

    Returns (K, size, size, 3) float64.
    """
    k = len(boxes)
    matrices, row_taps, scales, which = _batch_tables(heights, widths, wb, size)
    top, left = boxes[:, 1].astype(np.int64) - 1, boxes[:, 0].astype(np.int64) - 1
    # 1. along the rows: one matrix product per crop (exact, see row_matrix).
    h = _row_pass(image, top, left, hb, matrices[which])               # (K, hb, 3, size)
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
    float64, channels before columns, in a single conversion pass.
    """
    k, wb, size = matrices.shape
    img_w = image.shape[1]
    inside = wb <= img_w                    # else: crops wider than the image, pixel by pixel
    if inside:
        start = np.clip(left, 0, img_w - wb)                           # see _cut
        matrices = _shift_rows(matrices, left - start)
    h = np.empty((k, hb, 3, size))
    band = max(1, BATCH_VALUES // (k * wb * 3))
    for first in range(0, hb, band):
        rows = min(band, hb - first)
        if inside:
            pixels = _cut(image, top + first, start, rows, wb)          # (K, rows, wb, 3)
        else:
            ys, xs = top[:, None] + first + np.arange(rows), left[:, None] + np.arange(wb)
            pixels = gather_pixels(image, ys[:, :, None], xs[:, None, :])
        flat = np.asarray(pixels.transpose(0, 1, 3, 2), dtype=np.float64, order="C")
        flat = flat.reshape(k, rows * 3, wb)                           # (K, rows·3, wb)
        h[:, first:first + rows] = np.matmul(flat, matrices).reshape(k, rows, 3, size)
    return h


def _batch_tables(heights: np.ndarray, widths: np.ndarray, wb: int, size: int) -> tuple:
    """Tables of each distinct crop size in a batch, padded to common shapes.

    Returns (matrices (S, wb, size), row Taps (S, size, T), scales (S,), which (K,)): S distinct
    sizes, ``which`` maps each crop to its size. Matrix rows past a crop's width are 0; row
    taps are padded with weight-0 repeats of the last tap.
    """
    keys, which = np.unique(heights * (widths.max() + 1) + widths, return_inverse=True)
    pairs = [divmod(int(key), int(widths.max()) + 1) for key in keys]   # distinct (h, w)
    regimes = [resize_regime((h, w), (size, size)) for h, w in pairs]
    taps = [axis_taps(h, size, r, horizontal=False) for (h, _), r in zip(pairs, regimes)]
    depth = max(t.index.shape[1] for t in taps)
    matrices = np.zeros((len(pairs), wb, size))
    index = np.zeros((len(pairs), size, depth), dtype=np.int64)
    weight = np.zeros((len(pairs), size, depth))
    scales = np.ones(len(pairs))
    for s, ((h, w), regime, tap) in enumerate(zip(pairs, regimes, taps)):   # distinct sizes
        matrices[s, :w] = row_matrix(w, size, regime)
        count = tap.index.shape[1]
        index[s] = tap.index[:, -1:]
        index[s, :, :count] = tap.index
        weight[s, :, :count] = tap.weight
        if regime == "block":
            scales[s] = np.float32(1) / np.float32((h // size) * (w // size))
    return matrices, Taps(index, weight), scales, which.reshape(-1)


def _cut(image: np.ndarray, top: np.ndarray, start: np.ndarray, hb: int, wb: int
         ) -> np.ndarray:
    """Blocks of hb rows × wb columns at (top, start), 0-based; rows outside the image are 0.

    ``start`` must keep every block inside the image horizontally (0 ≤ start ≤ W − wb): a crop
    that crosses the left or right border is read from a block moved inside, and its row-pass
    matrix is shifted to match (:func:`_shift_rows`). Each block row is one contiguous run of
    wb·C bytes of an image row, read through a strided view of every such run (no copy) and
    copied whole. Returns (K, hb, wb, C) of the image's dtype.
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

    rows, cols : integer arrays that broadcast together to shape S → returns (*S, C), the
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
