"""``python -m mtcnn_np explain PHOTO --html report.html [options]``: write the stage report.

The word ``explain`` as the first argument selects this command; to detect faces in a file
literally named ``explain``, write its path another way (``./explain``).
"""

from __future__ import annotations

import argparse
import sys

from ..detector import MTCNN
from . import MAX_CROPS, write_report


def parse_args(argv: list) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m mtcnn_np explain",
        description="Write one self-contained HTML page showing every stage of MTCNN on a photo "
                    "(pyramid, P-Net maps, NMS, R-Net and O-Net crops, faces, funnel).")
    parser.add_argument("photo", metavar="PHOTO", help="the photo (anything Pillow reads)")
    parser.add_argument("--html", required=True, metavar="FILE", help="write the page here")
    parser.add_argument("--min-face-size", type=float, default=20, help="pixels (default 20)")
    parser.add_argument("--scale-factor", type=float, default=0.709,
                        help="pyramid ratio in (0, 1) (default 0.709)")
    parser.add_argument("--thresholds", type=float, nargs=3, default=(0.6, 0.7, 0.7),
                        metavar=("P", "R", "O"), help="P/R/O-Net thresholds (default 0.6 0.7 0.7)")
    parser.add_argument("--max-crops", type=int, default=MAX_CROPS, metavar="N",
                        help=f"R-Net and O-Net crops shown, each (default {MAX_CROPS})")
    return parser.parse_args(argv)


def main(argv: list) -> int:
    """Run the command; 0 on success, 2 with a one-line message for bad input."""
    args = parse_args(argv)
    try:
        detector = MTCNN(min_face_size=args.min_face_size, scale_factor=args.scale_factor,
                         steps_threshold=tuple(args.thresholds))
        path = write_report(args.photo, args.html, detector, max_crops=args.max_crops)
    except (TypeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:                  # the photo's errors are ValueErrors: this is --html
        print(f"error: cannot write --html {args.html}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)", file=sys.stderr)
    return 0
