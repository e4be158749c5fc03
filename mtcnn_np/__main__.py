"""Command line: ``python -m mtcnn_np PHOTO [--out annotated.png] [detector options]``.

Prints the faces as JSON in the ``mtcnn`` package's format; ``--out`` also writes the photo with
boxes and landmarks drawn on it.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import MTCNN, __version__
from .draw import draw_detections
from .image import load_image


def parse_args(argv: list | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m mtcnn_np",
        description="Detect faces and 5 landmarks with MTCNN in plain NumPy; print JSON.")
    parser.add_argument("image", help="path to a photo (anything Pillow reads)")
    parser.add_argument("--out", help="write the photo with boxes and landmarks drawn here")
    parser.add_argument("--min-face-size", type=float, default=20, help="pixels (default 20)")
    parser.add_argument("--scale-factor", type=float, default=0.709,
                        help="pyramid ratio in (0, 1) (default 0.709)")
    parser.add_argument("--thresholds", type=float, nargs=3, default=(0.6, 0.7, 0.7),
                        metavar=("P", "R", "O"), help="P/R/O-Net thresholds (default 0.6 0.7 0.7)")
    parser.add_argument("--float", action="store_true",
                        help="print float boxes and accurate landmarks instead of mtcnn's ints")
    parser.add_argument("--version", action="version", version=f"mtcnn_np {__version__}")
    return parser.parse_args(argv)


def float_faces(result) -> list:
    """The array form as JSON-friendly dicts: [x1, y1, x2, y2] floats, accurate landmarks."""
    from .landmarks import NAMES

    return [{"box_xyxy": [round(float(v), 3) for v in box], "confidence": float(score),
             "keypoints": {n: [round(float(a), 3) for a in p] for n, p in zip(NAMES, points)}}
            for box, score, points in zip(result.boxes, result.scores, result.landmarks)]


def to_json(faces: list) -> str:
    """A JSON list with one face per line: valid JSON that is still easy to read."""
    if not faces:
        return "[]"
    return "[\n" + ",\n".join("  " + json.dumps(face) for face in faces) + "\n]"


def main(argv: list | None = None) -> int:
    args = parse_args(argv)
    try:
        detector = MTCNN(min_face_size=args.min_face_size, scale_factor=args.scale_factor,
                         steps_threshold=tuple(args.thresholds))
        rgb = load_image(args.image)
    except (TypeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = detector.detect(rgb)
    faces = result.to_mtcnn()
    print(to_json(float_faces(result) if args.float else faces))
    if args.out:
        draw_detections(rgb, faces).save(args.out)
        print(f"wrote {args.out} ({len(faces)} face{'s' if len(faces) != 1 else ''})",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
