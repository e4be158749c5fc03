"""The five facial landmarks from O-Net (Zhang et al. 2016, §II-B, "facial landmark localization").

O-Net's ``conv6-3`` gives, per box, 10 numbers ``[x1..x5, y1..y5]`` — each point's position as a
fraction of the width/height of the 48×48 crop it saw — in the order left eye, right eye, nose,
left mouth corner, right mouth corner ("left" as seen in the image).
"""

from __future__ import annotations

import numpy as np

NAMES = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")


def decode_landmarks(boxes: np.ndarray, raw: np.ndarray, canonical: bool = True) -> np.ndarray:
    """Landmarks in image pixels.

    Parameters
    ----------
    boxes : (K, 4) the O-Net *input* boxes (fixed, before O-Net's regression).
    raw : (K, 10) O-Net output [x1..x5, y1..y5] in [0, 1].
    canonical : True gives the canonical port's numbers, ``x = w·lx + x1 − 1`` with
        ``w = x2 − x1 + 1``, stored as float32 as it did (its later ``int()`` sees those float32
        values). False gives the accurate ones (see :func:`accurate_landmarks`).

    Returns
    -------
    points : (K, 5, 2) [x, y] per landmark.
    """
    w = (boxes[:, 2] - boxes[:, 0] + 1)[:, None]
    h = (boxes[:, 3] - boxes[:, 1] + 1)[:, None]
    xs = w * raw[:, 0:5] + boxes[:, 0:1]
    ys = h * raw[:, 5:10] + boxes[:, 1:2]
    if canonical:
        return np.stack([xs - 1, ys - 1], axis=2).astype(np.float32)
    return np.stack([xs + ACCURATE_SHIFT, ys + ACCURATE_SHIFT], axis=2)


# The canonical "− 1" comes from Matlab's 1-based pixels; measured on AFLW crops the canonical
# points sit about 1 px up-left of the ground truth before int() and 1.4 px after. See
# benchmarks/landmark_nme.py for the measurement behind the pixel convention chosen here.
ACCURATE_SHIFT = 0.0
