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
    r"""Overlap of one box with each of ``others``.

    box : (4,), others : (K, 4) → (K,) float64.
    'union' is IoU, intersection / union; 'min' is intersection / the smaller area (used after
    O-Net so that a small box inside a big one is removed too). With inclusive pixel ends:

    .. math::

        \mathrm{IoU}(a, b) = \frac{|a \cap b|}{|a| + |b| - |a \cap b|}, \qquad
        |a| = (x_2 - x_1 + 1)(y_2 - y_1 + 1),

        |a \cap b| = \max(0, \min(x_2^a, x_2^b) - \max(x_1^a, x_1^b) + 1)
                     \cdot \max(0, \min(y_2^a, y_2^b) - \max(y_1^a, y_1^b) + 1)

    and 'min' divides by :math:`\min(|a|, |b|)` instead. The paper labels its training crops by
    the same IoU (§II-C: < 0.3 negative, > 0.65 positive, 0.4–0.65 part face).
    """
    return pair_overlap(box[None], others, method)


def pair_overlap(first: np.ndarray, second: np.ndarray, method: str = "union") -> np.ndarray:
    """Overlap of ``first[k]`` with ``second[k]`` for every k: (K, 4) and (K, 4) (or (1, 4),
    broadcast) → (K,) float64. The formula is symmetric bit for bit: swapping the two boxes
    gives the same value (max, min and + commute exactly).
    """
    xx1 = np.maximum(first[:, 0], second[:, 0])
    yy1 = np.maximum(first[:, 1], second[:, 1])
    xx2 = np.minimum(first[:, 2], second[:, 2])
    yy2 = np.minimum(first[:, 3], second[:, 3])
    inter = np.maximum(0.0, xx2 - xx1 + 1) * np.maximum(0.0, yy2 - yy1 + 1)  # +1: inclusive
    area, other_areas = box_areas(first), box_areas(second)
    if method == "min":
        return inter / np.minimum(area, other_areas)
    return inter / (area + other_areas - inter)


PAIR_CHUNK = 1 << 16  # candidate pairs whose overlaps are computed at once (bounds the memory)
def nms_reference(boxes: np.ndarray, scores: np.ndarray, threshold: float,
                  method: str = "union") -> np.ndarray:
    """The textbook greedy NMS, one pair at a time: read this first, :func:`nms` is the fast
    path and keeps the same boxes (``tests/test_nms.py``).

    Take the best-scored box left, keep it, drop every remaining box whose overlap with it is
    > ``threshold``; repeat. ``boxes`` (K, 4) [x1, y1, x2, y2], ``scores`` (K,); returns the
    kept indices (M,) int64, best first (equal scores: the later box first, as in :func:`nms`).
    """
    order = list(np.argsort(scores, kind="stable")[::-1])
    keep = []
    while order:
        best = order.pop(0)
        keep.append(best)
        order = [i for i in order
                 if not overlap(boxes[best], boxes[i:i + 1], method)[0] > threshold]
    return np.array(keep, dtype=np.int64)


