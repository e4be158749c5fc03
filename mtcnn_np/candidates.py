"""Face candidates from P-Net's output maps (Zhang et al. 2016, §II-A, stage 1).

P-Net's output cell (row i, column j) of the level at scale s scored the 12×12 window whose top-left
corner is at (2j, 2i) in that level (conv stride 1 and one 2×2 pool: stride 2 overall). Mapped
back to the input image that window is ``[x1, y1, x2, y2] = fix([2j + 1, 2i + 1, 2j + 12,
2i + 12] / s)`` — the +1 and inclusive end come from the 1-based Matlab original.
"""

from __future__ import annotations

import numpy as np

STRIDE = 2      # pixels of the level between neighbouring P-Net cells
CELL_SIZE = 12  # P-Net's window


def candidates_from_pnet(prob: np.ndarray, offsets: np.ndarray, scale: float, threshold: float,
                         reproduce_single_cell_bug: bool = False) -> tuple:
    """Windows whose face probability is at least ``threshold`` (``≥``, as the original).

    Parameters
    ----------
    prob : (h, w) float32, face probability (softmax channel 1) of one pyramid level.
    offsets : (4, h, w) float32, P-Net's box offsets (dx1, dy1, dx2, dy2).
    scale : the level's scale.
    reproduce_single_cell_bug : the canonical port, when exactly one cell passes, flips the offset
        maps upside down first (a Matlab vector-orientation artefact) and so takes that window's
        offsets from the mirrored column. Off by default (the fix); on only to show, in a test,
        that this is the single difference from the canonical output.

    Returns
    -------
    boxes : (K, 4) float64 [x1, y1, x2, y2] in input-image pixels.
    scores : (K,) float32.
    cell_offsets : (K, 4) float32.

    Candidates come in column-major order (by column, then row), like Matlab's ``find``: NMS
    breaks exact score ties by this order.
    """
    cols, rows = np.nonzero(prob.T >= threshold)  # column-major scan
    if reproduce_single_cell_bug and cols.size == 1:
        cell_offsets = offsets[:, rows, prob.shape[1] - 1 - cols].T
    else:
        cell_offsets = offsets[:, rows, cols].T                       # (K, 4)
    corner = np.stack([cols, rows], axis=1).astype(np.float64)        # (K, 2) cell (x, y)
    top_left = np.fix((STRIDE * corner + 1) / scale)
    bottom_right = np.fix((STRIDE * corner + CELL_SIZE) / scale)
    boxes = np.hstack([top_left, bottom_right])                       # (K, 4)
    return boxes, prob[rows, cols], np.ascontiguousarray(cell_offsets)
