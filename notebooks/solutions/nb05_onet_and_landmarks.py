"""Key to ``05_onet_and_landmarks.ipynb``: decoding landmarks, the ``mtcnn`` box format, flip
averaging (open)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mtcnn_np import MTCNN
from mtcnn_np.boxes import fix
from mtcnn_np.crops import crop_and_resize
from mtcnn_np.image import load_image
from mtcnn_np.pyramid import normalize, to_nchw

IMAGES = Path(__file__).resolve().parents[2] / "tests" / "images"
MIRROR = [1, 0, 2, 4, 3]   # left eye ↔ right eye, nose, left ↔ right mouth corner


def my_landmarks(box, raw10):
    """box (4,) [x1, y1, x2, y2] whole pixels, raw10 (10,) [x1..x5, y1..y5] → (5, 2) [x, y].

    Accurate convention (eq. 3's targets are fractions of the crop): ``x = w·lx + x1`` with
    ``w = x2 − x1 + 1``, in float64, no ``− 1`` and no ``int()``.
    """
    w, h = box[2] - box[0] + 1, box[3] - box[1] + 1
    return np.stack([w * raw10[:5] + box[0], h * raw10[5:] + box[1]], axis=1)


def my_mtcnn_box(box):
    """box (4,) float [x1, y1, x2, y2] → [x, y, w, h] ints, as detect_faces() gives them."""
    x, y = max(0, int(box[0])), max(0, int(box[1]))
    return [x, y, int(box[2] - x), int(box[3] - y)]


def _landmarks_canonical(box, raw10):
    """Mistake: the canonical port's ``− 1`` (a leftover of Matlab's 1-based indexing)."""
    return my_landmarks(box, raw10) - 1


def _mtcnn_box_unclipped(box):
    """Mistake: width and height from the unclipped corner, corner not clipped at 0."""
    return [int(box[0]), int(box[1]), int(box[2] - box[0]), int(box[3] - box[1])]


WRONG = {"my_landmarks": _landmarks_canonical, "my_mtcnn_box": _mtcnn_box_unclipped}


def open_exercise_3(name: str = "group_small.png") -> dict:
    """Flip averaging of O-Net's landmarks (Matlab v1).

    Expected answer: the averaged points move by a fraction of a pixel — on group_small.png's 39
    crops that pass 0.7, about 0.25 px on average and under 1 px at most: O-Net is almost
    symmetric, so flipping averages away a little noise, for the price of a second O-Net pass.
    """
    rgb = load_image(IMAGES / name)
    detector = MTCNN()
    trace = detector.detect(rgb, trace=True).trace
    boxes = fix(trace["stage2/boxes"][:, :4])
    passed = trace["onet/prob1"][:, 1] > 0.7
    boxes = boxes[passed]
    crops = crop_and_resize(rgb, boxes, 48)
    _, _, raw = detector.onet.forward(to_nchw(normalize(crops)))
    _, _, raw_flipped = detector.onet.forward(to_nchw(normalize(crops[:, :, ::-1])))
    xs, ys = raw[:, :5], raw[:, 5:]
    xs_back, ys_back = 1 - raw_flipped[:, :5][:, MIRROR], raw_flipped[:, 5:][:, MIRROR]
    side = (boxes[:, 2] - boxes[:, 0] + 1)[:, None]
    moved = np.hypot(side * ((xs + xs_back) / 2 - xs), side * ((ys + ys_back) / 2 - ys))
    return {"crops": int(passed.sum()), "mean_shift_px": float(moved.mean()),
            "max_shift_px": float(moved.max())}
