"""Cutting crops out of the image: index grids, zero padding outside it, blocks moved inside.

The convention is the package's (``mtcnn_np.crops``): fixed boxes ``[x1, y1, x2, y2]`` name
1-based inclusive pixels, and a crop is zero where it leaves the image.
"""

from __future__ import annotations

import numpy as np


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


def _cut(image: np.ndarray, top: np.ndarray, start: np.ndarray, hb: int, wb: int
         ) -> np.ndarray:
    """Blocks of hb rows × wb columns at (top, start), 0-based; rows outside the image are 0.

    ``start`` must keep every block inside the image horizontally (0 ≤ start ≤ W − wb): a crop
    that crosses the left or right border is read from a block moved inside, and its row-pass
    matrix or its run ends are shifted to match (:func:`_shift_rows`, ``batches._row_pass_sums``).
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
