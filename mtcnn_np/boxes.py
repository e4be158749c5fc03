"""Box geometry: regression (calibration) and squaring.

Boxes are ``(K, 4) float64 [x1, y1, x2, y2]`` in input-image pixels (see ``nms.py`` for the
inclusive convention); offsets are ``(K, 4) [dx1, dy1, dx2, dy2]`` as the nets output them,
fractions of the box's width and height (Zhang et al. 2016, §II-B, "bounding box regression").
"""

from __future__ import annotations

import numpy as np


def regress(boxes: np.ndarray, offsets: np.ndarray, inclusive: bool = True) -> np.ndarray:
    r"""Move each edge by its offset times the box size: ``x1 + dx1·w``, ..., ``y2 + dy2·h``.

    .. math::

        \hat x_1 = x_1 + \delta_{x_1} w, \quad \hat y_1 = y_1 + \delta_{y_1} h, \quad
        \hat x_2 = x_2 + \delta_{x_2} w, \quad \hat y_2 = y_2 + \delta_{y_2} h,
        \qquad w = x_2 - x_1 + 1, \; h = y_2 - y_1 + 1

    (``inclusive=False``: without the + 1.) The offsets :math:`\delta` are the net's
    :math:`\hat y^{box}_i` of eq. (2), trained to the targets :math:`y^{box}_i`
    (``training.data.box_targets``, the inverse of this formula).

    inclusive : the size used. The canonical code (from the Matlab original) uses
        ``w = x2 − x1 + 1`` after R-Net and O-Net but ``w = x2 − x1`` after P-Net; we keep both
        to reproduce it exactly. Pass ``inclusive=False`` for the P-Net step.

    boxes : (K, 4) float64, offsets : (K, 4) → (K, 4) float64 (a new array).
    """
    plus = 1.0 if inclusive else 0.0
    w = boxes[:, 2] - boxes[:, 0] + plus
    h = boxes[:, 3] - boxes[:, 1] + plus
    offsets = offsets.astype(np.float64)
    return np.stack([boxes[:, 0] + offsets[:, 0] * w,
                     boxes[:, 1] + offsets[:, 1] * h,
                     boxes[:, 2] + offsets[:, 2] * w,
                     boxes[:, 3] + offsets[:, 3] * h], axis=1)


def square(boxes: np.ndarray) -> np.ndarray:
    """Grow each box into a square of side ``max(w, h)`` with the same centre ("rerec").

    The nets take square crops; widening the short side keeps the face's aspect ratio.
    Here ``w = x2 − x1`` (no +1), and the operations are in the canonical order — this result is
    later truncated with ``fix``, so the last bit can matter.

    boxes : (K, 4) float64 → (K, 4) float64 (a new array).
    """
    w = boxes[:, 2] - boxes[:, 0]
    h = boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    x1 = boxes[:, 0] + w * 0.5 - side * 0.5
    y1 = boxes[:, 1] + h * 0.5 - side * 0.5
    return np.stack([x1, y1, x1 + side, y1 + side], axis=1)


def fix(boxes: np.ndarray) -> np.ndarray:
    """Round toward zero (Matlab's ``fix``): the canonical code snaps boxes to whole pixels
    before cropping. Note: toward zero, not down — a box at −3.7 becomes −3."""
    return np.fix(boxes)
