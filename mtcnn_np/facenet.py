"""facenet-pytorch's ``MTCNN`` interface on mtcnn_np: ``detect``, "the one face", 160×160 crops.

Code written for ``facenet_pytorch.MTCNN`` runs with the import changed
(``from mtcnn_np.facenet import FacenetMTCNN as MTCNN``) and without torch: the crops are NumPy
float32 arrays shaped like facenet's tensors. The definitions follow facenet-pytorch 2.6.0
(``models/mtcnn.py``, ``models/utils/detect_face.py``):

- ``detect(img, landmarks=True)`` → ``(boxes, probs, points)``: boxes (K, 4) ``[x1, y1, x2, y2]``
  floats, probs (K,), points (K, 5, 2) ``[x, y]``; ``None`` (and probs ``[None]``) for an image
  with no face; largest box first when ``select_largest``, else most probable first. A list or a
  stacked (N, H, W, 3) array gives object arrays, one entry per image, as facenet builds them.
  The points are the canonical port's values, which is facenet's convention (its
  ``points_x = w · p + x1 − 1``); the boxes are the canonical float boxes.
- ``select_boxes`` with ``"probability"``, ``"largest"``, ``"largest_over_threshold"`` and
  ``"center_weighted_size"``, as facenet defines them.
- :func:`extract_face`: the box grown by ``margin`` pixels *of the output* (facenet's definition:
  ``margin · box side / (image_size − margin)`` in the photo), truncated to whole pixels and cut
  at the image border, then resized to ``image_size²``; returned as (3, S, S) float32 with values
  0 … 255. Arrays are resized with area averaging (``resize.resize_area``, equal to OpenCV's
  INTER_AREA, which facenet uses for arrays); PIL images with Pillow's bilinear filter, as
  facenet does. ``post_process=True`` applies facenet's ``fixed_image_standardization``,
  ``(x − 127.5) / 128``.

Where we differ: the detector is mtcnn_np's, i.e. the canonical cascade (facenet's own
cascade differs from it by a few pixels on some faces); ``device=`` other than the CPU is an
error; crops are NumPy arrays, not tensors.
"""

from __future__ import annotations

import os

import numpy as np

from .detector import MTCNN
from .detector import _as_batch as _images  # a list/tuple or a 4-D array is a batch
from .image import load_image
from .options import check_device
from .resize import resize_area

METHODS = ("probability", "largest", "largest_over_threshold", "center_weighted_size")


def fixed_image_standardization(image: np.ndarray) -> np.ndarray:
    """facenet-pytorch's post-processing: ``(x − 127.5) / 128``, float32."""
    return ((np.asarray(image, np.float32) - 127.5) / 128.0).astype(np.float32)


class FacenetMTCNN:
    """``facenet_pytorch.MTCNN``'s constructor and methods, running mtcnn_np's detector.

    ``thresholds`` and ``factor`` are facenet's names for ``steps_threshold`` and
    ``scale_factor``; ``detector=`` passes a ready :class:`~mtcnn_np.MTCNN` instead.
    """

    def __init__(self, image_size: int = 160, margin: float = 0, min_face_size: float = 20,
                 thresholds: tuple = (0.6, 0.7, 0.7), factor: float = 0.709,
                 post_process: bool = True, select_largest: bool = True,
                 selection_method: str | None = None, keep_all: bool = False, device=None,
                 *, detector: MTCNN | None = None):
        check_device(device)
        if isinstance(image_size, bool) or not isinstance(image_size, int) or image_size < 1:
            raise ValueError(f"image_size must be a positive int, got {image_size!r}")
        if not 0 <= margin < image_size:
            raise ValueError(f"margin must be in [0, image_size), got {margin!r}")
        self.selection_method = selection_method or (
            "largest" if select_largest else "probability")
        if self.selection_method not in METHODS:
            raise ValueError(f"selection_method must be one of {', '.join(METHODS)}; "
                             f"got {selection_method!r}")
        self.image_size, self.margin = image_size, margin
        self.post_process, self.select_largest, self.keep_all = post_process, select_largest, \
            keep_all
        self.detector = detector or MTCNN(min_face_size=min_face_size, steps_threshold=thresholds,
                                          scale_factor=factor)

    # -- detection ---------------------------------------------------------------------------

    def detect(self, img, landmarks: bool = False) -> tuple:
        """``(boxes, probs)`` or ``(boxes, probs, points)`` in facenet's layout (module doc)."""
        images, batch = _images(img)
        boxes, probs, points = [], [], []
        for image in images:
            found = self.detector.detect(image, bgr=False)
            if not len(found):
                boxes.append(None)
                probs.append([None])
                points.append(None)
                continue
            order = (np.argsort(_areas(found.boxes))[::-1] if self.select_largest
                     else np.arange(len(found)))       # mtcnn_np's order is already by score
            boxes.append(found.boxes[order])
            probs.append(found.scores[order])
            points.append(found.canonical_landmarks[order].astype(np.float64))
        boxes, probs, points = (np.array(x, dtype=object) for x in (boxes, probs, points))
        if not batch:
            boxes, probs, points = boxes[0], probs[0], points[0]
        return (boxes, probs, points) if landmarks else (boxes, probs)

    def select_boxes(self, all_boxes, all_probs, all_points, imgs, method: str = "probability",
                     threshold: float = 0.9, center_weight: float = 2.0) -> tuple:
        """One box per image, by ``method`` (facenet's four heuristics); None where none."""
        images, batch = _images(imgs)
        if not batch:
            all_boxes, all_probs, all_points = [all_boxes], [all_probs], [all_points]
        chosen = [_select(boxes, probs, points, image, method, threshold, center_weight)
                  for boxes, probs, points, image in zip(all_boxes, all_probs, all_points, images)]
        boxes, probs, points = (list(x) for x in zip(*chosen))
        if batch:
            return _array(boxes), _array(probs), _array(points)
        return boxes[0], probs[0][0], points[0]

    # -- crops -------------------------------------------------------------------------------

    def __call__(self, img, save_path: str | None = None, return_prob: bool = False):
        """Crops of the faces (``keep_all``) or of the one selected face, facenet's ``forward``."""
        boxes, probs, points = self.detect(img, landmarks=True)
        if not self.keep_all:
            boxes, probs, points = self.select_boxes(boxes, probs, points, img,
                                                     method=self.selection_method)
        faces = self.extract(img, boxes, save_path)
        return (faces, probs) if return_prob else faces

    forward = __call__

    def extract(self, img, batch_boxes, save_path: str | list | None = None):
        """(3, S, S) float32 crop per image (or (K, 3, S, S) with ``keep_all``); None if none."""
        images, batch = _images(img)
        if not batch:
            batch_boxes = [batch_boxes]
        paths = [save_path] if isinstance(save_path, str) else save_path or [None] * len(images)
        faces = []
        for image, boxes, path in zip(images, batch_boxes, paths):
            if boxes is None:
                faces.append(None)
                continue
            boxes = np.asarray(boxes)[: None if self.keep_all else 1]
            crops = [self._crop(image, box, _numbered(path, i)) for i, box in enumerate(boxes)]
            faces.append(np.stack(crops) if self.keep_all else crops[0])
        return faces if batch else faces[0]

    def _crop(self, image, box, save_path: str | None) -> np.ndarray:
        face = extract_face(image, box, self.image_size, self.margin, save_path)
        return fixed_image_standardization(face) if self.post_process else face


