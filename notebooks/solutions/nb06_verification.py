"""Key to ``06_verification.ipynb``: the first mismatch, the single-cell bug, exact integers
(open)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mtcnn_np import MTCNN
from mtcnn_np.boxes import fix
from mtcnn_np.image import load_image

IMAGES = Path(__file__).resolve().parents[2] / "tests" / "images"


def my_first_mismatch(ours, theirs, atol):
    """The first differing key of `ours` (a str), or None: in ``ours``' order, the first key also
    in ``theirs`` whose arrays differ in shape or by more than ``atol`` somewhere."""
    for key, value in ours.items():
        if key not in theirs:
            continue
        a, b = np.asarray(value, np.float64), np.asarray(theirs[key], np.float64)
        if a.shape != b.shape or (a.size and np.max(np.abs(a - b)) > atol):
            return key
    return None


def my_bug_cell():
    """(scale index, row, column of the mirrored cell whose offsets 0.1.1 used).

    Run the detector with default settings on grace_hopper_small.png, find the level where
    exactly one cell has probability ≥ 0.6, and mirror its column: ``w − 1 − c``.
    """
    trace = MTCNN().detect(load_image(IMAGES / "grace_hopper_small.png"), trace=True).trace
    k = 0
    while f"pnet/scale_{k:02d}/prob1" in trace:
        prob = trace[f"pnet/scale_{k:02d}/prob1"][0, 1]          # (h, w) face probability
        rows, cols = np.nonzero(prob >= 0.6)
        if len(rows) == 1:
            return (k, int(rows[0]), prob.shape[1] - 1 - int(cols[0]))
        k += 1
    return None


def _first_mismatch_ignoring_shape(ours, theirs, atol):
    """Mistake: comparing values only where both have the same shape, so a shape change passes."""
    for key, value in ours.items():
        if key in theirs and np.shape(value) == np.shape(theirs[key]):
            if np.size(value) and np.max(np.abs(np.subtract(value, theirs[key]))) > atol:
                return key
    return None


def _bug_cell_unmirrored():
    """Mistake: the cell itself, not the mirrored column whose offsets 0.1.1 read."""
    k, row, mirrored = my_bug_cell()
    trace_width = MTCNN().detect(load_image(IMAGES / "grace_hopper_small.png"),
                                 trace=True).trace[f"pnet/scale_{k:02d}/prob1"].shape[3]
    return (k, row, trace_width - 1 - mirrored)


WRONG = {"my_first_mismatch": _first_mismatch_ignoring_shape, "my_bug_cell": _bug_cell_unmirrored}


def open_exercise_3() -> dict:
    """Why exact for stage 1 and the integers, not for the floats in between.

    Expected answer: two correct float32 implementations (ours, 0.1.1 on TensorFlow) differ by
    rounding — about 1e-6 relative — in every net output, hence in every float derived from
    them: the stage-2 and final boxes can only agree to a tolerance. But stage 1's boxes end in
    ``fix`` (whole pixels) and the printed values in ``int()``: both send two numbers 1e-6 apart
    to the *same* integer unless a whole number lies between them, which needs the value to sit
    within 1e-6 of an integer — rare enough that it never happens on the test photos (and the
    comparisons ≥ 0.6, ``≤`` in NMS, are just as robust away from their thresholds). So the
    integers agree exactly; in principle one could still differ by 1.
    """
    below, above = 2.9999995, 3.0000005               # 1e-6 apart, on both sides of 3
    near, far = 17.4, 17.4 + 1e-6                      # 1e-6 apart, far from a whole number
    return {"fix_across_a_whole_number": (float(fix(below)), float(fix(above))),
            "fix_away_from_it": (float(fix(near)), float(fix(far)))}
