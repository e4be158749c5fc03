"""A cheap check that an array given as RGB is really OpenCV's BGR, and the warning it raises.

Skin is redder than it is blue under almost any light: across the faces the detector finds, the
chromaticity ``(R − B) / (R + G + B)`` of the central face patch is positive. Feed an OpenCV
frame as RGB and the red and blue channels swap places, so the faces it still finds come out
bluish. The check reads the faces already detected (no second detection), so it costs a few
means per face.

Measured with ``benchmarks/bgr_heuristic.py`` on 1,572 RGB photos (the bundled images, the dev
portraits and crowds, and the AFLW landmark crops): see ``docs/inputs.md``. Grayscale photos
give 0 and never warn; an image with no face found cannot be judged and never warns.
"""

from __future__ import annotations

import warnings

import numpy as np

#: Warn when the median face chromaticity (R − B) / (R + G + B) is below this.
BLUISH = -0.02


class LikelyBGRWarning(UserWarning):
    """The faces found look blue: the array was probably OpenCV's BGR, passed as RGB."""


def face_chromaticity(rgb: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """(R − B) / (R + G + B) of each face's centre patch.

    rgb : (H, W, 3) uint8 RGB; boxes : (K, 4) float [x1, y1, x2, y2]. Returns (K,) float64; the
    patch is the box's middle half across and rows 30 % … 80 % down (cheeks, nose, no hair).
    Faces whose patch lies outside the image are left out.
    """
    height, width = rgb.shape[:2]
    values = []
    for x1, y1, x2, y2 in boxes:
        w, h = x2 - x1, y2 - y1
        rows = slice(_inside(y1 + 0.3 * h, height), _inside(y1 + 0.8 * h, height))
        cols = slice(_inside(x1 + 0.25 * w, width), _inside(x1 + 0.75 * w, width))
        patch = rgb[rows, cols].reshape(-1, 3)
        if len(patch):
            r, g, b = patch.mean(axis=0)
            values.append((r - b) / max(r + g + b, 1.0))
    return np.asarray(values, dtype=np.float64)


def looks_bgr(rgb: np.ndarray, boxes: np.ndarray) -> bool:
    """True when the detected faces are, taken together, bluish (see the module docstring)."""
    chroma = face_chromaticity(rgb, boxes)
    return bool(len(chroma)) and float(np.median(chroma)) < BLUISH


def warn_if_bgr(rgb: np.ndarray, boxes: np.ndarray) -> None:
    """Warn (:class:`LikelyBGRWarning`) when :func:`looks_bgr`."""
    if looks_bgr(rgb, boxes):
        warnings.warn("the faces found look blue: is this an OpenCV (BGR) array passed as RGB? "
                      "Build the detector with MTCNN(channel_order='bgr') or pass bgr=True; if "
                      "the array is RGB, pass bgr=False or MTCNN(bgr_warning=False) to silence "
                      "this", LikelyBGRWarning, stacklevel=4)


def _inside(value: float, size: int) -> int:
    return int(min(max(value, 0), size))
