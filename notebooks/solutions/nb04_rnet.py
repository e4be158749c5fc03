"""Key to ``04_rnet.ipynb``: a zero-padded crop, R-Net's regression, edge padding (open)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mtcnn_np import MTCNN
from mtcnn_np.crops import crop_and_resize
from mtcnn_np.image import load_image
from mtcnn_np.pyramid import normalize, to_nchw

IMAGES = Path(__file__).resolve().parents[2] / "tests" / "images"


def my_padded_crop(image, box):
    """image (H, W, 3) uint8, box (4,) whole numbers → (h, w, 3) float64, zeros outside.

    The 1-based inclusive box covers rows ``y1 − 1 … y2 − 1`` (0-based); copy the part inside
    the photo into a zero array at the matching offset.
    """
    x1, y1, x2, y2 = (int(v) for v in box)
    out = np.zeros((y2 - y1 + 1, x2 - x1 + 1, 3))
    top, left = max(y1 - 1, 0), max(x1 - 1, 0)
    bottom, right = min(y2, image.shape[0]), min(x2, image.shape[1])
    if bottom > top and right > left:
        out[top - (y1 - 1):bottom - (y1 - 1), left - (x1 - 1):right - (x1 - 1)] = \
            image[top:bottom, left:right]
    return out


def my_regress(boxes, offsets):
    """boxes (K, 4), offsets (K, 4) [dx1, dy1, dx2, dy2] → (K, 4) moved boxes, with
    ``w = x2 − x1 + 1`` and ``h = y2 − y1 + 1`` (R-Net and O-Net)."""
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    return boxes + offsets.astype(np.float64) * np.stack([w, h, w, h], axis=1)


def _crop_clipped(image, box):
    """Mistake: cutting only the part inside the photo (no padding): wrong shape at borders."""
    x1, y1, x2, y2 = (int(v) for v in box)
    return image[max(y1 - 1, 0):y2, max(x1 - 1, 0):x2].astype(float)


def _regress_exclusive(boxes, offsets):
    """Mistake: P-Net's ``w = x2 − x1`` (no +1) used after R-Net."""
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    return boxes + offsets.astype(np.float64) * np.stack([w, h, w, h], axis=1)


WRONG = {"my_padded_crop": _crop_clipped, "my_regress": _regress_exclusive}


def open_exercise_3(name: str = "group_small.png") -> dict:
    """Zero vs edge padding of R-Net's crops.

    Expected answer: only the crops that cross the photo's border change (on group_small.png 4
    of 136; every other score is identical). Their scores move by about 0.1 — here down on
    average — and the same 54 crops pass 0.7, so the faces found do not change. A faithful port
    keeps the zeros because the released weights were trained, and the reference outputs
    produced, with zero padding: any other padding changes the numbers the tests compare with.
    """
    rgb = load_image(IMAGES / name)
    detector = MTCNN()
    boxes = detector.detect(rgb, trace=True).trace["stage1/boxes"]
    margin = int(np.abs(boxes).max()) + 2
    edge_padded = np.pad(rgb, ((margin, margin), (margin, margin), (0, 0)), mode="edge")
    crossing = ((boxes[:, :2] < 1) | (boxes[:, 2:] > [rgb.shape[1], rgb.shape[0]])).any(axis=1)
    scores = {}
    for padding, image, shift in (("zero", rgb, 0), ("edge", edge_padded, margin)):
        crops = crop_and_resize(image, boxes + shift, 24)
        prob, _ = detector.rnet.forward(to_nchw(normalize(crops)))
        scores[padding] = prob[:, 1]
    change = scores["edge"][crossing] - scores["zero"][crossing]
    return {"boxes": len(boxes), "crossing_border": int(crossing.sum()),
            "pass_zero": int((scores["zero"] > 0.7).sum()),
            "pass_edge": int((scores["edge"] > 0.7).sum()),
            "max_change_inside": float(np.abs(scores["edge"] - scores["zero"])[~crossing].max()),
            "mean_change_crossing": float(change.mean()) if change.size else 0.0}
