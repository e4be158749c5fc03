"""Face crops for recognition: square crops with a margin, and crops aligned by the 5 landmarks.

MTCNN's second job, after finding faces, is the one in its title: *alignment* (Zhang et al. 2016,
§I). Recognisers such as ArcFace are trained on 112×112 crops in which the five landmarks sit at
fixed places, the 5-point template ``TEMPLATE_112``. ``align_faces`` finds, per face, the
similarity transform (rotation, uniform scale, translation; no shear, no reflection) that maps
the detected landmarks onto that template in the least-squares sense (Umeyama 1991), then
resamples the photo through it with bilinear interpolation.

Two modules, two ideas: ``faces`` is about faces (the template, the crops, reading the faces in
any form ``MTCNN`` returns); ``warp`` is the geometry underneath, which knows nothing of faces
(Umeyama's fit, ``warp_affine``, ``sample_bilinear``, and the pixel convention they share with
``mtcnn_np.landmarks``). Every name is importable from ``mtcnn_np.align`` itself, as when this
was one module.
"""

from __future__ import annotations

from .faces import (
    FACES,
    KEYPOINT_OFFSET,
    TEMPLATE_112,
    align_faces,
    alignment_transforms,
    crop_faces,
    face_boxes,
    face_landmarks,
    square_windows,
    template_points,
)
from .warp import BORDERS, apply_transform, sample_bilinear, umeyama, warp_affine

__all__ = [
    "BORDERS", "FACES", "KEYPOINT_OFFSET", "TEMPLATE_112",
    "align_faces", "alignment_transforms", "apply_transform", "crop_faces", "face_boxes",
    "face_landmarks", "sample_bilinear", "square_windows", "template_points", "umeyama",
    "warp_affine",
]
