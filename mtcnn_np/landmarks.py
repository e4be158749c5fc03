"""The five facial landmarks from O-Net (Zhang et al. 2016, §II-B, "facial landmark localization").

O-Net's ``conv6-3`` gives, per box, 10 numbers ``[x1..x5, y1..y5]`` — each point's position as a
fraction of the width/height of the 48×48 crop it saw — in the order left eye, right eye, nose,
left mouth corner, right mouth corner ("left" as seen in the image).
"""

from __future__ import annotations

import numpy as np

NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


def decode_landmarks(boxes: np.ndarray, raw: np.ndarray, canonical: bool = True) -> np.ndarray:
    r"""Landmarks in image pixels.

    .. math::

        x_k = w \, l^x_k + x_1, \quad y_k = h \, l^y_k + y_1, \qquad k = 1 \dots 5,
        \quad w = x_2 - x_1 + 1, \; h = y_2 - y_1 + 1

    (the accurate convention; the canonical one subtracts 1). The fractions
    :math:`(l^x_k, l^y_k)` are O-Net's :math:`\hat y^{landmark}_i` of eq. (3), ten numbers per face.

    Parameters
    ----------
    boxes : (K, 4) the O-Net *input* boxes (fixed, before O-Net's regression).
    raw : (K, 10) O-Net output [x1..x5, y1..y5] in [0, 1].
    canonical : True gives the canonical port's numbers, ``x = w·lx + x1 − 1`` with
        ``w = x2 − x1 + 1``, stored as float32 as it did (its later ``int()`` sees those float32
        values). False gives the accurate ones: ``x = w·lx + x1`` in float64, no truncation.

    Returns
    -------
    points : (K, 5, 2) [x, y] per landmark.

    Pixel convention of the accurate points: 0-based, (0, 0) is the centre of the top-left pixel
    (``image[round(y), round(x)]`` is the pixel a point falls on). The canonical ``− 1`` is a
    leftover of Matlab's 1-based indexing, and its ``int()`` truncates: together they put the
    canonical integer points about 1.4 px left and 1.1 px above the truth. Measured with
    ``benchmarks/landmark_nme.py`` on 1,498 AFLW crops: the accurate points sit +0.12 px / +0.36 px
    from the ground truth on average, NME 6.7 % (the mtcnn-format integers: 10.0 %).
    """
    w = (boxes[:, 2] - boxes[:, 0] + 1)[:, None]
    h = (boxes[:, 3] - boxes[:, 1] + 1)[:, None]
    xs = w * raw[:, 0:5] + boxes[:, 0:1]                    # (K, 5) float64
    ys = h * raw[:, 5:10] + boxes[:, 1:2]
    if canonical:
        return np.stack([xs - 1, ys - 1], axis=2).astype(np.float32)
    return np.stack([xs, ys], axis=2)
