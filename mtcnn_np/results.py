"""Detection results: the array form, and the ``mtcnn`` package's list-of-dicts form."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .landmarks import NAMES
from .trace import Trace


@dataclass
class Detections:
    """Faces found in one image, best first.

    Attributes
    ----------
    boxes : (K, 4) float64 ``[x1, y1, x2, y2]`` after O-Net's regression, exactly as the
        canonical detector computes them: not rounded, not clipped to the image (a face cut by
        the border may have x1 < 0).
    scores : (K,) float32, O-Net's face probability.
    landmarks : (K, 5, 2) float64 ``[x, y]`` in the order of ``LANDMARK_NAMES``, *accurate*
        pixel coordinates: (0, 0) is the centre of the top-left pixel; not truncated.
    canonical_landmarks : (K, 5, 2) float32, the canonical port's values (1 px up-left, see
        ``landmarks.py``); ``int()`` of these is the ``mtcnn``-format keypoints.
    trace : the record of every stage, when asked for (``MTCNN.detect(image, trace=True)``).
    """

    boxes: np.ndarray
    scores: np.ndarray
    landmarks: np.ndarray
    canonical_landmarks: np.ndarray
    trace: Trace | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.scores)

    def to_mtcnn(self) -> list:
        """The ``mtcnn`` package's format, with its rounding, value for value.

        ``box = [max(0, int(x1)), max(0, int(y1)), int(x2 − x), int(y2 − y)]`` where x, y are the
        clipped corner; ``int()`` truncates toward zero; ``[]`` when there is no face.
        """
        faces = []
        for box, score, points in zip(self.boxes, self.scores, self.canonical_landmarks):
            x, y = max(0, int(box[0])), max(0, int(box[1]))
            faces.append({
                "box": [x, y, int(box[2] - x), int(box[3] - y)],
                "confidence": float(score),
                "keypoints": {name: (int(px), int(py)) for name, (px, py) in zip(NAMES, points)},
            })
        return faces

    @classmethod
    def empty(cls, trace: Trace | None = None) -> Detections:
        return cls(np.zeros((0, 4)), np.zeros(0, np.float32), np.zeros((0, 5, 2)),
                   np.zeros((0, 5, 2), np.float32), trace)