def extract_face(img, box, image_size: int = 160, margin: float = 0,
                 save_path: str | None = None) -> np.ndarray:
    """The face in ``box`` plus ``margin`` output pixels, as a (3, S, S) float32 array 0…255.

    img : (H, W, 3) uint8 RGB array or PIL image; box : ``[x1, y1, x2, y2]`` floats.
    facenet-pytorch's geometry (module docstring); ``save_path`` writes the uint8 crop.
    """
    width, height = _size(img)
    grow = (margin * (box[2] - box[0]) / (image_size - margin),
            margin * (box[3] - box[1]) / (image_size - margin))
    x1, y1 = int(max(box[0] - grow[0] / 2, 0)), int(max(box[1] - grow[1] / 2, 0))
    x2 = int(min(box[2] + grow[0] / 2, width))
    y2 = int(min(box[3] + grow[1] / 2, height))
    if isinstance(img, np.ndarray):
        face = resize_area(load_image(img)[y1:y2, x1:x2], image_size, image_size)
    else:
        from PIL import Image

        face = np.asarray(img.crop((x1, y1, x2, y2)).resize((image_size, image_size),
                                                            Image.BILINEAR).convert("RGB"))
    if save_path is not None:
        from PIL import Image

        os.makedirs(os.path.dirname(save_path) or ".", exist_ok=True)
        Image.fromarray(face).save(save_path)
    return np.ascontiguousarray(face.transpose(2, 0, 1), dtype=np.float32)


# -- helpers ------------------------------------------------------------------------------------

def _array(items: list) -> np.ndarray:
    """``np.array(items)`` as facenet builds it; where NumPy ≥ 1.24 refuses the mix of None and
    arrays (facenet-pytorch then raises), a 1-D object array, one entry per image."""
    try:
        return np.array(items)
    except ValueError:
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out


def _areas(boxes: np.ndarray) -> np.ndarray:
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _size(image) -> tuple:
    if isinstance(image, np.ndarray):
        return image.shape[1], image.shape[0]
    return image.size


def _select(boxes, probs, points, image, method: str, threshold: float,
            center_weight: float) -> tuple:
    """One image's choice: ``(box (1, 4), prob (1,), points (1, 5, 2))`` or Nones."""
    none = (None, [None], None)
    if boxes is None:
        return none
    boxes, probs, points = np.asarray(boxes), np.asarray(probs), np.asarray(points)
    if method == "largest_over_threshold":
        keep = probs > threshold
        if not keep.any():
            return none
        boxes, probs, points = boxes[keep], probs[keep], points[keep]
        method = "largest"
    if method == "largest":
        score = _areas(boxes)
    elif method == "probability":
        score = probs
    elif method == "center_weighted_size":
        width, height = _size(image)
        centres = np.stack([boxes[:, 0] + boxes[:, 2], boxes[:, 1] + boxes[:, 3]], 1) / 2
        offsets = centres - (width / 2, height / 2)
        score = _areas(boxes) - center_weight * np.sum(offsets ** 2, axis=1)
    else:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    best = np.argsort(score)[::-1][:1]
    return boxes[best], probs[best], points[best]


def _numbered(path: str | None, index: int) -> str | None:
    """facenet's names for the 2nd, 3rd … face: ``face.png`` → ``face_2.png``, ``face_3.png``."""
    if path is None or index == 0:
        return path
    stem, ext = os.path.splitext(path)
    return f"{stem}_{index + 1}{ext}"
