"""Key to ``03_nms_and_regression.ipynb``: IoU, greedy NMS, squaring."""

from __future__ import annotations

import numpy as np


def _ious(box, others):
    """IoU of one (4,) box with each of (K, 4) ``others``, inclusive pixels → (K,)."""
    width = np.maximum(0.0, np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]) + 1)
    height = np.maximum(0.0, np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1])
                        + 1)
    inter = width * height
    area = (box[2] - box[0] + 1) * (box[3] - box[1] + 1)
    areas = (others[:, 2] - others[:, 0] + 1) * (others[:, 3] - others[:, 1] + 1)
    return inter / (area + areas - inter)


def my_iou(a, b):
    """IoU of two (4,) boxes with inclusive pixel ends: a float.

    Widths are ``x2 − x1 + 1``; an intersection narrower than one pixel is clipped to 0, never
    negative.
    """
    return float(_ious(np.asarray(a, float), np.asarray(b, float)[None])[0])


def _greedy(boxes, scores, survives):
    """Greedy suppression: take the best remaining box, keep the remaining boxes whose IoUs
    with it pass ``survives(ious)``, repeat → kept indices, best first."""
    boxes = np.asarray(boxes, float)
    order = np.argsort(-np.asarray(scores), kind="stable")
    keep = []
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(best)
        order = rest[survives(_ious(boxes[best], boxes[rest]))]
    return np.array(keep, dtype=np.int64)


def my_nms(boxes, scores, threshold):
    """boxes (K, 4), scores (K,) → (M,) int indices of the kept boxes, best score first.

    Take the best remaining box, drop every remaining box whose IoU with it is **greater** than
    the threshold (ties survive), repeat.
    """
    return _greedy(boxes, scores, lambda ious: ious <= threshold)


def my_square(boxes):
    """boxes (K, 4) float → (K, 4) squares of side max(w, h), same centres (w = x2 − x1)."""
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2                     # (K, 2) [cx, cy]
    side = np.max(boxes[:, 2:] - boxes[:, :2], axis=1, keepdims=True)
    corner = centre - side / 2
    return np.hstack([corner, corner + side])


def _iou_without_plus_one(a, b):
    """Mistake: widths ``x2 − x1`` as for continuous boxes (no ``+1`` for inclusive pixels)."""
    inter = (max(0, min(a[2], b[2]) - max(a[0], b[0]))
             * max(0, min(a[3], b[3]) - max(a[1], b[1])))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def _nms_keeping_overlaps(boxes, scores, threshold):
    """Mistake: the comparison turned round — keeping the boxes that overlap the best one."""
    return _greedy(boxes, scores, lambda ious: ious > threshold)


def _square_from_corner(boxes):
    """Mistake: growing the short side from the top-left corner, moving the centre."""
    side = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    return np.stack([boxes[:, 0], boxes[:, 1], boxes[:, 0] + side, boxes[:, 1] + side], axis=1)


WRONG = {
    "my_iou": _iou_without_plus_one,
    "my_nms": _nms_keeping_overlaps,
    "my_square": _square_from_corner,
}
