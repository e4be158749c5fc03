"""The report's pictures, drawn with Pillow only, and turned into ``data:`` URIs.

Boxes here are the detector's 1-based, inclusive whole-pixel boxes ``[x1, y1, x2, y2]`` (see
``nms.py``): in 0-based pixel edges they span ``x1 − 1 … x2``, which is what is outlined.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image, ImageDraw

from ..candidates import CELL_SIZE, STRIDE

# A few stops of matplotlib's "inferno" map: dark for no face, bright yellow for a face.
INFERNO = np.array([[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]],
                   dtype=np.float64)


def data_uri(picture: Image.Image) -> str:
    """A PNG ``data:`` URI of the picture, to inline in HTML."""
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def fit(picture: Image.Image, max_side: int) -> tuple:
    """The picture shrunk (never grown) so its longer side is at most ``max_side`` pixels.

    Returns ``(picture, factor)``: multiply image coordinates by ``factor`` to draw on it.
    """
    factor = min(1.0, max_side / max(picture.size))
    if factor == 1.0:
        return picture, 1.0
    size = (max(1, round(picture.width * factor)), max(1, round(picture.height * factor)))
    return picture.resize(size, Image.Resampling.BOX), factor


def colourise(prob: np.ndarray) -> np.ndarray:
    """(h, w) probabilities in [0, 1] → (h, w, 3) uint8 colours of the inferno ramp."""
    stops = np.linspace(0.0, 1.0, len(INFERNO))
    p = np.clip(np.asarray(prob, dtype=np.float64), 0.0, 1.0)
    channels = [np.interp(p, stops, INFERNO[:, c]) for c in range(3)]
    return np.rint(np.stack(channels, axis=-1)).astype(np.uint8)


def heat_over_level(level: np.ndarray, prob: np.ndarray) -> Image.Image:
    """P-Net's face-probability map laid over the level it scanned.

    level : (h, w, 3) uint8. prob : (mh, mw), cell (i, j) scored the 12×12 window at level
    pixels (2i…2i+11, 2j…2j+11); it is painted as the 2×2 tile at that window's centre
    (pixels 2i+5, 2i+6), so the map lines up with the faces. More opaque where the probability
    is higher, so the photo shows through where P-Net sees no face.
    """
    colours = np.zeros(level.shape, np.float64)
    alpha = np.full(level.shape[:2], 0.55)
    tiles = np.repeat(np.repeat(np.asarray(prob, np.float64), STRIDE, 0), STRIDE, 1)
    top = CELL_SIZE // 2 - 1                          # 5: the first window's centre pixel
    rows, cols = (min(n, side - top) for n, side in zip(tiles.shape, level.shape[:2]))
    colours[top:top + rows, top:top + cols] = colourise(tiles[:rows, :cols])
    alpha[top:top + rows, top:top + cols] = 0.35 + 0.6 * np.clip(tiles[:rows, :cols], 0, 1)
    blend = level * (1 - alpha[..., None]) + colours * alpha[..., None]
    return Image.fromarray(np.rint(blend).astype(np.uint8))


def draw_boxes(picture: Image.Image, boxes: np.ndarray, factor: float, colour: str,
               width: int = 1) -> Image.Image:
    """Outline boxes (K, ≥4), in image pixels, on ``picture`` drawn at ``factor`` × the image.

    Draws in place and returns the picture.
    """
    pen = ImageDraw.Draw(picture)
    edges = np.asarray(boxes, dtype=np.float64)[:, :4] * factor
    edges[:, :2] -= factor                            # 1-based inclusive → pixel edges
    for x1, y1, x2, y2 in edges:
        pen.rectangle([x1, y1, max(x1, x2), max(y1, y2)], outline=colour, width=width)
    return picture


def best(boxes: np.ndarray, limit: int) -> np.ndarray:
    """The ``limit`` highest-scoring rows of (K, 5) ``[x1, y1, x2, y2, score]`` boxes."""
    if len(boxes) <= limit:
        return boxes
    return boxes[np.argsort(-boxes[:, 4], kind="stable")[:limit]]
