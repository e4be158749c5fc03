"""Landmark accuracy (NME) of mtcnn_np on face crops with 5 ground-truth points.

Protocol (as in ../shared/README.md for the numbers quoted in the issues): each crop is centred on
a canvas twice its size filled with grey 128; detect with default parameters; take the detection
whose box overlaps the crop best (IoU ≥ 0.3); NME = mean point-to-point distance / ground-truth
inter-ocular distance (eye to eye); a failure is NME > 10 %. Crops with no matching detection
count as misses and are left out of the mean (reported separately).

    python benchmarks/landmark_nme.py ../shared/data/dev/mtfl_dev
    python benchmarks/landmark_nme.py ../shared/data/dev/mtfl_dev --refine-landmarks
    python benchmarks/landmark_nme.py ../shared/data/dev/mtfl_dev --refine-landmarks \
        --caffe-lnet ../shared/zhang2016/MTCNNv2/model --resampling area bilinear

The folder must hold ``gt.json`` (``images: [{file, faces: [{box, keypoints}]}]``) and the images.
Prints the NME of three readings of the same detections: the ``mtcnn``-format integers, the
canonical float values, and mtcnn_np's accurate landmarks (``Detections.landmarks``).
``--refine-landmarks`` adds the same readings after stage 4 (L-Net, ``refine.py``), run on the
same detections, once per ``--resampling`` of the patches; ``--caffe-lnet DIR`` runs the authors'
``det4`` through OpenCV (``tools/lnet_caffe.py``) instead of mtcnn_np's L-Net. Every row also
gives the NME per landmark.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mtcnn_np import MTCNN  # noqa: E402
from mtcnn_np.landmarks import NAMES  # noqa: E402
from mtcnn_np.refine import RESAMPLING  # noqa: E402


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """a, b : [x1, y1, x2, y2] (continuous coordinates)."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def on_canvas(crop: np.ndarray) -> tuple[np.ndarray, int, int]:
    """Centre ``crop`` on a grey-128 canvas twice its size; returns canvas and crop offset."""
    h, w = crop.shape[:2]
    canvas = np.full((2 * h, 2 * w, 3), 128, np.uint8)
    top, left = h // 2, w // 2
    canvas[top:top + h, left:left + w] = crop
    return canvas, left, top


def readings(result, best: int, prefix: str = "") -> dict:
    """The three readings of one detection's landmarks, (5, 2) float64 each."""
    canonical = result.canonical_landmarks[best].astype(np.float64)
    return {f"{prefix}mtcnn ints": np.trunc(canonical), f"{prefix}canonical float": canonical,
            f"{prefix}accurate": result.landmarks[best]}


def refiners(resamplings: list, caffe_lnet: Path | None) -> dict:
    """``{label: MTCNN}`` detectors whose stage 4 is used on the plain detections."""
    out = {}
    for resampling in resamplings:
        if caffe_lnet is None:
            detector = MTCNN(refine_landmarks=True)
        else:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
            from lnet_caffe import CaffeLNet

            detector = MTCNN()
            detector.refine_landmarks, detector.lnet = True, CaffeLNet(caffe_lnet)
        detector.refine_resampling = resampling
        out[f"L-Net {resampling}, "] = detector
    return out


def evaluate(folder: Path, limit: int | None = None, refine: dict | None = None) -> dict:
    gt = json.loads((folder / "gt.json").read_text())
    detector = MTCNN()
    errors: dict = {}
    offsets: dict = {}
    misses = 0
    for entry in gt["images"][:limit]:
        crop = np.asarray(Image.open(folder / entry["file"]).convert("RGB"))
        canvas, left, top = on_canvas(crop)
        face = entry["faces"][0]
        truth = np.array([face["keypoints"][n] for n in NAMES]) + [left, top]      # (5, 2)
        x, y, w, h = face["box"]
        truth_box = np.array([x + left, y + top, x + left + w, y + top + h], float)
        result = detector.detect(canvas)
        overlaps = [iou(b, truth_box) for b in result.boxes]
        if not overlaps or max(overlaps) < 0.3:
            misses += 1
            continue
        best = int(np.argmax(overlaps))
        ocular = np.linalg.norm(truth[0] - truth[1])
        found = readings(result, best)
        for label, refiner in (refine or {}).items():
            # Stage 4 on a copy of the same detection (boxes and O-Net points unchanged).
            copy = dataclasses.replace(result, trace=None)
            found.update(readings(refiner.stage4_refine_landmarks(canvas, copy), best, label))
        for name, points in found.items():
            # (5,) per-landmark error / inter-ocular distance
            errors.setdefault(name, []).append(np.linalg.norm(points - truth, axis=1) / ocular)
            offsets.setdefault(name, []).append((points - truth).mean(axis=0))
    return {"errors": errors, "misses": misses,
            "mean_offset": {k: np.mean(v, axis=0) for k, v in offsets.items()},
            "count": len(gt["images"][:limit])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="folder with gt.json and the crops")
    parser.add_argument("--limit", type=int, default=None, help="only the first N crops")
    parser.add_argument("--refine-landmarks", action="store_true",
                        help="also the readings after stage 4 (L-Net)")
    parser.add_argument("--resampling", nargs="+", default=["area"], choices=RESAMPLING,
                        help="stage 4's patch resampling(s), one row each (default area)")
    parser.add_argument("--caffe-lnet", type=Path, metavar="DIR",
                        help="folder with det4.prototxt/.caffemodel: run them with OpenCV")
    args = parser.parse_args()
    refine = refiners(args.resampling, args.caffe_lnet) if args.refine_landmarks else None
    out = evaluate(args.folder, args.limit, refine)
    print(f"crops: {out['count']}, detected: {out['count'] - out['misses']}, "
          f"missed: {out['misses']}")
    print(f"{'reading':<32} {'NME':>7} {'fail>10%':>9}   per landmark NME % "
          f"({', '.join(NAMES)})   mean offset dx, dy px")
    for name, values in out["errors"].items():
        values = np.array(values)                    # (faces, 5)
        per_face = values.mean(axis=1)
        per_point = " ".join(f"{100 * v:5.2f}" for v in values.mean(axis=0))
        dx, dy = out["mean_offset"][name]
        print(f"{name:<32} {100 * per_face.mean():5.2f} % {100 * (per_face > 0.1).mean():6.2f} %"
              f"   {per_point}   {dx:+.2f}, {dy:+.2f}")


if __name__ == "__main__":
    main()
