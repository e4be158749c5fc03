"""Key to ``07_end_to_end.ipynb``: cutting out a face, corners, a speed budget (open)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from mtcnn_np import MTCNN
from mtcnn_np.image import load_image

IMAGES = Path(__file__).resolve().parents[2] / "tests" / "images"


def my_face_crop(image, face):
    """image (H, W, 3), face {'box': [x, y, w, h], ...} → (h, w, 3) uint8: rows are y."""
    x, y, w, h = face["box"]
    return image[y:y + h, x:x + w]


def my_corners(faces):
    """detect_faces output → (K, 4) [x, y, x + w, y + h]; (0, 4) when there is no face."""
    boxes = np.array([face["box"] for face in faces], dtype=np.int64).reshape(-1, 4)
    return np.hstack([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]])


def _face_crop_axes_swapped(image, face):
    """Mistake: indexing the (H, W, 3) array as if it were (W, H, 3)."""
    x, y, w, h = face["box"]
    return image[x:x + w, y:y + h]


def _corners_unchanged(faces):
    """Mistake: returning the [x, y, w, h] boxes as they are."""
    return np.array([face["box"] for face in faces]).reshape(-1, 4)


WRONG = {"my_face_crop": _face_crop_axes_swapped, "my_corners": _corners_unchanged}


def _median_seconds(detector, image, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        faces = detector.detect_faces(image)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), faces


def open_exercise_3(settings=((20, 0.709), (40, 0.709), (40, 0.6), (40, 0.8))) -> dict:
    """Speed budget for faces ≥ 40 px in 640×480 frames, measured on group.png.

    Expected answer: ``min_face_size=40`` (the largest value that allows 40-px faces; its
    pyramid starts at a quarter of the default 20's area, so stage 1 costs about 4× less) and
    a *smaller* ``scale_factor`` such as 0.6 (fewer levels). Measured here: 20/0.709 ≈ 0.28 s,
    40/0.709 ≈ 0.17 s, 40/0.6 ≈ 0.12 s, and 40/0.8 ≈ 0.24 s (a finer step makes more levels).
    All seven faces are still found with 40/0.6, even those of 23–38 px: ``min_face_size`` is a
    soft bound, and P-Net's box regression reaches a little below it. Too small a factor would
    start to miss faces that fall between two levels.
    Returned: per setting, the median time over 3 runs (informative only) and the widths of the
    faces found.
    """
    image = load_image(IMAGES / "group.png")
    found = {}
    for min_face_size, scale_factor in settings:
        seconds, faces = _median_seconds(MTCNN(min_face_size=min_face_size,
                                               scale_factor=scale_factor), image)
        found[(min_face_size, scale_factor)] = {
            "seconds": seconds, "widths": sorted(face["box"][2] for face in faces)}
    return found
