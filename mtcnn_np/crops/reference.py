"""The crops as one loop-free gather and a weight-matrix resize: the reading to start from.

Every box's crop is read at once through index grids — rows ``y1 − 1 + i`` and columns
``x1 − 1 + j`` of the image, clipped so that every read is valid, then zeroed where the grid
leaves the image — into one (K, max height, max width, 3) float64 array. Each crop is then
resized by the area-weight matrices of ``mtcnn_np.resize.reference`` (one per crop and axis,
zero past the crop's own size): ``Wy[k] @ crop[k] @ Wx[k].T``, two batched matrix products.

The fast path, :func:`mtcnn_np.crops.crop_and_resize`, gives the bits of the canonical port
(OpenCV's INTER_AREA on each float64 crop) without the padded array (see ``batches.py``). The
two agree within 1e-4 grey levels (measured on many random boxes of the bundled photos, inside,
across the borders and larger than the image: at most 3e-5) whenever both sides of a box shrink
or both enlarge to ``size``, which includes every box the detector makes: its boxes are square,
and their sides differ only by the rounding to whole pixels. A box with one side shorter and the
other longer than ``size`` is outside that statement: OpenCV then interpolates the long side
from two pixels per output pixel instead of averaging it (see ``mtcnn_np.resize.reference``),
and on random such boxes the two readings differed by up to 210 grey levels.
Memory: K × max height × max width × 3 float64 values — a reading, not for production.
"""

from __future__ import annotations

import numpy as np

from ..resize.reference import area_matrix
from .gather import crop_sizes

__all__ = ["crop_and_resize_reference"]


def crop_and_resize_reference(image: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """Every box's zero-padded crop, area-resized to ``size × size`` (see the module docstring).

    image : (H, W, 3) uint8. boxes : (K, 4) fixed boxes ``[x1, y1, x2, y2]``, whole numbers,
    1-based inclusive, width and height ≥ 1. Returns (K, size, size, 3) float64, not normalised,
    not rounded — like :func:`mtcnn_np.crops.crop_and_resize`.
    """
    boxes = np.asarray(boxes, dtype=np.float64)
    if boxes.ndim != 2 or boxes.shape[1] < 4 or len(boxes) == 0:
        raise ValueError(f"boxes must be (K, 4) with K ≥ 1, got shape {boxes.shape}")
    heights, widths = crop_sizes(boxes)
    if min(heights.min(), widths.min()) < 1:
        raise ValueError("every box needs x2 ≥ x1 and y2 ≥ y1")
    img_h, img_w = image.shape[:2]
    rows = boxes[:, 1, None].astype(np.int64) - 1 + np.arange(heights.max())   # (K, Hm)
    cols = boxes[:, 0, None].astype(np.int64) - 1 + np.arange(widths.max())    # (K, Wm)
    pixels = image[np.clip(rows, 0, img_h - 1)[:, :, None],
                   np.clip(cols, 0, img_w - 1)[:, None, :]]                     # (K, Hm, Wm, 3)
    inside = (((rows >= 0) & (rows < img_h))[:, :, None]
              & ((cols >= 0) & (cols < img_w))[:, None, :])                     # (K, Hm, Wm)
    crops = np.where(inside[..., None], pixels, 0).astype(np.float64)
    k, hm, wm, c = crops.shape
    wy = area_matrix(heights, size, hm)                    # (K, size, Hm)
    wx = area_matrix(widths, size, wm)                     # (K, size, Wm)
    down = wy @ crops.reshape(k, hm, wm * c)               # (K, size, Wm·3): means down
    return wx[:, None] @ down.reshape(k, size, wm, c)      # (K, size, size, 3): across
