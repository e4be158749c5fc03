"""The frame loop: the detector over a stream of frames, on every k-th frame and optionally on
a downscaled copy, the faces mapped back to full-frame pixels.

Nothing here reads or writes files or needs OpenCV: ``frames`` is any iterable of images
(``sources.FrameSource`` is one), and the results go to ``sinks`` or to the caller.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..detector import MTCNN
from ..image import load_image, wants_bgr
from ..parallel import alone
from ..resize import resize_area
from ..results import Detections


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
                  *, bgr: bool | None = None, ahead: int = 0) -> Iterator[FrameResult]:
    """Run ``detector`` over a stream of frames.

    frames : iterable of (H, W, 3) uint8 RGB arrays (or anything ``load_image`` takes).

    every : detect on frames 0, k, 2k, …; frames between reuse the last detections (faces move
        little from one frame to the next, and the detector's cost is divided by k).

    downscale : in (0, 1]; detect on the frame shrunk by this factor (area averaging) and map
        the boxes back. Faces smaller than ``min_face_size / downscale`` are then missed.

    bgr : the frames are OpenCV BGR(A) arrays (e.g. straight from ``cv2.VideoCapture.read``);
        default: ``detector.channel_order == "bgr"``. Each result keeps the frame as RGB in
        ``.rgb`` and gives it back as BGR in ``.frame``; ``annotate`` then returns BGR.

    ahead : a pipeline: this many frames beyond the one being yielded are read and detected
        on threads of their own (``ahead + 1`` threads, one detection each), while the caller
        draws or writes the current one. More frames per second on several cores, each
        result ``ahead`` frames later; the results are the same and come in frame order.
        With a detector made with ``parallel="processes"``, the frames are instead detected
        whole, one per process at a time, each process taking the next frame when it is free
        (``processes.flow``): nearly ``threads`` times the frames per second of one process.
        0 (default): one frame at a time, in the caller's thread.
    """
    every = _check_every(every)
    downscale = _check_downscale(downscale)
    ahead = _check_ahead(ahead)
    bgr = wants_bgr(bgr, detector)

    def detect(index: int, frame) -> tuple:
        rgb = load_image(frame, bgr=bgr)
        if index % every:
            return index, rgb, None, 0.0
        start = time.perf_counter()
        found = detect_downscaled(detector, rgb, downscale, bgr=False)
        return index, rgb, found, time.perf_counter() - start

    if ahead and getattr(detector, "_processes", None) is not None:
        results = _in_flow(frames, detector, ahead + 1, bgr, every, downscale)
    else:
        results = _in_order(detect, frames, ahead)
    last = Detections.empty()
    for index, rgb, found, seconds in results:
        if found is not None:
            last = found
        yield FrameResult(index, rgb, last, found is not None, seconds, bgr)


def _in_order(detect, frames: Iterable, ahead: int) -> Iterator[tuple]:
    """``detect(index, frame)`` for every frame, in order; with ``ahead`` > 0, up to
    ``ahead + 1`` of them running at once on a pool of their own (each on one thread)."""
    if ahead == 0:
        for index, frame in enumerate(frames):
            yield detect(index, frame)
        return
    pending: deque = deque()
    with ThreadPoolExecutor(ahead + 1, thread_name_prefix="mtcnn_np-frames") as pool:
        try:
            for index, frame in enumerate(frames):     # reading the next frame overlaps too
                pending.append(pool.submit(alone, detect, index, frame))
                if len(pending) > ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:                                        # the caller stopped early, or an error
            for future in pending:
                future.cancel()


def _in_flow(frames: Iterable, detector: MTCNN, depth: int, bgr: bool, every: int,
             downscale: float) -> Iterator[tuple]:
    """Like :func:`_in_order`, the frames detected whole on the detector's processes, up to
    ``depth`` of them read ahead (``MTCNN._detect_flow``)."""
    def items() -> Iterator[tuple]:
        for index, frame in enumerate(frames):
            rgb = load_image(frame, bgr=bgr)
            yield (index, rgb), None if index % every else _shrunk(rgb, downscale)

    for (index, rgb), found, seconds in detector._detect_flow(items(), depth):
        yield index, rgb, None if found is None else _mapped_back(found, rgb, downscale), seconds


def _shrunk_size(rgb: np.ndarray, downscale: float) -> tuple:
    """(rows, columns) of ``rgb`` shrunk by ``downscale`` (at least 2 each)."""
    h, w = rgb.shape[:2]
    return max(2, round(h * downscale)), max(2, round(w * downscale))


def _shrunk(rgb: np.ndarray, downscale: float) -> np.ndarray:
    """``rgb`` shrunk by ``downscale`` with area averaging (itself when 1)."""
    return rgb if downscale == 1 else resize_area(rgb, *_shrunk_size(rgb, downscale))


def _mapped_back(found: Detections, rgb: np.ndarray, downscale: float) -> Detections:
    """Detections made on ``_shrunk(rgb, downscale)``, in ``rgb``'s pixels."""
    if downscale == 1:
        return found
    (h, w), (small_h, small_w) = rgb.shape[:2], _shrunk_size(rgb, downscale)
    return rescale_detections(found, w / small_w, h / small_h)


def detect_downscaled(detector: MTCNN, rgb: np.ndarray, downscale: float, *,
                      bgr: bool | None = None) -> Detections:
    """``detector.detect`` on ``rgb`` shrunk by ``downscale``, results in ``rgb``'s pixels.

    bgr : ``rgb`` is in fact an OpenCV BGR(A) array; default: the detector's channel order.
    """
    if wants_bgr(bgr, detector):
        rgb = load_image(rgb, bgr=True)
    # RGB now, whatever the detector's default
    return _mapped_back(detector.detect(_shrunk(rgb, downscale), bgr=False), rgb, downscale)


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


def _whole_number(name: str, value, minimum: int) -> int:
    """``value`` as an int ≥ ``minimum`` (bools refused); ValueError naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be a whole number ≥ {minimum}; got {value!r}")
    return int(value)


def _check_every(every) -> int:
    return _whole_number("every", every, 1)


def _check_ahead(ahead) -> int:
    return _whole_number("ahead", ahead, 0)


def _check_downscale(downscale) -> float:
    if isinstance(downscale, bool) or not isinstance(downscale, (int, float)) \
            or not 0 < downscale <= 1:
        raise ValueError(f"downscale must be in (0, 1]; got {downscale!r}")
    return float(downscale)
