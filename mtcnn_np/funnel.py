"""The cascade at a glance, as numbers: how many windows each stage keeps, and its time.

MTCNN is a funnel (Zhang et al. 2016, §II-A, Fig. 1): P-Net scores tens of thousands of 12×12
windows, and each later, bigger net looks at far fewer boxes. :func:`funnel_counts` reads those
counts off a :class:`~mtcnn_np.trace.Trace`, :func:`stage_times` times the three stages, and
:func:`cascade_stages` describes the nets from ``nets/spec.py`` for the diagram in
``plotting.plot_cascade``. Nothing here imports matplotlib, so an HTML report or a widget can
use it as well as a plot.
"""

from __future__ import annotations

import statistics
import time
from typing import NamedTuple

import numpy as np

from .image import load_image
from .nets.spec import INPUT_SIZE, OUTPUTS, SPECS
from .trace import Trace

#: The rows of :func:`funnel_counts`, in order (the two R-Net/O-Net score rows only with
#: ``steps_threshold``). See :func:`funnel_counts` for what each one counts.
FUNNEL_LABELS = (
    "windows scanned",
    "P-Net ≥ t1",
    "NMS per scale",
    "NMS over scales",
    "R-Net > t2",
    "R-Net + NMS",
    "O-Net > t3",
    "faces",
)
STAGE_NAMES = ("pyramid + P-Net", "R-Net", "O-Net")


def _rows(trace: Trace, suffix: str) -> int:
    """Total rows of the P-Net entries ``pnet/scale_NN/<suffix>``, over all levels."""
    return sum(len(value) for name, value in trace.filter("pnet/").items()
               if name.endswith("/" + suffix))


def _length(trace: Trace, name: str) -> int:
    return len(trace[name]) if name in trace else 0


def _passed(trace: Trace, name: str, threshold: float) -> int:
    """Boxes whose face probability in ``<net>/prob1`` is above ``threshold`` (strict)."""
    return int(np.sum(trace[name][:, 1] > threshold)) if name in trace else 0


def funnel_counts(trace: Trace, steps_threshold: tuple | None = None) -> list:
    """How many windows or boxes are left after each step of one detection.

    Parameters
    ----------
    trace : the record of one detection, ``MTCNN().detect(image, trace=True).trace``.
    steps_threshold : the detector's three thresholds. With them, two more rows count the
        boxes R-Net and O-Net scored above their threshold, before the NMS that follows.

    Returns
    -------
    ``[(label, count), ...]`` in the order of ``FUNNEL_LABELS``:

    - *windows scanned*: P-Net output cells over all pyramid levels; each one scored one
      12×12 window of its level (``Σ h·w`` of the ``pnet/scale_NN/prob1`` maps);
    - *P-Net ≥ t1*: cells whose face probability is at least t1 (all levels' candidates);
    - *NMS per scale*: candidates left by NMS within each level ('union', nms_thresholds[0]);
    - *NMS over scales*: left by NMS over all levels together (nms_thresholds[1]); these are
      the boxes cropped for R-Net (``stage1/after_nms``);
    - *R-Net > t2* (with ``steps_threshold``): R-Net's crops with probability above t2;
    - *R-Net + NMS*: those left by R-Net's NMS (``stage2/boxes``), the boxes cropped for O-Net;
    - *O-Net > t3* (with ``steps_threshold``): O-Net's crops with probability above t3;
    - *faces*: the detections, after O-Net's NMS ('min') (``final/scores``).

    Each count is at most the one before it. Raises ``TypeError`` if ``trace`` is not a Trace
    (for instance ``detect()`` was called without ``trace=True``).
    """
    if not isinstance(trace, Trace):
        raise TypeError("funnel_counts needs a Trace: MTCNN().detect(image, trace=True).trace, "
                        f"got {type(trace).__name__}")
    windows = sum(int(np.prod(value.shape[-2:])) for name, value in trace.filter("pnet/").items()
                  if name.endswith("/prob1"))
    counts = {
        "windows scanned": windows,
        "P-Net ≥ t1": _rows(trace, "candidates"),
        "NMS per scale": _rows(trace, "after_nms"),
        "NMS over scales": _length(trace, "stage1/after_nms"),
        "R-Net + NMS": _length(trace, "stage2/boxes"),
        "faces": _length(trace, "final/scores"),
    }
    if steps_threshold is not None:
        _, t2, t3 = steps_threshold
        counts["R-Net > t2"] = _passed(trace, "rnet/prob1", t2)
        counts["O-Net > t3"] = _passed(trace, "onet/prob1", t3)
    return [(label, counts[label]) for label in FUNNEL_LABELS if label in counts]


