"""Turn what the user passes (array, PIL image, path) into a validated (H, W, 3) uint8 RGB array."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

EXPECTED = "an (H, W, 3) uint8 RGB array, a PIL.Image, or a path to an image file"


def load_image(image) -> np.ndarray:
    """Return ``image`` as an (H, W, 3) uint8 RGB array (never a view the caller can see altered).

    Accepts an (H, W, 3) uint8 ndarray (RGB, as PIL and matplotlib read it — not OpenCV's BGR),
    a ``PIL.Image.Image`` in any mode (converted to RGB), or a ``str``/``os.PathLike`` path to a
    file Pillow can read.

    Raises ``TypeError`` for other types and dtypes, ``ValueError`` for wrong shapes, empty or
    single-pixel images, and files that are missing or not images.
    """
    if isinstance(image, (str, os.PathLike)):
        return _read_path(Path(image))
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - pillow is a dependency
        Image = None
    if Image is not None and isinstance(image, Image.Image):
        return _check_array(np.asarray(image.convert("RGB")))
    if isinstance(image, np.ndarray):
        return _check_array(image)
    raise TypeError(f"image must be {EXPECTED}; got {type(image).__name__}")


def _read_path(path: Path) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    if not path.exists():
        raise ValueError(f"image file not found: {path}")
    if not path.is_file():
        raise ValueError(f"not a file: {path}")
    try:
        with Image.open(path) as im:
            return _check_array(np.asarray(im.convert("RGB")))
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ValueError(f"cannot read {path} as an image: {exc}") from exc


def _check_array(array: np.ndarray) -> np.ndarray:
    if array.dtype != np.uint8:
        raise TypeError(f"image must be {EXPECTED}; got an array of dtype {array.dtype}")
    if array.ndim != 3 or array.shape[2] != 3:
        raise ValueError(f"image must be {EXPECTED}; got an array of shape {array.shape}")
    h, w = array.shape[:2]
    if h * w <= 1:
        raise ValueError(f"image must be {EXPECTED} with at least 2 pixels; got {h}×{w}")
    return np.ascontiguousarray(array)
