"""Cut each box out of the image, zero-padded where it leaves the image, resized for R-Net/O-Net.

Convention (canonical, from the Matlab original): a fixed box ``[x1, y1, x2, y2]`` names the
**1-based** inclusive pixel range x1..x2, y1..y2. In 0-based NumPy terms the crop is
``image[y1−1 : y2, x1−1 : x2]`` and has ``(y2−y1+1) × (x2−x1+1)`` pixels. Where it leaves the
image it is filled with zeros (black), which lowers R/O-Net scores for faces cut by the border —
a faithful port keeps that.

**The idea** — read :func:`~mtcnn_np.crops.reference.crop_and_resize_reference` first: all crops
gathered at once through index grids (zeros outside the image), then each resized with area
weights as two matrix products. It agrees with the fast path within 1e-4 grey levels.

**Where the fast path lives** (one job per module):

* ``gather.py`` — index grids and zero padding (:func:`padded_crops`, :func:`gather_pixels`), and
  reading blocks of rows moved inside the image;
* ``taps.py`` — each axis' OpenCV taps for a crop size, the row pass as a matrix or as runs of
  pixels, and why either gives OpenCV's bits in any summation order;
* ``batches.py`` — :func:`crop_and_resize`: crops of many sizes resized in batches, equal bit
  for bit to ``resize_area(padded_crops(...))`` crop by crop (the canonical port);
* ``reference.py`` — the reading above.
"""

from __future__ import annotations

from .batches import crop_and_resize
from .gather import crop_sizes, gather_pixels, padded_crops
from .reference import crop_and_resize_reference
from .taps import RowSpans, Taps, axis_taps, row_matrix, row_spans

__all__ = [
    "RowSpans",
    "Taps",
    "axis_taps",
    "crop_and_resize",
    "crop_and_resize_reference",
    "crop_sizes",
    "gather_pixels",
    "padded_crops",
    "row_matrix",
    "row_spans",
]
