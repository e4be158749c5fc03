"""Area resampling (OpenCV's ``cv2.resize(..., interpolation=cv2.INTER_AREA)``), in NumPy.

**The idea** — read :func:`~mtcnn_np.resize.reference.resize_area_reference` first: each output
pixel is the mean of the input area its cell covers, partly covered pixels weighted by the
overlap. Per axis that is an (out, in) weight matrix whose rows sum to 1, so a resize is
``Wy @ X @ Wx.T``. On the pyramid levels of photos that reading agrees with the fast path below
within 1 grey level on at most 0.5 % of the pixels (stated and tested in ``reference.py``).

**Why more than that** — the canonical MTCNN port resizes pyramid levels (uint8) and R/O-Net
crops (float64) with INTER_AREA, and a difference of 1 grey level here and there changes a face
count now and then — and where OpenCV takes its own shortcuts (2×2 blocks rounded half up,
enlarging uint8 images in fixed point) 4–12 % of the bytes of the stored test cases differ.
So :func:`resize_area` repeats OpenCV's arithmetic step by step (the measured rules are in
``shared/RESIZE.md``). OpenCV picks a regime from the scales
``scale = 1 / (dst / src)`` of the two axes:

* **A, "block"** — both axes shrink by an exact integer factor: average each ky × kx block.
* **B, "area"** — both axes shrink otherwise: each destination pixel averages the source pixels
  under its footprint, weighted by the overlap. Separable: along the rows first, then down.
* **C, "linear"** — some axis enlarges: two-tap "area-linear" interpolation on *both* axes.

Same size is a copy. The arithmetic is OpenCV's: float32 weights, float32 working values for
uint8 and float32 images and float64 for float64 images, one rounding per product and per add
(no FMA, no reordering), and OpenCV's rounding to uint8.

**Where the fast path lives** (one job per module):

* ``weights.py`` — the regime of a size pair, and each axis' taps and float32 weights;
* ``separable.py`` — weighted tap sums along the rows, then down, in cache-sized bands;
* ``opencv.py`` — regimes A, B and C with OpenCV's order of operations and rounding;
* ``sums.py`` — a shortcut to the same bytes for uint8 images shrunk ≥ 4× (pyramid levels far
  down): true area averages from exact integer sums of pixel runs, OpenCV's float32 arithmetic
  replayed only on the few pixels within its error bound of a rounding tie;
* ``reference.py`` — the weight-matrix reading above.

Everything is vectorised over images, rows and columns; the only Python loops run over the few
taps of an axis and over cache-sized bands of rows or images. Axis order everywhere: (N, H, W, C)
= images, rows, columns, channels; a row is handled as one "flat row" of W·C values, so gathering
columns is a plain 1-D ``take``.

Results equal OpenCV's under ``np.array_equal`` (NaN positions too); the sign of a zero result is
not guaranteed. OpenCV refuses more than 4 channels; here any channel count works, each channel
treated like the channels of a 2-channel image. No module keeps mutable state between calls:
the weight tables are cached read-only, the work arrays are made per call.
"""

from __future__ import annotations

import operator

import numpy as np

from .opencv import _resize_area, _resize_block, _resize_linear
from .reference import area_matrix, resize_area_reference
from .weights import (
    AreaSpans,
    AreaTaps,
    LinearTaps,
    _block_factor,
    area_linear_weights,
    area_spans,
    area_weights,
    resize_regime,
)

__all__ = [
    "AreaSpans",
    "AreaTaps",
    "LinearTaps",
    "area_linear_weights",
    "area_matrix",
    "area_spans",
    "area_weights",
    "resize_area",
    "resize_area_reference",
    "resize_regime",
]

_SUPPORTED = (np.dtype(np.uint8), np.dtype(np.float32), np.dtype(np.float64))


def _check(image: np.ndarray, out_h: int, out_w: int) -> tuple[np.ndarray, int, int]:
    """Validate the arguments; return the image as (N, H, W, C) and the integer output size."""
    try:
        out_h, out_w = operator.index(out_h), operator.index(out_w)
    except TypeError:
        raise ValueError(f"out_h and out_w must be integers, got {out_h!r}, {out_w!r}") from None
    if out_h < 1 or out_w < 1:
        raise ValueError(f"output size must be at least 1×1, got {out_h}×{out_w}")
    image = np.asarray(image)
    if image.ndim not in (3, 4):
        raise ValueError(f"image must be (H, W, C) or (N, H, W, C), got shape {image.shape}")
    if image.dtype not in _SUPPORTED:
        raise ValueError(f"unsupported dtype {image.dtype}: use uint8, float32 or float64")
    if image.size == 0:
        raise ValueError(f"empty image, shape {image.shape}")
    return (image if image.ndim == 4 else image[None]), out_h, out_w


def resize_area(image: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Resize like ``cv2.resize(image, (out_w, out_h), interpolation=cv2.INTER_AREA)``, exactly.

    image : (H, W, C) or (N, H, W, C), dtype uint8, float32 or float64, any channel count.
    Returns (out_h, out_w, C) or (N, out_h, out_w, C) of the same dtype, equal element for element
    to OpenCV's result for each image. Raises ValueError for an output size below 1, an empty
    image, or an unsupported dtype or number of dimensions.
    """
    x, out_h, out_w = _check(image, out_h, out_w)
    n, h, w, c = x.shape
    regime = resize_regime((h, w), (out_h, out_w))
    with np.errstate(invalid="ignore", over="ignore"):   # inf and NaN propagate silently, as in C
        if regime == "copy":
            out = x.copy()
        elif regime == "block":
            out = _resize_block(x, _block_factor(h, out_h), _block_factor(w, out_w))
        else:
            out = np.empty((n, out_h, out_w, c), dtype=x.dtype)
            (_resize_area if regime == "area" else _resize_linear)(x, out)
    return out if image.ndim == 4 else out[0]
