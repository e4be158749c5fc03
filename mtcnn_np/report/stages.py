"""What happened at each stage of one detection, read off its :class:`~mtcnn_np.trace.Trace`.

The trace records what each net saw and said; which box was dropped, and why, is recomputed
here with the detector's own functions and thresholds (the same steps as ``detector.py``), so
a test can check that the recomputed survivors are exactly the trace's next stage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import boxes as B
from ..detector import _drop_empty
from ..nms import nms
from ..plotting import as_pixels
from ..trace import Trace

#: Why a crop of R-Net or O-Net is kept or dropped.
FATES = ("kept", "nms", "threshold")


@dataclass
class Level:
    """One pyramid level and P-Net's verdict on it.

    level : (h, w, 3) uint8, the resized image P-Net saw. prob : (mh, mw) float32, face
    probability per cell. candidates, after_nms : (K, 5) ``[x1, y1, x2, y2, score]`` in input
    pixels, before and after the NMS within the level.
    """

    index: int
    scale: float
    level: np.ndarray
    prob: np.ndarray
    candidates: np.ndarray
    after_nms: np.ndarray


@dataclass
class Crops:
    """What R-Net or O-Net saw and decided, one row per crop.

    pixels : (K, s, s, 3) uint8, the crops as the net saw them. boxes : (K, 4) the boxes they
    were cut from. scores : (K,) face probability. fates : (K,) one of ``FATES``: *kept*,
    *nms* (above the threshold but suppressed by a better overlapping box), *threshold*
    (probability not above the threshold).
    """

    net: str
    pixels: np.ndarray
    boxes: np.ndarray
    scores: np.ndarray
    fates: np.ndarray

    def count(self, fate: str) -> int:
        return int(np.sum(self.fates == fate))


def pyramid_levels(trace: Trace) -> list:
    """The trace's pyramid levels, in order (empty for an image smaller than 12 px)."""
    return [Level(k, float(scale), trace[f"pnet/scale_{k:02d}/level"],
                  trace[f"pnet/scale_{k:02d}/prob1"][0, 1],
                  trace[f"pnet/scale_{k:02d}/candidates"], trace[f"pnet/scale_{k:02d}/after_nms"])
            for k, scale in enumerate(trace["pyramid/scales"])]


def rnet_crops(trace: Trace, steps_threshold: tuple, nms_thresholds: tuple) -> Crops:
    """R-Net's crops: stage 1's boxes (less than a pixel wide dropped, as in ``detector.py``)."""
    boxes = _drop_empty(trace["stage1/boxes"])
    prob = _entry(trace, "rnet/prob1", (0, 2))
    fates = _fates(boxes, prob[:, 1], steps_threshold[1], nms_thresholds[2], "union")
    return Crops("rnet", _pixels(trace, "rnet/input", 24), boxes, prob[:, 1], fates)


def onet_crops(trace: Trace, steps_threshold: tuple, nms_thresholds: tuple) -> Crops:
    """O-Net's crops: stage 2's boxes snapped to whole pixels; its NMS ('min') runs on the
    boxes after O-Net's regression, as in ``detector.stage3_output``."""
    boxes = _drop_empty(B.fix(trace["stage2/boxes"][:, :4]))
    prob = _entry(trace, "onet/prob1", (0, 2))
    regressed = B.regress(boxes, _entry(trace, "onet/conv6-2", (0, 4)))
    fates = _fates(regressed, prob[:, 1], steps_threshold[2], nms_thresholds[3], "min")
    return Crops("onet", _pixels(trace, "onet/input", 48), boxes, prob[:, 1], fates)


def _fates(boxes: np.ndarray, scores: np.ndarray, threshold: float, overlap: float,
           method: str) -> np.ndarray:
    """(K,) fates: ``score > threshold`` (strict, as the detector), then NMS among those."""
    fates = np.full(len(scores), "threshold", dtype=object)
    passed = np.flatnonzero(scores > threshold)
    fates[passed] = "nms"
    fates[passed[nms(boxes[passed], scores[passed], overlap, method)]] = "kept"
    return fates


def _entry(trace: Trace, name: str, empty_shape: tuple) -> np.ndarray:
    """A net's output; the trace has none when the net saw no crop."""
    return trace[name] if name in trace else np.zeros(empty_shape, np.float32)


def _pixels(trace: Trace, name: str, size: int) -> np.ndarray:
    if name not in trace:
        return np.zeros((0, size, size, 3), np.uint8)
    return as_pixels(trace[name])


def funnel(trace: Trace, steps_threshold: tuple) -> list:
    """``[(label, count, definition), ...]``: how many windows or boxes each step leaves.

    The same rows, in the same order, as ``funnel_counts`` in the overview notebook's helpers;
    each count is at most the one before it.
    """
    levels = pyramid_levels(trace)
    _, t2, t3 = steps_threshold
    rnet = _entry(trace, "rnet/prob1", (0, 2))
    onet = _entry(trace, "onet/prob1", (0, 2))
    return [
        ("windows scanned", sum(lv.prob.size for lv in levels),
         "P-Net output cells over all pyramid levels; each scored one 12×12 window"),
        ("P-Net ≥ t1", sum(len(lv.candidates) for lv in levels),
         f"cells whose face probability is at least t1 = {steps_threshold[0]:g}"),
        ("NMS per scale", sum(len(lv.after_nms) for lv in levels),
         "candidates left by NMS within each level"),
        ("NMS over scales", len(trace["stage1/after_nms"]),
         "left by NMS over all levels together: the boxes cropped for R-Net"),
        ("R-Net > t2", int(np.sum(rnet[:, 1] > t2)),
         f"R-Net crops with face probability above t2 = {t2:g}"),
        ("R-Net + NMS", len(trace["stage2/boxes"]),
         "left by R-Net's NMS: the boxes cropped for O-Net"),
        ("O-Net > t3", int(np.sum(onet[:, 1] > t3)),
         f"O-Net crops with face probability above t3 = {t3:g}"),
        ("faces", len(trace["final/scores"]), "left by O-Net's NMS ('min' overlap): the result"),
    ]
