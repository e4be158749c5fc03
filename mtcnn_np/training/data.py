"""Training crops built the way the paper builds them (Zhang et al. 2016, §II-C).

From images whose faces are known (boxes, and landmarks where available), square crops are cut
at random and labelled by their IoU with the nearest face:

- IoU < 0.3: **negative** (trains classification only);
- IoU > 0.65: **positive** (classification and box regression);
- 0.4 ≤ IoU ≤ 0.65: **part face** (box regression only);
- 0.3 ≤ IoU < 0.4: ambiguous, not used;
- **landmark face**: a positive crop of a face with known landmarks (landmarks only).

Coordinates follow the detector's conventions, so a net trained here plugs straight into it:
a crop box ``[x1, y1, x2, y2]`` is a whole-pixel, 1-based inclusive square of side
``s = x2 − x1 + 1``, cut and resized by the detector's own :func:`~mtcnn_np.crops.crop_and_resize`;
the box targets are the offsets that :func:`mtcnn_np.boxes.regress` turns back into the face
box, ``(face − crop) / s`` per edge; the landmark targets are what
:func:`mtcnn_np.landmarks.decode_landmarks` (accurate) turns back into the points,
``(point − crop corner) / s``, laid out ``[x1..x5, y1..y5]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..crops import crop_and_resize
from ..pyramid import normalize, to_nchw
from .losses import KIND_NAMES, LANDMARK, NEGATIVE, PART, POSITIVE

NEGATIVE_BELOW, PART_FROM, POSITIVE_ABOVE = 0.3, 0.4, 0.65   # IoU thresholds of §II-C
UNUSED = -1                                                 # kind of an ambiguous crop


@dataclass
class CropSet:
    """Labelled training crops.

    Attributes
    ----------
    images : (N, 3, S, S) float32, normalised like the detector's input (``(pixel − 127.5)/128``).
    kinds : (N,) int8, NEGATIVE, POSITIVE, PART or LANDMARK (``losses.py``).
    boxes : (N, 4) float32 offset targets [dx1, dy1, dx2, dy2] (0 where unused).
    landmarks : (N, 10) float32 targets [x1..x5, y1..y5] in crop fractions (0 where unused).
    """

    images: np.ndarray
    kinds: np.ndarray
    boxes: np.ndarray
    landmarks: np.ndarray

    def __len__(self) -> int:
        return len(self.kinds)

    def subset(self, index) -> CropSet:
        """The samples at ``index`` (indices or a boolean mask)."""
        return CropSet(self.images[index], self.kinds[index], self.boxes[index],
                       self.landmarks[index])

    def counts(self) -> dict:
        """``{kind name: number of samples}``."""
        return {name: int((self.kinds == k).sum()) for k, name in enumerate(KIND_NAMES)}

    @staticmethod
    def concat(sets: list) -> CropSet:
        return CropSet(*(np.concatenate([getattr(s, f) for s in sets])
                         for f in ("images", "kinds", "boxes", "landmarks")))


def faces_from_detector(detector, image: np.ndarray) -> tuple:
    """Labels for an image from a detector: (boxes (K, 4) float64, landmarks (K, 5, 2) float64).

    The boxes are the detector's final boxes, the landmarks its accurate ones — the conventions
    the crops below are labelled in.
    """
    found = detector.detect(image)
    return found.boxes, found.landmarks


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in ``a`` (M, 4) with every box in ``b`` (K, 4) → (M, K) float64.

    Inclusive pixel convention as in ``nms.py``: a box covers ``x2 − x1 + 1`` pixels across.
    """
    a, b = a[:, None, :], b[None, :, :]                                        # (M,1,4), (1,K,4)
    iw = np.maximum(0.0, np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]) + 1)
    ih = np.maximum(0.0, np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]) + 1)
    inter = iw * ih                                                            # (M, K)
    area_a = (a[..., 2] - a[..., 0] + 1) * (a[..., 3] - a[..., 1] + 1)
    area_b = (b[..., 2] - b[..., 0] + 1) * (b[..., 3] - b[..., 1] + 1)
    return inter / (area_a + area_b - inter)


def squares(x1: np.ndarray, y1: np.ndarray, side: np.ndarray) -> np.ndarray:
    """(K, 4) whole-pixel squares [x1, y1, x1 + side − 1, y1 + side − 1] (1-based, inclusive)."""
    x1, y1, side = np.floor(x1), np.floor(y1), np.maximum(np.floor(side), 1)
    return np.stack([x1, y1, x1 + side - 1, y1 + side - 1], axis=1)


def inside(boxes: np.ndarray, height: int, width: int) -> np.ndarray:
    """(K,) bool: the box lies within an image of ``height × width`` (1-based pixels)."""
    return ((boxes[:, 0] >= 1) & (boxes[:, 1] >= 1)
            & (boxes[:, 2] <= width) & (boxes[:, 3] <= height))


