"""Faces in video: a camera, a video file, an animated image or a folder of frames.

``python -m mtcnn_np.video SOURCE [--every K] [--downscale F] [--out FILE] [--jsonl FILE]``

The classic webcam demo — read a frame, ``detect``, draw the boxes and landmarks, show it, quit
on ``q`` — split into parts that can each be used (and tested) alone:

* **sources** yield (H, W, 3) uint8 RGB frames. Cameras and video files need OpenCV (an optional
  extra, used only to read and show frames; its frames are BGR and are converted here).
  Animated GIF/PNG/WebP and folders of images are read with Pillow. Any iterable of RGB arrays
  works too.
* ``detect_stream`` is the loop: detector on every ``every``-th frame (others reuse the last
  result), optionally on a downscaled copy with the results mapped back to the full frame.
* **sinks**: ``annotate`` draws faces and the frame rate; writers save an annotated video
  (GIF/APNG with Pillow, MP4/AVI with OpenCV, or numbered PNGs), ``--jsonl`` one line of faces
  per frame, and ``Window`` shows frames (needs ``opencv-python``: the ``-headless`` build has
  no windows).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .detector import MTCNN
from .draw import draw_detections
from .image import in_channel_order, load_image, wants_bgr
from .resize import resize_area
from .results import Detections

PILLOW_ANIMATIONS = frozenset({".gif", ".png", ".apng", ".webp", ".tif", ".tiff"})
IMAGE_FILES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
NEEDS_OPENCV = ("{what} needs OpenCV: pip install opencv-python (with windows) or "
                "opencv-python-headless (files only)")


# -- the loop ---------------------------------------------------------------------------------

@dataclass
class FrameResult:
    """One frame and its faces.

    index : 0-based frame number. rgb : (H, W, 3) uint8. detections : in full-frame pixels.
    fresh : the detector ran on this frame (False: ``detections`` carried over from the last
    frame it ran on). seconds : the detector's time on this frame (0 when not fresh).
    bgr : the stream's frames were OpenCV BGR; ``frame`` gives them back that way, and
    ``annotate`` draws in BGR by default.
    """

    index: int
    rgb: np.ndarray
    detections: Detections
    fresh: bool
    seconds: float
    bgr: bool = False

    @property
    def frame(self) -> np.ndarray:
        """(H, W, 3) uint8 in the stream's channel order (BGR when ``bgr``), a view of ``rgb``."""
        return self.rgb[:, :, ::-1] if self.bgr else self.rgb


def detect_stream(frames: Iterable, detector: MTCNN, every: int = 1, downscale: float = 1.0,
                  *, bgr: bool | None = None) -> Iterator[FrameResult]:
    """Run ``detector`` over a stream of frames.

    frames : iterable of (H, W, 3) uint8 RGB arrays (or anything ``load_image`` takes).

    every : detect on frames 0, k, 2k, …; frames between reuse the last detections (faces move
        little from one frame to the next, and the detector's cost is divided by k).

    downscale : in (0, 1]; detect on the frame shrunk by this factor (area averaging) and map
        the boxes back. Faces smaller than ``min_face_size / downscale`` are then missed.

    bgr : the frames are OpenCV BGR(A) arrays (e.g. straight from ``cv2.VideoCapture.read``);
        default: ``detector.channel_order == "bgr"``. Each result keeps the frame as RGB in
        ``.rgb`` and gives it back as BGR in ``.frame``; ``annotate`` then returns BGR.
    """
    every = _check_every(every)
    downscale = _check_downscale(downscale)
    bgr = wants_bgr(bgr, detector)
    last = Detections.empty()
    for index, frame in enumerate(frames):
        rgb = load_image(frame, bgr=bgr)
        fresh = index % every == 0
        seconds = 0.0
        if fresh:
            start = time.perf_counter()
            last = detect_downscaled(detector, rgb, downscale, bgr=False)
            seconds = time.perf_counter() - start
        yield FrameResult(index, rgb, last, fresh, seconds, bgr)


