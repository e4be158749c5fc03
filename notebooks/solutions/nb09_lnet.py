"""Instructor key for ``notebooks/09_lnet.ipynb`` (format of issue 14: solutions, WRONG, open
exercises)."""

from __future__ import annotations

import numpy as np


def my_patch_width(box):
    """box (4,) float [x1, y1, x2, y2] → pw, an even int: fix(0.25 · max(w, h)), w = x2 − x1 + 1,
    rounded up to even (``MTCNNv2/detect_face.m``, extended stage)."""
    side = max(box[2] - box[0] + 1, box[3] - box[1] + 1)
    quarter = int(np.trunc(0.25 * side))
    return quarter + quarter % 2


def my_clamp(offsets):
    """offsets (5, 2) [ox, oy] → (5, 2): a point with |o − 0.5| > 0.35 in x or y gets (0.5, 0.5)."""
    offsets = np.asarray(offsets, dtype=np.float64)
    large = (np.abs(offsets - 0.5) > 0.35).any(axis=1)
    return np.where(large[:, None], 0.5, offsets)


def _width_without_plus_one(box):
    """Mistake: the box's width as ``x2 − x1`` (P-Net's convention), not Matlab's ``+ 1``."""
    quarter = int(0.25 * max(box[2] - box[0], box[3] - box[1]))
    return quarter + quarter % 2


def _clamp_one_coordinate(offsets):
    """Mistake: only the coordinate that moves too far is reset; Matlab resets both."""
    offsets = np.asarray(offsets, dtype=np.float64)
    return np.where(np.abs(offsets - 0.5) > 0.35, 0.5, offsets)


WRONG = {"my_patch_width": _width_without_plus_one, "my_clamp": _clamp_one_coordinate}


def open_exercise_3():
    """Area vs bilinear patches on ``tests/images/group.png``: how far apart are the refined
    points?

    Expected answer: little — on its 7 faces a mean of about 0.1 px, the largest move just
    under 1 px (on the smallest faces, whose windows are 5 pixels wide), against corrections of
    about a pixel; this matches the benchmark's 5.17 % (area) vs
    5.14 % (bilinear) NME on 1,498 faces: the way the patch is resized hardly matters to L-Net.
    Returns ``{"faces": K, "mean_px": float, "max_px": float}``.
    """
    from pathlib import Path

    from mtcnn_np import MTCNN
    from mtcnn_np.image import load_image

    image = load_image(Path(__file__).resolve().parents[2] / "tests" / "images" / "group.png")
    detector = MTCNN(refine_landmarks=True)
    area = detector.detect(image).landmarks
    detector.refine_resampling = "bilinear"
    bilinear = detector.detect(image).landmarks
    moved = np.linalg.norm(area - bilinear, axis=2)
    return {"faces": len(area), "mean_px": float(moved.mean()), "max_px": float(moved.max())}