PAIRS_PER_BOX = 256   # beyond this many candidate pairs per box, the plain loop is faster
FEW_BOXES = 4         # up to this many boxes the plain loop is faster (its few steps cost less
                      # than the pair search's setup: 20–35 µs against 70–80 µs)


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

    Most boxes overlap only a few others, so only pairs that can overlap are looked at
    (:func:`_nms_by_pairs`); boxes with a NaN, an infinity or an empty area (whose overlaps
    can be NaN), a negative threshold, and up to ``FEW_BOXES`` boxes take the plain loop,
    :func:`_nms_greedy`. Both give the same boxes.
    """
    method = method.lower()
    if method not in METHODS:
        raise ValueError(f"nms method must be one of {METHODS}, got {method!r}")
    order = np.argsort(scores, kind="stable")[::-1]       # the order in which boxes are taken
    if len(order) == 0:
        return np.zeros(0, dtype=np.int64)
    ordered = boxes[order]
    if len(order) > FEW_BOXES and threshold >= 0 and _proper(ordered):
        kept = _nms_by_pairs(ordered, threshold, method)
        if kept is not None:
            return order[kept].astype(np.int64)
    return _nms_greedy(boxes, order, threshold, method)


def _proper(boxes: np.ndarray) -> bool:
    """Finite boxes at least one pixel wide and tall (inclusive): their overlaps are never NaN."""
    return bool(np.isfinite(boxes).all() and (boxes[:, 2] - boxes[:, 0] + 1 > 0).all()
                and (boxes[:, 3] - boxes[:, 1] + 1 > 0).all())


def _nms_by_pairs(boxes: np.ndarray, threshold: float, method: str) -> np.ndarray:
    """Greedy NMS on boxes already in pick order (see :func:`_proper`) → kept positions.

    Two boxes whose x ranges do not touch have intersection 0, hence overlap 0 ≤ threshold: they
    never suppress each other. So the overlaps are computed only for pairs found by sorting on
    x1 (each box against the boxes starting left of its right edge), and the greedy pass then
    visits only boxes that overlap a later one too much — one step per such box, in pick order.
    Returns None when the boxes pile up so much that the pairs outnumber
    ``PAIRS_PER_BOX`` per box: the plain loop, which drops such piles at once, is faster then.
    """
    pairs = _conflicts(boxes, threshold, method)
    if pairs is None:
        return None
    suppressor, victim = pairs                                         # positions, s < v
    alive = np.ones(len(boxes), dtype=bool)
    by_suppressor = np.argsort(suppressor, kind="stable")
    suppressor, victim = suppressor[by_suppressor], victim[by_suppressor]
    firsts, starts = np.unique(suppressor, return_index=True)
    stops = np.append(starts[1:], len(suppressor))
    for s, start, stop in zip(firsts.tolist(), starts.tolist(), stops.tolist()):
        if alive[s]:                       # a kept box: everything it overlaps too much goes
            alive[victim[start:stop]] = False
    return np.flatnonzero(alive)


def _conflicts(boxes: np.ndarray, threshold: float, method: str) -> tuple:
    """Pairs of positions (s, v), s < v, whose overlap is > threshold (or not ≤, as in the
    loop). boxes : (K, 4) finite, positive areas. Returns two (P,) int arrays, or None when
    there are too many candidate pairs (see :func:`_nms_by_pairs`)."""
    by_x = np.argsort(boxes[:, 0], kind="stable")
    left = boxes[by_x, 0]
    # Boxes later in x order touch box p only if they start before its right edge + 1.
    ends = np.searchsorted(left, boxes[by_x, 2] + 1, side="left")
    counts = ends - np.arange(1, len(boxes) + 1)                       # ≥ 0: areas are > 0
    if counts.sum() > max(PAIR_CHUNK, PAIRS_PER_BOX * len(boxes)):
        return None
    found = []
    for block in _blocks(counts, PAIR_CHUNK):
        first = np.repeat(block, counts[block])                        # x-order positions
        offset = np.arange(len(first)) - np.repeat(np.cumsum(counts[block]) - counts[block],
                                                   counts[block])
        a, b = by_x[first], by_x[first + 1 + offset]                   # pick-order positions
        hit = ~(pair_overlap(boxes[a], boxes[b], method) <= threshold)
        found.append((np.minimum(a[hit], b[hit]), np.maximum(a[hit], b[hit])))
    if not found:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    return tuple(np.concatenate(parts) for parts in zip(*found))


def _blocks(counts: np.ndarray, limit: int) -> list:
    """Split positions 0 … len(counts) − 1 into runs whose counts add up to about ``limit``."""
    total = np.cumsum(counts)
    cuts = np.searchsorted(total, np.arange(limit, total[-1], limit), side="right") + 1
    bounds = np.unique(np.concatenate([[0], cuts, [len(counts)]]).clip(0, len(counts)))
    return [np.arange(lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo]


def _nms_greedy(boxes: np.ndarray, order: np.ndarray, threshold: float, method: str
                ) -> np.ndarray:
    """The plain loop: overlaps of each kept box with the rest, in pick order. Any boxes
    (NaN overlaps drop a box, as ``not ≤`` says)."""
    order = order[::-1]                                    # ascending: the best box is last
    keep = []
    while order.size > 0:  # one pass per *kept* box; each pass is vectorised over the rest
        best, rest = order[-1], order[:-1]
        keep.append(best)
        order = rest[overlap(boxes[best], boxes[rest], method) <= threshold]
    return np.array(keep, dtype=np.int64)
