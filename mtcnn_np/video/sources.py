"""Sources: (H, W, 3) uint8 RGB frames from a camera, a video file, an animated image or a
folder of images.

Cameras and video files need OpenCV (an optional extra, imported only when one is opened; its
frames are BGR and are converted here). Animated GIF/PNG/WebP and folders are read with Pillow.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..image import load_image

PILLOW_ANIMATIONS = frozenset({".gif", ".png", ".apng", ".webp", ".tif", ".tiff"})
IMAGE_FILES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
NEEDS_OPENCV = ("{what} needs OpenCV: pip install opencv-python (with windows) or "
                "opencv-python-headless (files only)")


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
