"""``detect_faces``'s output in the forms ``mtcnn`` 0.1.1 and 1.0 give it.

The default is 0.1.1's list of dicts, value for value (:meth:`Detections.to_mtcnn`). The
options are ``mtcnn`` 1.0's (see :class:`~mtcnn_np.options.OutputOptions`):

- ``fit_to_image=True`` clips the float box corners to ``[0, W-1] × [0, H-1]`` before they are
  turned into integers (and, with ``limit_boundaries_landmarks=True``, the keypoints too), as
  1.0's ``limit_bboxes`` does;
- ``box_format="xyxy"`` gives ``[x1, y1, x2, y2] = [x, y, x + w, y + h]`` of the same integers;
- ``output_type="numpy"`` gives 1.0's (n, 16) float64 array, one row per face:
  ``[image_index, x1, y1, x2, y2, confidence, x_1 … x_5, y_1 … y_5]`` (with ``"xywh"`` columns 3
  and 4 hold the width and height). The values are the unrounded floats of
  :meth:`MTCNN.detect`: ``boxes`` and the accurate ``landmarks``.
"""

from __future__ import annotations

import numpy as np

from .options import OutputOptions
from .results import Detections


def to_json(result: Detections, shape: tuple, options: OutputOptions) -> list:
    """One image's faces as a list of dicts; ``shape``: the converted image's (H, W, 3)."""
    if options == OutputOptions():
        return result.to_mtcnn()                      # 0.1.1's format, untouched
    fitted = _fitted(result, shape, options)
    faces = fitted.to_mtcnn()
    if options.box_format == "xyxy":
        for face in faces:
            x, y, w, h = face["box"]
            face["box"] = [x, y, x + w, y + h]
    return faces


def to_numpy(results: list, shapes: list, options: OutputOptions) -> np.ndarray:
    """Faces of several images as one (n, 16) float64 array (``mtcnn`` 1.0's layout)."""
    rows = [np.zeros((0, 16))]
    for index, (result, shape) in enumerate(zip(results, shapes)):
        fitted = _fitted(result, shape, options)
        boxes = fitted.boxes.astype(np.float64, copy=True)
        if options.box_format == "xywh":
            boxes[:, 2:] -= boxes[:, :2]
        points = fitted.landmarks.astype(np.float64)                  # (K, 5, 2)
        rows.append(np.hstack([np.full((len(fitted), 1), index), boxes,
                               fitted.scores[:, None].astype(np.float64),
                               points[:, :, 0], points[:, :, 1]]))
    return np.concatenate(rows)


def _fitted(result: Detections, shape: tuple, options: OutputOptions) -> Detections:
    """``result`` with boxes (and, if asked, landmarks) clipped to the image, if asked."""
    if not options.fit_to_image:
        return result
    height, width = shape[:2]
    limits = np.array([width - 1, height - 1], np.float64)
    boxes = np.clip(result.boxes, 0, np.tile(limits, 2))
    landmarks, canonical = result.landmarks, result.canonical_landmarks
    if options.limit_boundaries_landmarks:
        landmarks = np.clip(landmarks, 0, limits)
        canonical = np.clip(canonical, 0, limits.astype(np.float32))
    return Detections(boxes, result.scores, landmarks, canonical, result.trace)
