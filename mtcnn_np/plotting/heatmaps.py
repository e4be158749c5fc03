"""P-Net's face-probability maps laid over the input image, each cell over the window it scored.
"""

from __future__ import annotations

import numpy as np

from ..candidates import CELL_SIZE, STRIDE
from .images import show_image


def heatmap_extent(shape: tuple, scale: float) -> tuple:
    """Where a P-Net map lies over the input image: ``(left, right, bottom, top)`` for imshow.

    Cell (i, j) scored the 12×12 window of level pixels 2j … 2j + 11 (see ``candidates.py``),
    whose centre is level pixel 2j + 5.5. A level pixel p sits at image coordinate
    (p + 0.5)/s − 0.5, so that centre is at (2j + 6)/s − 0.5 in the image, and neighbouring
    cells are 2/s image pixels apart: each cell is drawn as a 2/s × 2/s tile around its window's
    centre.

    shape : (h, w) of the map. Returns floats in image coordinates.
    """
    h, w = shape
    half = CELL_SIZE / 2

    def edge(cells: int, side: int) -> float:  # outer edge of the first/last tile
        return (STRIDE * cells + half + side * STRIDE / 2) / scale - 0.5

    return edge(0, -1), edge(w - 1, +1), edge(h - 1, +1), edge(0, -1)


def show_heatmap_over(ax, image: np.ndarray, prob: np.ndarray, scale: float, alpha: float = 0.8,
                      cmap: str = "inferno", title: str | None = None, *, bgr: bool = False):
    """The image with P-Net's face-probability map of one pyramid level laid over it.

    image : (H, W, 3) uint8, the *input* image. prob : (h, w) face probability of the level at
    ``scale`` (``prob1[0, 1]``). Each cell is drawn over the centre of the window it scored
    (``heatmap_extent``), more opaque the higher its probability. bgr : the image is BGR.
    Returns the map's ``AxesImage`` (pass it to ``colorbar``).
    """
    ax = show_image(image, ax, title, bgr=bgr)
    height, width = np.shape(image)[:2]
    prob = np.asarray(prob, dtype=np.float64)
    # Opacity grows with the probability, so the photo shows through where P-Net sees no face.
    opacity = alpha * (0.2 + 0.8 * np.clip(prob, 0, 1))
    heat = ax.imshow(prob, cmap=cmap, alpha=opacity, vmin=0.0, vmax=1.0, interpolation="nearest",
                     extent=heatmap_extent(prob.shape, scale))
    ax.set_xlim(-0.5, width - 0.5)                  # keep the image's frame, not the map's
    ax.set_ylim(height - 0.5, -0.5)
    return heat
