"""Face crops for recognition: square crops with a margin, and crops aligned by the 5 landmarks.

``align_faces`` maps each face's landmarks onto the 5-point template with the similarity
transform of ``warp.umeyama`` and resamples the photo through it (``warp.warp_affine``);
``crop_faces`` cuts square windows around the boxes and shrinks them by area averaging. Both
take the faces in any of the forms ``MTCNN`` returns (``face_landmarks``, ``face_boxes``).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..crops import gather_pixels
from ..image import in_channel_order, load_image, wants_bgr
from ..landmarks import NAMES
from ..resize import resize_area
from ..results import Detections
from .warp import _check_border, umeyama, warp_affine

#: The 5-point template for 112×112 crops, (5, 2) [x, y] in the order of ``landmarks.NAMES``
#: (left eye, right eye, nose, left and right mouth corners; "left" as seen in the image).
#: The numbers used to prepare the training data of ArcFace-style recognisers: InsightFace,
#: ``python-package/insightface/utils/face_align.py`` (``arcface_src``, later ``arcface_dst``),
#: github.com/deepinsight/insightface, applied there with ``cv2.warpAffine`` (pixel centres).
TEMPLATE_112 = np.array([[38.2946, 51.6963],
                         [73.5318, 51.5014],
                         [56.0252, 71.7366],
                         [41.5493, 92.3655],
                         [70.7299, 92.2041]])

#: Average offset from an ``mtcnn``-format integer keypoint to the accurate float landmark: the
#: canonical formula subtracts 1 and ``int()`` then truncates (−0.5 px on average); see
#: ``landmarks.py``. Added back when faces are given as ``detect_faces`` dicts.
KEYPOINT_OFFSET = 1.5


# -- public API ------------------------------------------------------------------------------

def align_faces(image, faces, size: int = 112, template: np.ndarray | None = None,
                border: str = "constant", *, bgr: bool | None = None) -> np.ndarray:
    """Crops warped so that each face's five landmarks land on the template.

    Parameters
    ----------
    image : (H, W, 3) uint8 RGB array, PIL image or path (as ``MTCNN.detect``).
    faces : a ``Detections`` (best: its float landmarks are the accurate ones), the
        ``detect_faces`` list of dicts, or a (K, 5, 2) array of [x, y] landmarks.
    size : side of the square output, in pixels. The template is ``TEMPLATE_112 · size / 112``.
    template : (5, 2) [x, y] target points in output pixels, instead of the scaled default.
    border : where a crop reaches outside the photo: "constant" fills black (as
        ``cv2.warpAffine``'s default), "edge" repeats the nearest border pixel.
    bgr : True: ``image`` is an OpenCV BGR(A) array and the crops come back BGR. None or
        False: RGB (no detector is involved here).

    Returns
    -------
    crops : (K, size, size, 3) uint8 RGB (BGR with ``bgr=True``), in the order of ``faces``.
    """
    bgr = wants_bgr(bgr)
    rgb = load_image(image, bgr=bgr)
    size = _check_size(size)
    _check_border(border)
    matrices = alignment_transforms(faces, size, template)        # (K, 2, 3)
    return in_channel_order(warp_affine(rgb, matrices, size, border), bgr)


def alignment_transforms(faces, size: int = 112, template: np.ndarray | None = None
                         ) -> np.ndarray:
    """(K, 2, 3) similarity transforms mapping photo pixels to aligned-crop pixels.

    ``crop_point = M[:, :2] @ photo_point + M[:, 2]``; apply it to other points (say, the
    landmarks) to see where they land in the crop. ``faces`` as in ``align_faces``.
    """
    target = template_points(_check_size(size)) if template is None else _check_template(template)
    landmarks = face_landmarks(faces)                             # (K, 5, 2)
    return umeyama(landmarks, np.broadcast_to(target, landmarks.shape))


def crop_faces(image, faces, size: int = 160, margin: float = 0.2,
               border: str = "constant", *, bgr: bool | None = None) -> np.ndarray:
    """Square crops around the face boxes, resized to ``size × size``.

    Parameters
    ----------
    image : (H, W, 3) uint8 RGB array, PIL image or path.
    faces : a ``Detections``, the ``detect_faces`` list of dicts, or a (K, 4) array of
        [x1, y1, x2, y2] boxes covering pixel columns x1 … x2 − 1 and rows y1 … y2 − 1 (the way
        the ``mtcnn`` format's [x, y, w, h] is read).
    size : side of the output crops, in pixels (160 is FaceNet's input).
    margin : added on *each* side, as a fraction of the box's longer side: the crop's side is
        ``max(w, h) · (1 + 2·margin)``, centred on the box, rounded to whole pixels.
    border : "constant" pads with black where the crop leaves the photo, "edge" repeats the
        border pixels.
    bgr : True: ``image`` is an OpenCV BGR(A) array and the crops come back BGR.

    Returns
    -------
    crops : (K, size, size, 3) uint8 RGB (BGR with ``bgr=True``). Shrunk with area averaging
    (``resize.py``, OpenCV's INTER_AREA), which does not alias as plain bilinear sampling would.
    """
    bgr = wants_bgr(bgr)
    rgb = load_image(image, bgr=bgr)
    size = _check_size(size)
    margin = _check_margin(margin)
    _check_border(border)
    left, top, side = square_windows(face_boxes(faces), margin)
    out = np.zeros((len(side), size, size, 3), dtype=np.uint8)
    # One gather and one batched resize per crop size (resampling weights depend on the size).
    for s in np.unique(side):
        group = np.flatnonzero(side == s)
        out[group] = resize_area(_cut(rgb, left[group], top[group], int(s), border), size, size)
    return in_channel_order(out, bgr)


# -- geometry ---------------------------------------------------------------------------------

def template_points(size: int = 112) -> np.ndarray:
    """(5, 2) [x, y] template for a ``size × size`` crop: ``TEMPLATE_112`` scaled by size/112."""
    return TEMPLATE_112 * (size / 112)


def square_windows(boxes: np.ndarray, margin: float) -> tuple:
    """Whole-pixel square windows around boxes.

    boxes : (K, 4) [x1, y1, x2, y2], columns x1 … x2 − 1. Returns (left, top, side), each (K,)
    int64: the window covers columns left … left + side − 1 and the matching rows.
    """
    cx = (boxes[:, 0] + boxes[:, 2]) / 2                                    # (K,) centre
    cy = (boxes[:, 1] + boxes[:, 3]) / 2
    longer = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    side = np.maximum(1, np.round(longer * (1 + 2 * margin))).astype(np.int64)
    left = np.round(cx - side / 2).astype(np.int64)
    top = np.round(cy - side / 2).astype(np.int64)
    return left, top, side


def _cut(rgb: np.ndarray, left: np.ndarray, top: np.ndarray, side: int, border: str
         ) -> np.ndarray:
    """(n, side, side, 3) uint8 windows at (left, top), padded outside the image."""
    rows = (top[:, None] + np.arange(side))[:, :, None]                     # (n, side, 1)
    cols = (left[:, None] + np.arange(side))[:, None, :]                    # (n, 1, side)
    if border == "constant":
        return gather_pixels(rgb, rows, cols)                               # zeros outside
    h, w = rgb.shape[:2]
    return rgb[np.clip(rows, 0, h - 1), np.clip(cols, 0, w - 1)]            # repeat the edge


# -- reading ``faces`` in any of its forms ------------------------------------------------------

FACES = "a Detections, a detect_faces list of dicts, or an array"


def face_landmarks(faces) -> np.ndarray:
    """(K, 5, 2) float64 accurate landmarks from any accepted form of ``faces``."""
    if isinstance(faces, Detections):
        return np.asarray(faces.landmarks, np.float64).reshape(-1, 5, 2)
    if isinstance(faces, np.ndarray):
        return _check_array(faces, (5, 2), "landmarks")
    dicts = _dicts(faces)
    points = np.zeros((len(dicts), 5, 2))
    for i, face in enumerate(dicts):
        keypoints = face.get("keypoints")
        if not isinstance(keypoints, dict) or any(name not in keypoints for name in NAMES):
            raise ValueError(f"faces[{i}] has no 'keypoints' with {', '.join(NAMES)}")
        points[i] = [keypoints[name] for name in NAMES]
        if "box_xyxy" not in face:   # mtcnn integers, not the float form of ``--float``
            points[i] += KEYPOINT_OFFSET
    return points


def face_boxes(faces) -> np.ndarray:
    """(K, 4) float64 [x1, y1, x2, y2] boxes from any accepted form of ``faces``."""
    if isinstance(faces, Detections):
        return np.asarray(faces.boxes, np.float64).reshape(-1, 4)
    if isinstance(faces, np.ndarray):
        return _check_array(faces, (4,), "boxes")
    dicts = _dicts(faces)
    boxes = np.zeros((len(dicts), 4))
    for i, face in enumerate(dicts):
        if "box_xyxy" in face:
            boxes[i] = face["box_xyxy"]
        elif "box" in face:
            x, y, w, h = face["box"]
            boxes[i] = [x, y, x + w, y + h]
        else:
            raise ValueError(f"faces[{i}] has no 'box' [x, y, w, h]")
    return boxes


def _dicts(faces) -> list:
    if isinstance(faces, dict) or not isinstance(faces, (list, tuple)):
        raise TypeError(f"faces must be {FACES}; got {type(faces).__name__}"
                        + (" (wrap a single face in a list)" if isinstance(faces, dict) else ""))
    if not all(isinstance(face, dict) for face in faces):
        raise TypeError(f"faces must be {FACES}; got a list holding other things")
    return list(faces)


def _check_array(array: np.ndarray, tail: tuple, what: str) -> np.ndarray:
    if array.ndim != 1 + len(tail) or array.shape[1:] != tail:
        shape = ", ".join(["K", *map(str, tail)])
        raise ValueError(f"{what} must be a ({shape}) array; got shape {array.shape}")
    array = array.astype(np.float64)
    if not np.isfinite(array).all():
        raise ValueError(f"{what} must be finite")
    return array


# -- argument checks ------------------------------------------------------------------------------

def _check_size(size) -> int:
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"size must be a positive whole number of pixels; got {size!r}")
    return int(size)


def _check_margin(margin) -> float:
    if isinstance(margin, bool) or not isinstance(margin, numbers.Real) or not margin >= 0 \
            or not np.isfinite(margin):
        raise ValueError(f"margin must be a number ≥ 0 (a fraction of the box side); "
                         f"got {margin!r}")
    return float(margin)


def _check_template(template) -> np.ndarray:
    template = np.asarray(template, np.float64)
    if template.shape != (5, 2) or not np.isfinite(template).all():
        raise ValueError(f"template must be a (5, 2) array of finite [x, y]; got shape "
                         f"{template.shape}")
    return template
