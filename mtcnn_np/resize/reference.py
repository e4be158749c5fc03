"""Area resampling as a weight matrix product: the reading to start from.

Output pixel d of an axis covers the cell [d·s, (d+1)·s) of the input, s = in / out pixels, and
is the mean of the input over that cell: each input pixel i = [i, i+1) counts with the fraction
of the cell it covers. Those fractions form an (out, in) matrix W whose rows sum to 1, and
because the mean over a rectangle is the mean of the row means, a resize is two matrix products,
``Y = Wy @ X @ Wx.T`` (per channel). :func:`resize_area_reference` is exactly that — short,
plain NumPy, no speed tricks (dense matrices: fine for a photo, not for a pyramid every frame).

The fast path, :func:`mtcnn_np.resize.resize_area`, gives OpenCV's INTER_AREA bytes instead: the
same weights rounded to float32 (overlaps of at most 1e-3 px dropped), sums rounded in float32
in OpenCV's order, and OpenCV's own rules for integer factors and for enlarging. How far apart
the two are, measured on the bundled photos (``tests/test_resize_reference.py``):

* uint8 pyramid levels (both axes shrink, not by an integer factor): at most 1 grey level, on
  at most 0.5 % of pixels (measured on every level of every bundled photo: at most 0.15 %). A
  byte differs where the true mean lies near a half-integer, and OpenCV's float32 weights and
  sums tip it the other way;
* an exact factor of 2 (OpenCV's block average): the same means, exactly; OpenCV's 2×2 uint8
  code rounds halves up where ``np.rint`` rounds them to even — 8–13 % of the bytes of a photo
  differ by 1 for that reason alone, and nothing else differs;
* the weights themselves: OpenCV's shrinking tables are these overlaps to float32 rounding,
  except overlaps of at most 1e-3 px, which it drops. On an enlarging axis a cell covers at
  most two pixels, and OpenCV's "area-linear" weights (1 − f, f) are its overlaps too — for
  the crop sizes 24 and 48 always; for some other sizes (e.g. 2 → 98) OpenCV's float64
  ``floor(d · scale)`` falls one pixel short of a cell that starts exactly on a pixel border;
* float64 crops: see ``mtcnn_np.crops.reference``.

Not covered: when one axis enlarges and the other shrinks, OpenCV interpolates the shrinking
axis with two taps too (regime C, see the package docstring), which is not an area mean. The
pyramid never does that, and neither do the detector's crops (square boxes, whose sides differ
only by the rounding to whole pixels).
"""

from __future__ import annotations

import numpy as np

__all__ = ["area_matrix", "resize_area_reference"]


def area_matrix(src: int | np.ndarray, dst: int, columns: int | None = None) -> np.ndarray:
    """The area weights of one axis: ``W[d, i]`` = fraction of output cell d covered by pixel i.

    src : number of input pixels, an int, or a (K,) int array for K axes at once.
    dst : number of output pixels. columns : width of the matrix, ≥ src (default: max of src);
    weights of the columns i ≥ src are 0.
    Returns (dst, columns) float64, or (K, dst, columns) for an array ``src``; each row sums to 1.
    """
    src = np.asarray(src, dtype=np.float64)[..., None, None]                # (..., 1, 1)
    columns = int(src.max()) if columns is None else columns
    edges = np.arange(dst + 1)[:, None] * src / dst        # cell borders; the last one is src
    low, high = edges[..., :-1, :], edges[..., 1:, :]      # (..., dst, 1)
    pixel = np.arange(columns)                             # pixel i covers [i, i + 1)
    overlap = np.minimum(high, pixel + 1) - np.maximum(low, pixel)
    return np.maximum(overlap, 0) / (high - low)


def resize_area_reference(image: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Area resampling by two matrix products, ``Wy @ X @ Wx.T`` (see the module docstring).

    image : (H, W, C) or (N, H, W, C) of any real dtype. Returns (out_h, out_w, C) or
    (N, out_h, out_w, C) of the image's dtype: uint8 rounded half to even and clipped to
    0…255, floats as computed (in float64). Raises ValueError for other shapes or sizes < 1.
    """
    image = np.asarray(image)
    if image.ndim not in (3, 4) or image.size == 0 or min(out_h, out_w) < 1:
        raise ValueError(f"need an (H, W, C) or (N, H, W, C) image and out_h, out_w ≥ 1, got "
                         f"shape {image.shape} → {out_h}×{out_w}")
    *lead, h, w, c = image.shape
    wy, wx = area_matrix(h, out_h), area_matrix(w, out_w)                 # (out, in) each
    pixels = image.astype(np.float64).reshape(*lead, h, w * c)
    rows = wy @ pixels                                     # (..., out_h, W·C): means down
    out = wx @ rows.reshape(*lead, out_h, w, c)            # (..., out_h, out_w, C): across
    if image.dtype == np.uint8:
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return out.astype(image.dtype)
