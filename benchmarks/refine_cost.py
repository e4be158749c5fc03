"""What stage 4 (L-Net landmark refinement, ``refine.py``) costs, per face, beside a plain detect.

    python benchmarks/refine_cost.py                   # mtcnn_np's L-Net
    python benchmarks/refine_cost.py --caffe-lnet ../shared/zhang2016/MTCNNv2/model   # OpenCV's

For each bundled test image (``tests/images``): the best of ``--repeats`` runs of
``MTCNN().detect`` and of stage 4 alone on those detections (patches, L-Net, clamp, points),
in the same run, one BLAS thread. Printed: faces, detect ms, stage 4 ms, stage 4 per face, and
stage 4 as a fraction of the detect. ``--geometry-only`` replaces L-Net by a net that answers
at once, to separate patch cutting from the net. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from mtcnn_np import MTCNN  # noqa: E402


class InstantLNet:
    """Answers 'stay' (0.5, 0.5) for every patch at once: the cost of everything but L-Net."""

    def forward(self, x, record=None):
        return tuple(np.full((len(x), 2), 0.5, np.float32) for _ in range(5))


def best_time(function, repeats: int, *args) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def refiner(args) -> MTCNN:
    if args.geometry_only or args.caffe_lnet:
        detector = MTCNN()
        if args.geometry_only:
            detector.lnet = InstantLNet()
        else:
            sys.path.insert(0, str(ROOT / "tools"))
            from lnet_caffe import CaffeLNet

            detector.lnet = CaffeLNet(args.caffe_lnet)
        detector.refine_landmarks = True
    else:
        detector = MTCNN(refine_landmarks=True)
    detector.refine_resampling = args.resampling
    return detector


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--resampling", default="area", choices=("area", "bilinear"))
    parser.add_argument("--caffe-lnet", type=Path, metavar="DIR",
                        help="run det4.prototxt/.caffemodel from DIR with OpenCV instead")
    parser.add_argument("--geometry-only", action="store_true",
                        help="an L-Net that answers at once: patch cutting and points only")
    args = parser.parse_args()
    plain, refining = MTCNN(), refiner(args)
    print(f"{'image':<24} {'faces':>5} {'detect ms':>10} {'stage 4 ms':>11} {'per face':>9} "
          f"{'share':>6}")
    totals = np.zeros(3)
    for path in sorted((ROOT / "tests" / "images").glob("*.[pj][np]g")):
        rgb = np.asarray(Image.open(path).convert("RGB"))
        result = plain.detect(rgb)
        if not len(result):
            continue
        detect = best_time(plain.detect, args.repeats, rgb)
        stage4 = best_time(lambda image, found: refining.stage4_refine_landmarks(
            image, dataclasses.replace(found)), args.repeats, rgb, result)
        totals += (len(result), detect, stage4)
        print(f"{path.name:<24} {len(result):>5} {1e3 * detect:>10.1f} {1e3 * stage4:>11.2f} "
              f"{1e3 * stage4 / len(result):>7.2f}ms {stage4 / detect:>6.1%}")
    faces, detect, stage4 = totals
    print(f"{'all':<24} {int(faces):>5} {1e3 * detect:>10.1f} {1e3 * stage4:>11.2f} "
          f"{1e3 * stage4 / faces:>7.2f}ms {stage4 / detect:>6.1%}")


if __name__ == "__main__":
    main()
