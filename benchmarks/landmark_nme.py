"""Landmark accuracy (NME) of mtcnn_np on face crops with 5 ground-truth points.

Protocol (as in ../shared/README.md for the numbers quoted in the issues): each crop is centred on
a canvas twice its size filled with grey 128; detect with default parameters; take the detection
whose box overlaps the crop best (IoU ≥ 0.3); NME = mean point-to-point distance / ground-truth
inter-ocular distance (eye to eye); a failure is NME > 10 %. Crops with no matching detection
count as misses and are left out of the mean (reported separately).

    python benchmarks/landmark_nme.py ../shared/data/dev/mtfl_dev

The folder must hold ``gt.json`` (``images: [{file, faces: [{box, keypoints}]}]``) and the images.
Prints the NME of three readings of the same detections: the ``mtcnn``-format integers, the
canonical float values, and mtcnn_np's accurate landmarks (``Detections.landmarks``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mtcnn_np import MTCNN  # noqa: E402
from mtcnn_np.landmarks import NAMES  # noqa: E402


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


def evaluate(folder: Path, limit: int | None = None) -> dict:
    gt = json.loads((folder / "gt.json").read_text())
    detector = MTCNN()
    errors: dict = {"mtcnn ints": [], "canonical float": [], "accurate": []}
    offsets = []
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
        canonical = result.canonical_landmarks[best].astype(np.float64)
        readings = {"mtcnn ints": np.trunc(canonical), "canonical float": canonical,
                    "accurate": result.landmarks[best]}
        for name, points in readings.items():
            errors[name].append(np.linalg.norm(points - truth, axis=1).mean() / ocular)
        offsets.append((result.landmarks[best] - truth).mean(axis=0))
    return {"errors": errors, "misses": misses, "mean_offset": np.mean(offsets, axis=0),
            "count": len(gt["images"][:limit])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="folder with gt.json and the crops")
    parser.add_argument("--limit", type=int, default=None, help="only the first N crops")
    args = parser.parse_args()
    out = evaluate(args.folder, args.limit)
    print(f"crops: {out['count']}, detected: {out['count'] - out['misses']}, "
          f"missed: {out['misses']}")
    for name, values in out["errors"].items():
        values = np.array(values)
        print(f"{name:<16} NME {100 * values.mean():5.2f} %   failures (>10 %) "
              f"{100 * (values > 0.1).mean():5.2f} %")
    dx, dy = out["mean_offset"]
    print(f"accurate landmarks: mean offset from ground truth dx {dx:+.2f} px, dy {dy:+.2f} px")


if __name__ == "__main__":
    main()
