"""Sinks: where the loop's results go. ``annotate`` draws faces and the frame rate;
``frame_record`` is one JSON line of faces; writers save an annotated video (GIF/APNG with
Pillow, MP4/AVI with OpenCV, or numbered PNGs); ``Window`` shows frames (needs
``opencv-python``: the ``-headless`` build has no windows).

The writers and ``Window`` take RGB frames, or BGR ones with ``bgr=True``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..draw import draw_detections
from ..image import in_channel_order, wants_bgr
from .loop import FrameResult
from .sources import _cv2


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