def stage_times(detector, image, repeats: int = 5) -> dict:
    """Median wall-clock seconds of each stage of ``detector`` on ``image``.

    The three stages (``stage1_proposals``, ``stage2_refine``, ``stage3_output``) are called
    one after another ``repeats`` times, and each stage's median is kept: the first, cold run
    (caches, memory allocation) and a busy spell of the machine do not decide the number.
    Decoding the image is not timed.

    Returns ``{"pyramid + P-Net": s, "R-Net": s, "O-Net": s}``.
    """
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be an int ≥ 1, got {repeats!r}")
    rgb = load_image(image)
    times: dict = {name: [] for name in STAGE_NAMES}
    with detector._blas_threads():
        for _ in range(repeats):
            start = time.perf_counter()
            boxes = detector.stage1_proposals(rgb)
            middle = time.perf_counter()
            boxes, scores = detector.stage2_refine(rgb, boxes)
            end = time.perf_counter()
            detector.stage3_output(rgb, boxes, scores)
            for name, seconds in zip(STAGE_NAMES, (middle - start, end - middle,
                                                   time.perf_counter() - end)):
                times[name].append(seconds)
    return {name: statistics.median(values) for name, values in times.items()}


class NetSummary(NamedTuple):
    """One net of the cascade, as the diagram shows it."""
    name: str             # "pnet", "rnet", "onet"
    input_size: int       # the side of its square input (P-Net: its 12×12 window)
    layers: tuple         # one short line per layer group, e.g. ("conv 3×3, 3→10", ...)
    outputs: tuple        # what its heads return, e.g. ("face prob (2)", "box offsets (4)")


HEADS = {2: "face prob", 4: "box offsets", 10: "landmarks"}


def cascade_stages() -> list:
    """The three nets summarised from ``nets/spec.py``, in cascade order → [NetSummary, ...].

    Each conv (or dense) layer is one line, with the pool that follows it; PReLUs, flatten and
    softmax are left out to keep the diagram small. The heads (the layers that give the face
    probability, box offsets and landmarks) are listed as outputs by their number of values.
    """
    summaries = []
    for net, spec in SPECS.items():
        by_name = {layer.name: layer for layer in spec}
        heads = []
        for name in OUTPUTS[net]:                   # a softmax output names its head as source
            layer = by_name[name]
            heads.append(by_name[layer.source] if layer.op == "softmax" else layer)
        trunk = []
        for layer in spec:
            if layer in heads or layer.op == "softmax":
                continue
            if layer.op == "conv":
                f, c, k = layer.size
                trunk.append(f"conv {k}×{k}, {c}→{f}")
            elif layer.op == "dense":
                f, d = layer.size
                trunk.append(f"dense {d}→{f}")
            elif layer.op == "maxpool" and trunk:
                trunk[-1] += f", pool {layer.size[0]}/{layer.size[1]}"
        outputs = tuple(f"{HEADS[layer.size[0]]} ({layer.size[0]})" for layer in heads)
        summaries.append(NetSummary(net, INPUT_SIZE[net], tuple(trunk), outputs))
    return summaries