def detect_downscaled(detector: MTCNN, rgb: np.ndarray, downscale: float, *,
                      bgr: bool | None = None) -> Detections:
    """``detector.detect`` on ``rgb`` shrunk by ``downscale``, results in ``rgb``'s pixels.

    bgr : ``rgb`` is in fact an OpenCV BGR(A) array; default: the detector's channel order.
    """
    if wants_bgr(bgr, detector):
        rgb = load_image(rgb, bgr=True)
    if downscale == 1:
        return detector.detect(rgb, bgr=False)      # RGB now, whatever the detector's default
    h, w = rgb.shape[:2]
    small_h, small_w = max(2, round(h * downscale)), max(2, round(w * downscale))
    found = detector.detect(resize_area(rgb, small_h, small_w), bgr=False)
    return rescale_detections(found, w / small_w, h / small_h)


def rescale_detections(found: Detections, sx: float, sy: float) -> Detections:
    """Detections made on an image resized by (1/sx, 1/sy), mapped back to the original.

    Boxes bound pixel *edges* (``[x1, x2)`` columns), so they scale from 0: ``x · sx``.
    Landmarks are at pixel *centres* ((0, 0) = centre of the top-left pixel), so
    ``(x + ½) · sx − ½``; the canonical points keep their 1 px offset from the accurate ones.
    """
    scale = np.array([sx, sy])
    boxes = found.boxes * np.tile(scale, 2)                                  # (K, 4)
    landmarks = (found.landmarks + 0.5) * scale - 0.5                        # (K, 5, 2)
    canonical = (found.canonical_landmarks + 1.5) * scale - 1.5
    return Detections(boxes, found.scores, landmarks, canonical.astype(np.float32))


# -- sinks ------------------------------------------------------------------------------------