def random_squares(rng: np.random.Generator, height: int, width: int, count: int,
                   min_side: int = 12) -> np.ndarray:
    """``count`` squares anywhere in the image, side from ``min_side`` to half the short side."""
    max_side = max(min_side + 1, min(height, width) // 2)
    side = rng.integers(min_side, max_side, count)
    x1 = 1 + rng.random(count) * (width - side + 1)
    y1 = 1 + rng.random(count) * (height - side + 1)
    return squares(x1, y1, side)


def squares_near(rng: np.random.Generator, faces: np.ndarray, per_face: int, shift: float,
                 scale: tuple) -> np.ndarray:
    """``per_face`` squares around each face: side ``max(w, h)·U(scale)``, centre moved by up to
    ``shift`` times the face size in x and y. Small shifts give positives, larger ones part faces
    and hard negatives. faces : (K, 4) → (K·per_face, 4)."""
    faces = np.repeat(faces, per_face, axis=0)                            # (K·per_face, 4)
    size = np.maximum(faces[:, 2] - faces[:, 0], faces[:, 3] - faces[:, 1])
    n = len(faces)
    side = size * rng.uniform(scale[0], scale[1], n)
    cx = (faces[:, 0] + faces[:, 2]) / 2 + size * rng.uniform(-shift, shift, n)
    cy = (faces[:, 1] + faces[:, 3]) / 2 + size * rng.uniform(-shift, shift, n)
    return squares(cx - side / 2, cy - side / 2, side)


def label_crops(crops: np.ndarray, faces: np.ndarray) -> tuple:
    """Kind of each crop by its best IoU with any face, and which face that is.

    crops : (M, 4), faces : (K, 4) → kinds (M,) int8 (NEGATIVE, POSITIVE, PART or UNUSED),
    nearest (M,) int64 index of the best-overlapping face (0 when there are no faces).
    """
    if len(faces) == 0:
        return np.full(len(crops), NEGATIVE, np.int8), np.zeros(len(crops), np.int64)
    iou = iou_matrix(crops, faces)                                        # (M, K)
    nearest, best = iou.argmax(axis=1), iou.max(axis=1)
    kinds = np.full(len(crops), UNUSED, np.int8)
    kinds[best < NEGATIVE_BELOW] = NEGATIVE
    kinds[(best >= PART_FROM) & (best <= POSITIVE_ABOVE)] = PART
    kinds[best > POSITIVE_ABOVE] = POSITIVE
    return kinds, nearest


def box_targets(crops: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Offsets that ``regress(crops, offsets)`` turns into ``faces``: ``(face − crop) / s`` per
    edge, s = the crop's side. crops, faces : (K, 4) → (K, 4) float32."""
    side = (crops[:, 2] - crops[:, 0] + 1)[:, None]
    return ((faces - crops) / side).astype(np.float32)


def landmark_targets(crops: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Points as fractions of the crop, inverting ``decode_landmarks(canonical=False)``:
    ``(x − x1) / s``. crops : (K, 4), points : (K, 5, 2) → (K, 10) [x1..x5, y1..y5] float32."""
    side = (crops[:, 2] - crops[:, 0] + 1)[:, None]
    xs = (points[:, :, 0] - crops[:, 0:1]) / side
    ys = (points[:, :, 1] - crops[:, 1:2]) / side
    return np.concatenate([xs, ys], axis=1).astype(np.float32)


def make_crop_set(rng: np.random.Generator, image: np.ndarray, faces: np.ndarray,
                  points: np.ndarray | None, size: int, counts: dict) -> CropSet:
    """Labelled crops from one image.

    Parameters
    ----------
    rng : the random generator (pass a seeded one for a reproducible set).
    image : (H, W, 3) uint8 RGB.
    faces : (K, 4) face boxes [x1, y1, x2, y2] (K may be 0: then every crop is a negative).
    points : (K, 5, 2) their landmarks [x, y], or None.
    size : side of the net input (12, 24 or 48).
    counts : wanted number of each kind, a dict with the keys "negative", "positive", "part"
        and "landmark"; fewer are returned when the image does not offer enough.

    Returns
    -------
    A :class:`CropSet` of at most ``sum(counts.values())`` crops, kinds in that order.
    """
    h, w = image.shape[:2]
    faces = np.asarray(faces, np.float64).reshape(-1, 4)
    pool = [random_squares(rng, h, w, 4 * counts.get("negative", 0))]
    if len(faces):
        wanted = counts.get("positive", 0) + counts.get("part", 0) + counts.get("landmark", 0)
        per_face = 4 * wanted // len(faces) + 1
        pool += [squares_near(rng, faces, per_face, 0.1, (0.85, 1.15)),   # mostly positives
                 squares_near(rng, faces, per_face, 0.35, (0.7, 1.4))]    # parts, hard negatives
    crops = np.concatenate(pool)
    crops = crops[inside(crops, h, w)]
    kinds, nearest = label_crops(crops, faces)
    picks = {}
    for name, kind in (("negative", NEGATIVE), ("positive", POSITIVE), ("part", PART)):
        picks[kind] = rng.permutation(np.flatnonzero(kinds == kind))[:counts.get(name, 0)]
    if points is not None and len(faces):
        # Landmark faces: other positive crops, labelled with the face's landmarks instead.
        unused_positives = np.setdiff1d(np.flatnonzero(kinds == POSITIVE), picks[POSITIVE])
        picks[LANDMARK] = rng.permutation(unused_positives)[:counts.get("landmark", 0)]
    chosen = np.concatenate([picks[k] for k in sorted(picks)]).astype(np.int64)
    crops, nearest = crops[chosen], nearest[chosen]
    out_kinds = np.concatenate([np.full(len(picks[k]), k, np.int8) for k in sorted(picks)])
    boxes = np.zeros((len(chosen), 4), np.float32)
    marks = np.zeros((len(chosen), 10), np.float32)
    if len(faces):
        for_box = (out_kinds == POSITIVE) | (out_kinds == PART)
        boxes[for_box] = box_targets(crops[for_box], faces[nearest[for_box]])
        is_mark = out_kinds == LANDMARK
        if is_mark.any():
            marks[is_mark] = landmark_targets(crops[is_mark], points[nearest[is_mark]])
    pixels = crop_and_resize(image, crops, size)                   # (N, size, size, 3) float64
    return CropSet(to_nchw(normalize(pixels)), out_kinds, boxes, marks)
