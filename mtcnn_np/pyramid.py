"""The image pyramid (Zhang et al. 2016, §II-A: "we initially resize it to different scales").

P-Net only sees 12×12 windows, so to find a face of ``min_face_size`` pixels the image is first
shrunk by ``12 / min_face_size``, then again and again by ``scale_factor`` until its short side
would drop below 12 pixels. Each level is one P-Net pass.
"""

from __future__ import annotations

import math

import numpy as np

from .resize import resize_area

WINDOW = 12  # P-Net's input window, in pixels of a pyramid level


def compute_scales(height: int, width: int, min_face_size: float, scale_factor: float) -> list:
    """Scales s_k = (12 / min_face_size) · scale_factor^k while min(h, w) · s_k ≥ 12.

    The loop multiplies the running short side by ``scale_factor`` and tests it, exactly like
    the original; recomputing it as a power can flip the last level at a boundary.
    """
    m = WINDOW / min_face_size
    short_side = min(height, width) * m
    scales = []
    k = 0
    while short_side >= WINDOW:
        scales.append(m * np.power(scale_factor, k))
        short_side *= scale_factor
        k += 1
    return [float(s) for s in scales]


def level_size(height: int, width: int, scale: float) -> tuple[int, int]:
    """(rows, columns) of the level at ``scale``: both rounded **up**, ``ceil(h·s), ceil(w·s)``."""
    return int(math.ceil(height * scale)), int(math.ceil(width * scale))


def pyramid_level(image: np.ndarray, scale: float) -> np.ndarray:
    """The image resized to ``scale`` with area averaging (OpenCV's INTER_AREA, as the canonical
    port), rounded back to uint8 — those rounded pixels are what P-Net saw in every port.

    image : (H, W, 3) uint8 RGB → returns (ceil(H·s), ceil(W·s), 3) uint8.
    """
    rows, cols = level_size(image.shape[0], image.shape[1], scale)
    return resize_area(image, rows, cols)


def normalize(pixels: np.ndarray) -> np.ndarray:
    """(pixel − 127.5) / 128 as float32: the input scaling the nets were trained with.

    pixels : (..., H, W, 3) uint8 or float → same shape, float32 in about [−1, 1].
    """
    # 0.0078125 = 1/128 exactly, so the float32 result is exact for integer pixels.
    return ((pixels - np.float32(127.5)) * np.float32(0.0078125)).astype(np.float32, copy=False)


def to_nchw(images: np.ndarray) -> np.ndarray:
    """(N, H, W, 3) or (H, W, 3) → (N, 3, H, W): the nets' layout, batch-innermost in memory
    (``layers/__init__.py``; for one image that is plain C order)."""
    if images.ndim == 3:
        images = images[None]
    return np.ascontiguousarray(images.transpose(3, 1, 2, 0)).transpose(3, 0, 1, 2)
