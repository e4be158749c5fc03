"""Cut each box out of the image, zero-padded where it leaves the image, resized for R-Net/O-Net.

Convention (canonical, from the Matlab original): a fixed box ``[x1, y1, x2, y2]`` names the
**1-based** inclusive pixel range x1..x2, y1..y2. In 0-based NumPy terms the crop is
``image[y1−1 : y2, x1−1 : x2]`` and has ``(y2−y1+1) × (x2−x1+1)`` pixels. Where it leaves the
image it is filled with zeros (black), which lowers R/O-Net scores for faces cut by the border —
a faithful port keeps that.
"""

from __future__ import annotations

import numpy as np

from .resize import resize_area


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
    img_h, img_w = image.shape[:2]
    rows = boxes[:, 1, None].astype(np.int64) - 1 + np.arange(height)   # (K, height) 0-based
    cols = boxes[:, 0, None].astype(np.int64) - 1 + np.arange(width)    # (K, width)
    inside = ((rows >= 0) & (rows < img_h))[:, :, None] & ((cols >= 0) & (cols < img_w))[:, None, :]
    # Gather with clipped indices (always valid), then zero what lies outside the image.
    crops = image[np.clip(rows, 0, img_h - 1)[:, :, None], np.clip(cols, 0, img_w - 1)[:, None, :]]
    crops = crops.astype(np.float64)                                     # (K, height, width, 3)
    crops[~inside] = 0.0
    return crops


def crop_and_resize(image: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """Every box's padded crop, resized to ``size × size`` with area averaging.

    image : (H, W, 3) uint8. boxes : (K, 4) fixed (whole-number) boxes with width, height ≥ 1.
    Returns (K, size, size, 3) float64, not normalised, not rounded.

    Crops are grouped by their size, so each group is one vectorised gather and one batched
    resize (the resampling weights depend only on the sizes).
    """
    out = np.empty((len(boxes), size, size, 3), dtype=np.float64)
    heights, widths = crop_sizes(boxes)
    for h, w in sorted(set(zip(heights.tolist(), widths.tolist()))):
        group = np.flatnonzero((heights == h) & (widths == w))
        out[group] = resize_area(padded_crops(image, boxes[group], h, w), size, size)
    return out
