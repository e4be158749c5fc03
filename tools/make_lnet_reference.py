"""Reference for stage 4 (L-Net) made without mtcnn_np: ``tests/reference/lnet_cv2.npz``.

    /work/venvs/cv4/bin/python tools/make_lnet_reference.py ../shared/zhang2016/MTCNNv2/model

Inputs: the final boxes and landmarks of ``mtcnn`` 0.1.1 (``tests/reference/
detections_m011_arrays.npz``) on the bundled PNG photos (PNG: every decoder gives the same
pixels). The extended stage of ``MTCNNv2/detect_face.m`` is written out here again, face by face
and patch by patch as in Matlab, with OpenCV: patches cut into zero arrays, ``cv2.resize``
INTER_AREA to 24×24, the authors' ``det4`` run by ``cv2.dnn`` (``tools/lnet_caffe.py``), the
clamp and the corrected points. Stored per photo: ``<photo>.input`` (K, 15, 24, 24) float32 and
``<photo>.points`` (K, 5, 2) float64, in Matlab's (1-based, canonical) frame.
Needs numpy and opencv-python-headless only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from lnet_caffe import CaffeLNet  # noqa: E402

PHOTOS = ("group_small", "group", "astronaut_small", "grace_hopper_small")


def extended_stage(img: np.ndarray, boxes: np.ndarray, points: np.ndarray, lnet) -> tuple:
    """img (H, W, 3) uint8 RGB; boxes (K, 4); points (10, K) Matlab layout → input, points."""
    h, w = img.shape[:2]
    side = np.maximum(boxes[:, 2] - boxes[:, 0] + 1, boxes[:, 3] - boxes[:, 1] + 1)
    patchw = np.fix(0.25 * side)
    patchw[patchw % 2 == 1] += 1
    data = np.zeros((len(boxes), 15, 24, 24), np.float32)
    for k in range(5):
        for j in range(len(boxes)):
            pw = int(patchw[j])
            x = int(np.fix(points[k, j] - 0.5 * pw))         # 1-based first column
            y = int(np.fix(points[k + 5, j] - 0.5 * pw))
            patch = np.zeros((pw + 1, pw + 1, 3))
            for r in range(pw + 1):                           # Matlab's pad.m, one row at a time
                yy = y + r
                if not 1 <= yy <= h:
                    continue
                lo, hi = max(x, 1), min(x + pw, w)
                if lo <= hi:
                    patch[r, lo - x:hi - x + 1] = img[yy - 1, lo - 1:hi]
            small = cv2.resize(patch, (24, 24), interpolation=cv2.INTER_AREA)
            data[j, 3 * k:3 * k + 3] = ((small - 127.5) * 0.0078125).transpose(2, 0, 1)
    out = lnet.forward(data)
    refined = np.zeros((len(boxes), 5, 2))
    for k in range(5):
        o = np.asarray(out[k], np.float64).copy()
        o[(np.abs(o - 0.5) > 0.35).any(axis=1)] = 0.5        # "do not make a large movement"
        refined[:, k, 0] = points[k] - 0.5 * patchw + o[:, 0] * patchw
        refined[:, k, 1] = points[k + 5] - 0.5 * patchw + o[:, 1] * patchw
    return data, refined


def main() -> None:
    lnet = CaffeLNet(sys.argv[1])
    detections = np.load(ROOT / "tests" / "reference" / "detections_m011_arrays.npz")
    out = {}
    for photo in PHOTOS:
        bgr = cv2.imread(str(ROOT / "tests" / "images" / f"{photo}.png"), cv2.IMREAD_COLOR)
        rgb = np.ascontiguousarray(bgr[:, :, ::-1])
        boxes = detections[f"{photo}.total_boxes"][:, :4].astype(np.float64)
        points = detections[f"{photo}.points"].astype(np.float64)
        out[f"{photo}.input"], out[f"{photo}.points"] = extended_stage(rgb, boxes, points, lnet)
        print(photo, len(boxes), "faces")
    out["meta"] = np.array(f"opencv {cv2.__version__}, numpy {np.__version__}, det4 from "
                           f"{Path(sys.argv[1]).name}")
    np.savez_compressed(ROOT / "tests" / "reference" / "lnet_cv2.npz", **out)


if __name__ == "__main__":
    main()