def annotate(result: FrameResult, fps: float | None = None, *, bgr: bool | None = None
             ) -> np.ndarray:
    """The frame with boxes, landmarks and (if given) the frame rate drawn: (H, W, 3) uint8.

    bgr : return BGR (for ``cv2.imshow``); default: as the stream's frames (``result.bgr``).
    """
    from PIL import ImageDraw, ImageFont

    picture = draw_detections(result.rgb, result.detections.to_mtcnn())
    if fps is not None:
        pen = ImageDraw.Draw(picture)
        size = max(12, picture.height // 30)
        try:
            font = ImageFont.load_default(size=size)
        except TypeError:                           # Pillow < 10.1: fixed-size bitmap font
            font = ImageFont.load_default()
        text = f"{fps:.1f} fps"
        pen.rectangle(pen.textbbox((4, 4), text, font=font), fill="black")
        pen.text((4, 4), text, fill="white", font=font)
    return in_channel_order(np.asarray(picture), result.bgr if bgr is None else wants_bgr(bgr))


def frame_record(result: FrameResult, fps: float = 0.0) -> dict:
    """The JSON line of one frame: faces in the ``mtcnn`` format, in full-frame pixels."""
    record = {"frame": result.index}
    if fps > 0:
        record["time"] = round(result.index / fps, 6)   # seconds into the source
    record.update(detected=result.fresh, faces=result.detections.to_mtcnn())
    return record


class FrameRate:
    """Frames per second of the whole loop (read, detect, draw, show), smoothed."""

    def __init__(self, smoothing: float = 0.9):
        self.smoothing, self.value, self.last = smoothing, None, None

    def tick(self) -> float | None:
        now = time.perf_counter()
        if self.last is not None and now > self.last:
            current = 1.0 / (now - self.last)
            self.value = current if self.value is None else (
                self.smoothing * self.value + (1 - self.smoothing) * current)
        self.last = now
        return self.value


def _swap_channels(frame: np.ndarray, swap: bool) -> np.ndarray:
    """(H, W, 3) RGB ↔ BGR when ``swap``. The writers and ``Window`` take ``bgr=True`` for
    frames in OpenCV's order (e.g. from ``annotate`` on a BGR stream)."""
    return np.ascontiguousarray(frame[:, :, ::-1]) if swap else frame


class PillowWriter:
    """Annotated frames as an animated GIF/PNG/WebP (kept in memory: for short clips)."""

    def __init__(self, path: Path, fps: float, bgr: bool = False):
        self.path, self.fps, self.frames, self.bgr = path, fps, [], wants_bgr(bgr)

    def write(self, rgb: np.ndarray) -> None:
        from PIL import Image

        self.frames.append(Image.fromarray(_swap_channels(rgb, self.bgr)))

    def close(self) -> None:
        if self.frames:
            first, rest = self.frames[0], self.frames[1:]
            first.save(self.path, save_all=True, append_images=rest, loop=0,
                       duration=round(1000 / self.fps))


class FolderWriter:
    """Annotated frames as ``frame_000000.png``, … in a folder."""

    def __init__(self, path: Path, bgr: bool = False):
        self.path, self.bgr = path, wants_bgr(bgr)
        path.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def write(self, rgb: np.ndarray) -> None:
        from PIL import Image

        target = self.path / f"frame_{self.count:06d}.png"
        Image.fromarray(_swap_channels(rgb, self.bgr)).save(target)
        self.count += 1

    def close(self) -> None:
        pass


class OpenCVWriter:
    """Annotated frames as a video file (MP4, AVI, …) through OpenCV; opened at the first frame."""

    FOURCC = {".mp4": "mp4v", ".mov": "mp4v", ".m4v": "mp4v", ".avi": "MJPG", ".mkv": "MJPG"}

    def __init__(self, path: Path, fps: float, bgr: bool = False):
        self.cv2 = _cv2(f"writing {path.suffix} video")
        self.path, self.fps, self.writer, self.bgr = path, fps, None, wants_bgr(bgr)

    def write(self, rgb: np.ndarray) -> None:
        if self.writer is None:
            fourcc = self.cv2.VideoWriter_fourcc(*self.FOURCC.get(self.path.suffix.lower(), "mp4v"))
            size = (rgb.shape[1], rgb.shape[0])
            self.writer = self.cv2.VideoWriter(str(self.path), fourcc, self.fps, size)
            if not self.writer.isOpened():
                raise ValueError(f"OpenCV cannot write {self.path}; try .avi or .mp4")
        self.writer.write(_swap_channels(rgb, not self.bgr))               # OpenCV writes BGR

    def close(self) -> None:
        if self.writer is not None:
            self.writer.release()


def open_writer(path: str | Path, fps: float, *, bgr: bool = False):
    """A writer for ``path``: .gif/.png/.webp (Pillow), no extension (a folder of PNGs), or a
    video extension such as .mp4/.avi (OpenCV). ``bgr``: the frames written are BGR."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in {".gif", ".png", ".apng", ".webp"}:
        return PillowWriter(path, fps, bgr)
    if suffix == "" or path.is_dir():
        return FolderWriter(path, bgr)
    return OpenCVWriter(path, fps, bgr)


class Window:
    """An OpenCV window; ``show`` returns False once the user pressed ``q`` or Esc or closed it.
    ``bgr``: the frames shown are already BGR."""

    def __init__(self, title: str = "mtcnn_np", *, bgr: bool = False):
        self.cv2 = _cv2("showing a window")
        self.title, self.opened, self.bgr = title, False, wants_bgr(bgr)

    def show(self, rgb: np.ndarray) -> bool:
        cv2 = self.cv2
        try:
            cv2.imshow(self.title, _swap_channels(rgb, not self.bgr))        # OpenCV shows BGR
        except cv2.error as exc:
            raise RuntimeError("this OpenCV build cannot open windows (opencv-python-headless?):"
                               " install opencv-python, or write --out/--jsonl instead") from exc
        self.opened = True
        key = cv2.waitKey(1) & 0xFF
        closed = cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1
        return not (closed or key in (ord("q"), 27))

    def close(self) -> None:
        if self.opened:
            self.cv2.destroyWindow(self.title)


# -- sources ----------------------------------------------------------------------------------

class FrameSource:
    """RGB frames from a camera index, a video file, an animated image or a folder of images.

    Iterate it for (H, W, 3) uint8 frames; ``fps`` is the source's frame rate (0 if unknown).
    """

    def __init__(self, source):
        self.source = source
        self.fps = 0.0
        self._close = None
        self._frames = self._open(source)

    def __iter__(self) -> Iterator[np.ndarray]:
        return self._frames

    def close(self) -> None:
        if self._close is not None:
            self._close()

    def _open(self, source) -> Iterator[np.ndarray]:
        if isinstance(source, int) or (isinstance(source, str) and source.isdigit()):
            return self._opencv(int(source), f"camera {source}")
        path = Path(source)
        if path.is_dir():
            return _folder_frames(path)
        if not path.is_file():
            raise ValueError(f"no such video, image or folder: {path}")
        if path.suffix.lower() in PILLOW_ANIMATIONS:
            return self._pillow(path)
        return self._opencv(str(path), str(path))

    def _pillow(self, path: Path) -> Iterator[np.ndarray]:
        from PIL import Image, ImageSequence

        image = Image.open(path)
        duration = image.info.get("duration") or 0
        self.fps = 1000.0 / duration if duration else 0.0
        self._close = image.close
        return (np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(image))

    def _opencv(self, target, name: str) -> Iterator[np.ndarray]:
        cv2 = _cv2(f"reading {name}")
        capture = cv2.VideoCapture(target)
        if not capture.isOpened():
            raise ValueError(f"OpenCV cannot open {name}")
        self.fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self._close = capture.release

        def frames():
            while True:
                ok, bgr = capture.read()
                if not ok:
                    return
                yield np.ascontiguousarray(bgr[:, :, ::-1])                  # BGR → RGB
        return frames()


def _folder_frames(folder: Path) -> Iterator[np.ndarray]:
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_FILES)
    if not files:
        raise ValueError(f"no image files in {folder}")
    return (load_image(p) for p in files)


def _cv2(what: str):
    try:
        import cv2
    except ImportError as exc:
        raise ImportError(NEEDS_OPENCV.format(what=what)) from exc
    return cv2


# -- the program ------------------------------------------------------------------------------

@dataclass
class Stats:
    frames: int = 0
    detected: int = 0
    faces: int = 0
    seconds: float = 0.0
    detector_seconds: float = 0.0


def run(frames: Iterable, detector: MTCNN, every: int = 1, downscale: float = 1.0,
        writer=None, jsonl=None, window=None, fps_source: float = 0.0,
        max_frames: int | None = None, show_fps: bool = True, *, bgr: bool | None = None
        ) -> Stats:
    """Detect, draw, write and show, frame by frame, until the frames end, ``max_frames`` are
    done, or ``window.show`` returns False (``q``). ``jsonl``: an open text file or None.
    ``bgr``: the frames' order, as in ``detect_stream`` (``FrameSource`` yields RGB: pass
    False with a BGR detector); the writer and window get RGB frames."""
    stats, rate = Stats(), FrameRate()
    started = time.perf_counter()
    for result in detect_stream(frames, detector, every, downscale, bgr=bgr):
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
        detector = MTCNN(min_face_size=args.min_face_size, scale_factor=args.scale_factor,
                         steps_threshold=tuple(args.thresholds))
        source = FrameSource(args.source)
        fps = source.fps or args.fps or 10.0
        writer = open_writer(args.out, fps) if args.out else None
        window = Window() if show else None
        jsonl = open(args.jsonl, "w", encoding="utf-8") if args.jsonl else None
        stats = run(source, detector, args.every, args.downscale, writer, jsonl, window,
                    source.fps, args.max_frames, bgr=False)          # FrameSource yields RGB
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


def _check_every(every) -> int:
    if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
        raise ValueError(f"every must be a whole number ≥ 1; got {every!r}")
    return int(every)


def _check_downscale(downscale) -> float:
    if isinstance(downscale, bool) or not isinstance(downscale, (int, float)) \
            or not 0 < downscale <= 1:
        raise ValueError(f"downscale must be in (0, 1]; got {downscale!r}")
    return float(downscale)


if __name__ == "__main__":
    sys.exit(main())
