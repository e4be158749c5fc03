"""Non-maximum suppression (NMS): keep the best box, drop the boxes that overlap it too much,
repeat. MTCNN runs it after every stage (Zhang et al. 2016, §II-A).

Boxes use the canonical (Matlab-derived) integer-pixel convention: ``[x1, y1, x2, y2]`` with x2,
y2 *inclusive*, so a box covers ``x2 − x1 + 1`` pixels across. NMS runs on integer boxes in the
first stages, so overlaps exactly equal to the threshold are common: the formulas and the
keep-if-``≤`` rule below are copied exactly, since an "equivalent" rewrite flips those ties.
"""

from __future__ import annotations

import numpy as np

METHODS = ("union", "min")


def box_areas(boxes: np.ndarray) -> np.ndarray:
    """boxes : (K, 4) [x1, y1, x2, y2], x2/y2 inclusive → (K,) areas ``(x2−x1+1)·(y2−y1+1)``."""
    return (boxes[:, 2] - boxes[:, 0] + 1) * (boxes[:, 3] - boxes[:, 1] + 1)


def overlap(box: np.ndarray, others: np.ndarray, method: str = "union") -> np.ndarray:
    """Overlap of one box with each of ``others``.

    box : (4,), others : (K, 4) → (K,) float64.
    'union' is IoU, intersection / union; 'min' is intersection / the smaller area (used after
    O-Net so that a small box inside a big one is removed too).
    """
    xx1 = np.maximum(box[0], others[:, 0])
    yy1 = np.maximum(box[1], others[:, 1])
    xx2 = np.minimum(box[2], others[:, 2])
    yy2 = np.minimum(box[3], others[:, 3])
    inter = np.maximum(0.0, xx2 - xx1 + 1) * np.maximum(0.0, yy2 - yy1 + 1)  # +1: inclusive
    area, other_areas = box_areas(box[None])[0], box_areas(others)
    if method == "min":
        return inter / np.minimum(area, other_areas)
    return inter / (area + other_areas - inter)


def overlap_matrix(boxes: np.ndarray, method: str = "union") -> np.ndarray:
    """Overlap of every box with every box: ``M[i, j] = overlap(boxes[i], boxes[j:j+1])[0]``.

    boxes : (K, 4) → (K, K) float64. The same formula, element for element, as
    :func:`overlap`, so the values are bit-identical — only computed for all pairs at once.
    """
    xx1 = np.maximum(boxes[:, None, 0], boxes[None, :, 0])
    yy1 = np.maximum(boxes[:, None, 1], boxes[None, :, 1])
    xx2 = np.minimum(boxes[:, None, 2], boxes[None, :, 2])
    yy2 = np.minimum(boxes[:, None, 3], boxes[None, :, 3])
    inter = np.maximum(0.0, xx2 - xx1 + 1) * np.maximum(0.0, yy2 - yy1 + 1)  # +1: inclusive
    areas = box_areas(boxes)
    if method == "min":
        return inter / np.minimum(areas[:, None], areas[None, :])
    return inter / (areas[:, None] + areas[None, :] - inter)


MATRIX_LIMIT = 1024  # up to this many boxes, NMS computes all K² overlaps at once (8 MiB)


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float, method: str = "union"
        ) -> np.ndarray:
    """Greedy NMS.

    Parameters
    ----------
    boxes : (K, 4) float64 [x1, y1, x2, y2], x2/y2 inclusive.
    scores : (K,)
    threshold : a box is dropped when its overlap with a kept box is **>** threshold.
    method : 'union' (IoU) or 'min'.

    Returns
    -------
    keep : (M,) int indices into ``boxes``, best score first.

    Ties in score: a *stable* ascending sort, taking from the end, so of two equal scores the
    later box wins (the canonical port used NumPy's unstable default sort, which is arbitrary
    there). Indices are int64 (the canonical port's int16 wrapped past 32,767 boxes).
    """
    method = method.lower()
    if method not in METHODS:
        raise ValueError(f"nms method must be one of {METHODS}, got {method!r}")
    order = np.argsort(scores, kind="stable")[::-1]       # the order in which boxes are taken
    if len(order) == 0:
        return np.zeros(0, dtype=np.int64)
    if len(order) > MATRIX_LIMIT:
        return _nms_greedy(boxes, order, threshold, method)
    # Every overlap at once, rows and columns in pick order; a box survives a kept box only if
    # its overlap is ≤ threshold (written "not ≤" so that a NaN overlap drops, as below).
    dropped_by = ~(overlap_matrix(boxes[order], method) <= threshold)  # (K, K)
    alive = np.ones(len(order), dtype=bool)
    keep = []
    i = 0
    while True:  # one pass per *kept* box, each a vectorised row operation
        keep.append(i)
        alive &= ~dropped_by[i]
        following = alive[i + 1:]
        if not following.any():
            break
        i += 1 + int(np.argmax(following))                 # the next box still alive
    return order[np.array(keep)].astype(np.int64)


def _nms_greedy(boxes: np.ndarray, order: np.ndarray, threshold: float, method: str
                ) -> np.ndarray:
    """NMS for many boxes, without the K × K matrix: overlaps of each kept box with the rest."""
    order = order[::-1]                                    # ascending: the best box is last
    keep = []
    while order.size > 0:  # one pass per *kept* box; each pass is vectorised over the rest
        best, rest = order[-1], order[:-1]
        keep.append(best)
        order = rest[overlap(boxes[best], boxes[rest], method) <= threshold]
    return np.array(keep, dtype=np.int64)
