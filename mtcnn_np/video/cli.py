"""The program ``python -m mtcnn_np.video SOURCE [--every K] [--downscale F] [--out FILE]
[--jsonl FILE]``: a source, the loop and the sinks joined, frame by frame, with a summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass

from ..detector import MTCNN
from .loop import _check_ahead, _check_downscale, _check_every, detect_stream
from .sinks import FrameRate, Window, annotate, frame_record, open_writer
from .sources import FrameSource


@dataclass
class Stats:
    """What one ``run`` did: frames read, frames detected on, faces found, wall and detector
    seconds."""

    frames: int = 0
    detected: int = 0
    faces: int = 0
    seconds: float = 0.0
    detector_seconds: float = 0.0


def run(frames: Iterable, detector: MTCNN, every: int = 1, downscale: float = 1.0,
        writer=None, jsonl=None, window=None, fps_source: float = 0.0,
        max_frames: int | None = None, show_fps: bool = True, *, bgr: bool | None = None,
        ahead: int = 0) -> Stats:
    """Detect, draw, write and show, frame by frame, until the frames end, ``max_frames`` are
    done, or ``window.show`` returns False (``q``). ``jsonl``: an open text file or None.
    ``bgr``: the frames' order, as in ``detect_stream`` (``FrameSource`` yields RGB: pass
    False with a BGR detector); the writer and window get RGB frames. ``ahead``: frames
    detected ahead on threads of their own, as in ``detect_stream``."""
    stats, rate = Stats(), FrameRate()
    started = time.perf_counter()
    for result in detect_stream(frames, detector, every, downscale, bgr=bgr, ahead=ahead):
        fps = rate.tick()
        stats.frames += 1
        stats.detected += result.fresh
        stats.faces += len(result.detections) if result.fresh else 0
        stats.detector_seconds += result.seconds
        if jsonl is not None:
            jsonl.write(json.dumps(frame_record(result, fps_source)) + "\n")
            jsonl.flush()                           # a live camera log is readable as it grows
        if writer is not None or window is not None:
            picture = annotate(result, fps if show_fps else None, bgr=False)  # sinks take RGB
            if writer is not None:
                writer.write(picture)
            if window is not None and not window.show(picture):
                break
        if max_frames is not None and stats.frames >= max_frames:
            break
    stats.seconds = time.perf_counter() - started
    return stats


def parse_args(argv: list | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m mtcnn_np.video",
        description="MTCNN on a camera or a video: draw faces, show them (q quits) or write them.")
    parser.add_argument("source", help="camera index (0), video file (OpenCV), animated "
                        "GIF/PNG/WebP or a folder of frames (Pillow)")
    parser.add_argument("--every", type=int, default=1, metavar="K",
                        help="detect on every K-th frame, reuse the faces between (default 1)")
    parser.add_argument("--downscale", type=float, default=1.0, metavar="F",
                        help="detect on frames shrunk by F in (0, 1] (default 1)")
    parser.add_argument("--out", help="write the annotated frames: .gif/.png (Pillow), "
                        ".mp4/.avi (OpenCV), or a folder of PNGs")
    parser.add_argument("--jsonl", help="write one JSON line of faces per frame")
    parser.add_argument("--show", action=argparse.BooleanOptionalAction, default=None,
                        help="show a window (default: only when neither --out nor --jsonl)")
    parser.add_argument("--max-frames", type=int, metavar="N", help="stop after N frames")
    parser.add_argument("--fps", type=float, default=0.0,
                        help="frame rate for --out when the source has none (default 10)")
    parser.add_argument("--ahead", type=int, default=0, metavar="N",
                        help="detect N frames ahead on threads of their own (with --parallel "
                        "processes: whole frames on the processes; N = 2·threads − 1 keeps "
                        "each busy): more frames per second on several cores, results N "
                        "frames later (default 0)")
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="cores per detection (default 1; 0 = all cores)")
    parser.add_argument("--parallel", choices=("threads", "processes"), default="threads",
                        help="how --threads N is used: N threads (default) or this process "
                        "and N − 1 worker processes")
    parser.add_argument("--min-face-size", type=float, default=20, help="pixels (default 20)")
    parser.add_argument("--scale-factor", type=float, default=0.709,
                        help="pyramid ratio in (0, 1) (default 0.709)")
    parser.add_argument("--thresholds", type=float, nargs=3, default=(0.6, 0.7, 0.7),
                        metavar=("P", "R", "O"), help="P/R/O-Net thresholds (default 0.6 0.7 0.7)")
    return parser.parse_args(argv)


def main(argv: list | None = None) -> int:
    args = parse_args(argv)
    show = args.show if args.show is not None else not (args.out or args.jsonl)
    source = writer = jsonl = window = None
    try:
        _check_every(args.every)
        _check_downscale(args.downscale)
        _check_ahead(args.ahead)
        detector = MTCNN(min_face_size=args.min_face_size, scale_factor=args.scale_factor,
                         steps_threshold=tuple(args.thresholds), threads=args.threads,
                         parallel=args.parallel)
        source = FrameSource(args.source)
        fps = source.fps or args.fps or 10.0
        writer = open_writer(args.out, fps) if args.out else None
        window = Window() if show else None
        jsonl = open(args.jsonl, "w", encoding="utf-8") if args.jsonl else None
        stats = run(source, detector, args.every, args.downscale, writer, jsonl, window,
                    source.fps, args.max_frames, bgr=False,          # FrameSource yields RGB
                    ahead=args.ahead)
    except (ImportError, ValueError, TypeError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        stats = None
    finally:
        for thing in (writer, jsonl, window, source):
            if thing is not None:
                thing.close()
    if stats is not None:
        print(f"{stats.frames} frames ({stats.detected} detected, {stats.faces} faces) in "
              f"{stats.seconds:.1f} s: {stats.frames / max(stats.seconds, 1e-9):.1f} frames/s, "
              f"detector {stats.detector_seconds / max(stats.detected, 1) * 1000:.0f} ms/frame",
              file=sys.stderr)
    return 0
