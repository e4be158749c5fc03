"""Faces in video: a camera, a video file, an animated image or a folder of frames.

``python -m mtcnn_np.video SOURCE [--every K] [--downscale F] [--out FILE] [--jsonl FILE]``

The classic webcam demo — read a frame, ``detect``, draw the boxes and landmarks, show it, quit
on ``q`` — split into parts that can each be used (and tested) alone, one module each:

* ``sources``: ``FrameSource`` yields (H, W, 3) uint8 RGB frames. Cameras and video files need
  OpenCV (an optional extra, used only to read and show frames; its frames are BGR and are
  converted there). Animated GIF/PNG/WebP and folders of images are read with Pillow. Any
  iterable of RGB arrays works too.
* ``loop``: ``detect_stream`` runs the detector on every ``every``-th frame (others reuse the
  last result), optionally on a downscaled copy with the results mapped back to the full frame.
* ``sinks``: ``annotate`` draws faces and the frame rate; writers save an annotated video
  (GIF/APNG with Pillow, MP4/AVI with OpenCV, or numbered PNGs), ``frame_record`` is the
  ``--jsonl`` line of one frame, and ``Window`` shows frames (needs ``opencv-python``: the
  ``-headless`` build has no windows).
* ``cli``: ``run`` joins them frame by frame; ``main`` is the program.

Every name is importable from ``mtcnn_np.video`` itself, as when this was one module.
"""

from __future__ import annotations

from .cli import Stats, main, parse_args, run
from .loop import (
    FrameResult,
    detect_downscaled,
    detect_stream,
    rescale_detections,
)
from .sinks import (
    FolderWriter,
    FrameRate,
    OpenCVWriter,
    PillowWriter,
    Window,
    annotate,
    frame_record,
    open_writer,
)
from .sources import IMAGE_FILES, NEEDS_OPENCV, PILLOW_ANIMATIONS, FrameSource

__all__ = [
    "IMAGE_FILES", "NEEDS_OPENCV", "PILLOW_ANIMATIONS",
    "FolderWriter", "FrameRate", "FrameResult", "FrameSource", "OpenCVWriter", "PillowWriter",
    "Stats", "Window",
    "annotate", "detect_downscaled", "detect_stream", "frame_record", "main", "open_writer",
    "parse_args", "rescale_detections", "run",
]
