"""Key to ``00_overview.ipynb``: counting P-Net's windows, a cell's box in the photo, where the
time goes (open)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mtcnn_np import MTCNN
from mtcnn_np.funnel import funnel_counts, stage_times
from mtcnn_np.image import load_image

IMAGES = Path(__file__).resolve().parents[2] / "tests" / "images"


def my_windows_scanned(trace):
    """A Trace of one detection → the number of windows P-Net scored: one per output cell,
    ``h · w`` of each level's ``pnet/scale_NN/prob1`` map of shape (1, 2, h, w)."""
    return sum(value.shape[2] * value.shape[3] for name, value in trace.items.items()
               if name.startswith("pnet/") and name.endswith("/prob1"))


def my_cell_box(row, col, scale):
    """P-Net cell (row, col) at ``scale`` → (4,) float [x1, y1, x2, y2], 1-based inclusive.

    The window's 0-based pixels are 2·col … 2·col + 11; 1-based they are 2·col + 1 … 2·col + 12.
    """
    corners = np.array([2 * col + 1, 2 * row + 1, 2 * col + 12, 2 * row + 12], dtype=np.float64)
    return np.fix(corners / scale)


def _level_pixels(trace):
    """Mistake: one window per pixel of every level (P-Net's stride is 2, and the window must
    fit)."""
    return sum(value.shape[0] * value.shape[1] for name, value in trace.items.items()
               if name.endswith("/level"))


def _cell_box_zero_based(row, col, scale):
    """Mistake: the window's 0-based pixels, without the +1 of MTCNN's 1-based boxes."""
    return np.fix(np.array([2 * col, 2 * row, 2 * col + 11, 2 * row + 11], float) / scale)


WRONG = {"my_windows_scanned": _level_pixels, "my_cell_box": _cell_box_zero_based}


def open_exercise_3(min_face_sizes=(20, 40), repeats=3) -> dict:
    """Where the time goes on group.png (640×480) with ``min_face_size`` 20 and 40.

    Expected answer: stage 1 (pyramid + P-Net) gets the most cheaper. At 40 the first level is
    half as wide and half as tall as at 20, and so is every level after it: P-Net scans 4.4×
    fewer windows (50 663 → 11 575, exactly the count of group_small.png at 20, the same
    pyramid). Its time falls less than that (about 2× here), since resizing the photo and
    per-level overheads do not shrink with the window count. R-Net and O-Net change less:
    their cost follows the number of crops they get (R-Net 302 → 134, O-Net 53 → 40), and a
    face of the photo still produces candidates at the levels that remain. All seven faces are
    still found at 40 (the smallest is about 25 px wide: ``min_face_size`` is a soft bound,
    P-Net's regression reaches below it). Measured here on a busy shared 2-core machine,
    medians of 3 runs: 20 → 129, 186, 143 ms; 40 → 66, 124, 128 ms (P-Net, R-Net, O-Net).
    Returned: per ``min_face_size``, the median stage times (informative only), the funnel
    counts and the number of faces.
    """
    image = load_image(IMAGES / "group.png")
    found = {}
    for size in min_face_sizes:
        detector = MTCNN(min_face_size=size)
        trace = detector.detect(image, trace=True).trace
        found[size] = {"seconds": stage_times(detector, image, repeats=repeats),
                       "funnel": funnel_counts(trace, detector.steps_threshold),
                       "faces": len(trace["final/scores"])}
    return found
