"""Command line.

One photo: ``python -m mtcnn_np PHOTO [--out annotated.png] [detector options]`` prints its faces
as a JSON list in the ``mtcnn`` package's format; ``--out`` also writes the photo with boxes and
landmarks drawn on it.

Many photos: ``python -m mtcnn_np DIR_OR_FILES… --jsonl out.jsonl [--crops DIR] [--draw DIR]
[--jobs N | --dask ADDRESS]`` writes one JSON line per image, resumably (see ``batch/`` and
``distributed.py``). Several inputs, a folder, or any of ``--jsonl``/``--crops``/``--draw``/
``--dask`` select this mode; without ``--jsonl`` the lines go to stdout.

Stage report: ``python -m mtcnn_np explain PHOTO --html report.html`` (see ``report/``); a photo
literally named ``explain`` is then written ``./explain``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import MTCNN, __version__
from .batch import Options, describe, float_faces, run_batch
from .draw import draw_detections
from .image import load_image
from .parallel import DEFAULT_THREADS

__all__ = ["float_faces", "main", "parse_args", "to_json"]


def parse_args(argv: list | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m mtcnn_np",
        description="Detect faces and 5 landmarks with MTCNN in plain NumPy; print JSON.")
    parser.add_argument("images", nargs="+", metavar="IMAGE_OR_DIR",
                        help="photos (anything Pillow reads) and folders of photos")
    parser.add_argument("--out", help="one photo: write it with boxes and landmarks drawn here")
    parser.add_argument("--min-face-size", type=float, default=20, help="pixels (default 20)")
    parser.add_argument("--scale-factor", type=float, default=0.709,
                        help="pyramid ratio in (0, 1) (default 0.709)")
    parser.add_argument("--thresholds", type=float, nargs=3, default=(0.6, 0.7, 0.7),
                        metavar=("P", "R", "O"), help="P/R/O-Net thresholds (default 0.6 0.7 0.7)")
    parser.add_argument("--float", action="store_true",
                        help="float output, other keys: 'box_xyxy' [x1, y1, x2, y2] (not 'box' "
                        "[x, y, w, h]), 'confidence', and 'keypoints' as accurate float [x, y] "
                        "(pixel centres at whole numbers) instead of mtcnn's integers")
    parser.add_argument("--refine-landmarks", action="store_true",
                        help="correct the landmarks with L-Net (MTCNN v2's extended stage)")
    parser.add_argument("--threads", type=_thread_count, default=DEFAULT_THREADS, metavar="N",
                        help="threads per detection, per process (default 1; 0 = all cores)")
    parser.add_argument("--parallel", choices=("threads", "processes"), default="threads",
                        help="how --threads N splits a detection: N threads (default) or this "
                        "process and N − 1 worker processes (one photo or a folder without "
                        "--jobs/--dask)")
    many = parser.add_argument_group("many photos (one JSON line per image)")
    many.add_argument("--jsonl", metavar="FILE",
                      help="append results here; images already in FILE are skipped (resume)")
    many.add_argument("--crops", metavar="DIR", help="write aligned face crops here")
    many.add_argument("--plain-crops", action="store_true",
                      help="square crops with a margin instead of aligned ones")
    many.add_argument("--crop-size", type=_positive_int, metavar="PIXELS",
                      help="crop side (default 112 aligned, 160 plain)")
    many.add_argument("--margin", type=float, default=0.2,
                      help="plain crops: margin per side, fraction of the box (default 0.2)")
    many.add_argument("--draw", metavar="DIR", help="write the photos with the faces drawn here")
    many.add_argument("--jobs", type=int, default=1, metavar="N",
                      help="worker processes (default 1; 0 = one per CPU)")
    many.add_argument("--dask", metavar="ADDRESS",
                      help="run on the Dask cluster whose scheduler is at ADDRESS "
                      "(tcp://host:8786; needs the [dask] extra) instead of --jobs")
    many.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                      help="progress bar on stderr (default: only on a terminal)")
    parser.add_argument("--version", action="version", version=f"mtcnn_np {__version__}")
    return parser.parse_args(argv)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be ≥ 1, got {value}")
    return value


def _thread_count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be ≥ 0 (0 = all cores), got {value}")
    return value


def to_json(faces: list) -> str:
    """A JSON list with one face per line: valid JSON that is still easy to read."""
    if not faces:
        return "[]"
    return "[\n" + ",\n".join("  " + json.dumps(face) for face in faces) + "\n]"


def detector_options(args: argparse.Namespace) -> dict:
    """MTCNN's keyword arguments from the command line (the same in every worker process)."""
    return {"min_face_size": args.min_face_size, "scale_factor": args.scale_factor,
            "steps_threshold": tuple(args.thresholds), "threads": args.threads,
            "parallel": args.parallel, "refine_landmarks": args.refine_landmarks}


def is_batch(args: argparse.Namespace) -> bool:
    """Several inputs, a folder, or a batch-only option: the JSON-lines mode."""
    return (len(args.images) > 1 or Path(args.images[0]).is_dir()
            or any(v is not None for v in (args.jsonl, args.crops, args.draw, args.dask)))


def main(argv: list | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["explain"]:                      # the stage report (mtcnn_np/report/)
        from .report.cli import main as explain_main
        return explain_main(argv[1:])
    args = parse_args(argv)
    if args.parallel == "processes" and (args.jobs != 1 or args.dask):
        # Worker processes of --jobs (daemonic) and Dask workers cannot start processes of
        # their own; they already give one photo per core.
        print("error: --parallel processes works without --jobs and --dask (those already run "
              "one photo per core)", file=sys.stderr)
        return 2
    try:
        detector = MTCNN(**detector_options(args))
        if is_batch(args):
            return batch_main(args, detector)
        rgb = load_image(args.images[0])
    except (ImportError, TypeError, ValueError) as exc:     # ImportError: --dask without dask
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


def batch_main(args: argparse.Namespace, detector: MTCNN) -> int:
    """The many-photos mode; ValueError for bad arguments (reported by ``main``)."""
    if args.out:
        raise ValueError("--out is for a single photo; with several, use --draw DIR")
    if args.jobs < 0 or not args.margin >= 0:
        raise ValueError("--jobs must be ≥ 0 and --margin ≥ 0")
    options = Options(
        detector=detector_options(args),
        float_output=args.float, crops=args.crops, plain_crops=args.plain_crops,
        crop_size=args.crop_size, margin=args.margin, draw=args.draw)
    jobs = args.jobs or os.cpu_count() or 1
    try:
        if args.dask:
            from .distributed import run_dask

            summary = run_dask(args.images, args.jsonl, options, args.dask,
                               progress=args.progress)
        else:
            summary = run_batch(args.images, args.jsonl, options, processes=jobs,
                                progress=args.progress, detector=detector)
    except KeyboardInterrupt:
        resume = " (run the same command again to resume)" if args.jsonl else ""
        print(f"interrupted{resume}", file=sys.stderr)
        return 130
    print(describe(summary, args.jsonl), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
