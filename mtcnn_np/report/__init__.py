"""A stage report anyone can open: one self-contained HTML page showing what each stage of
MTCNN did with one photo (``python -m mtcnn_np explain PHOTO --html report.html``).

The page inlines its pictures as PNG ``data:`` URIs and its CSS, uses no script and no
external URL, and stays small on big photos (pictures downscaled, crops and boxes capped).
It needs only the run-time dependencies (NumPy, Pillow): pictures are drawn with Pillow.

>>> from mtcnn_np.report import write_report      # doctest: +SKIP
>>> write_report("photo.jpg", "report.html")      # doctest: +SKIP
"""

from __future__ import annotations

import os
from pathlib import Path

from ..detector import MTCNN
from .page import SECTIONS, build_page

MAX_CROPS = 48      # crops shown per net (R-Net, O-Net)

__all__ = ["MAX_CROPS", "SECTIONS", "explain", "write_report"]


def explain(image, detector: MTCNN | None = None, *, title: str = "photo",
            max_crops: int = MAX_CROPS) -> str:
    """Detect faces in ``image`` with a trace and return the report as an HTML string.

    image : anything ``MTCNN.detect`` takes (path, (H, W, 3) uint8 array, PIL image, ...).
    detector : the MTCNN to run (its thresholds are shown and used); default ``MTCNN()``.
    max_crops : at most this many R-Net and O-Net crops are shown, each (≥ 0).
    """
    if isinstance(max_crops, bool) or not isinstance(max_crops, int) or max_crops < 0:
        raise ValueError(f"max_crops must be an int ≥ 0, got {max_crops!r}")
    detector = MTCNN() if detector is None else detector
    result = detector.detect(image, trace=True)
    return build_page(result, detector, title, max_crops)


def write_report(image, path: str | os.PathLike, detector: MTCNN | None = None, *,
                 title: str | None = None, max_crops: int = MAX_CROPS) -> Path:
    """Write :func:`explain`'s page to ``path`` (UTF-8) and return the path.

    title : shown in the page; default the image's file name, when it is a path.
    """
    if title is None:
        title = Path(image).name if isinstance(image, (str, os.PathLike)) else "photo"
    page = explain(image, detector, title=title, max_crops=max_crops)
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path
