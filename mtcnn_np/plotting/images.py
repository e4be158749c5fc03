"""Pictures of arrays: an image, a grid of crops, a layer's channels, a small array's numbers.

Images are (H, W, 3) uint8 RGB (``bgr=True`` for OpenCV's order); the nets' normalised
(N, 3, H, W) inputs are turned back into pixels by ``as_pixels``.
"""

from __future__ import annotations

import numpy as np

from ..image import wants_bgr
from .base import _axes, _pyplot


def _rgb_view(pixels: np.ndarray, bgr) -> np.ndarray:
    """(..., 3 or 4) BGR(A) pixels as an RGB view when ``bgr`` (for imshow), else unchanged."""
    if wants_bgr(bgr) and pixels.ndim >= 3:
        return pixels[..., 2::-1]
    return pixels


def as_pixels(x: np.ndarray) -> np.ndarray:
    """Undo the nets' input scaling for display: ``x · 128 + 127.5``, rounded, clipped, uint8.

    x : (N, 3, H, W) or (3, H, W) float, normalised as in ``pyramid.normalize``
    → (N, H, W, 3) or (H, W, 3) uint8.
    """
    x = np.asarray(x, dtype=np.float64)
    pixels = np.clip(np.rint(x * 128.0 + 127.5), 0, 255).astype(np.uint8)
    return np.moveaxis(pixels, -3, -1)                       # channels last, for imshow


def show_image(image: np.ndarray, ax=None, title: str | None = None, *, bgr: bool = False):
    """Show an (H, W, 3) uint8 RGB image (or an (H, W) map, in grey) without axis ticks.

    bgr : the image is OpenCV BGR(A) (shown with its colours right). Returns the axes.
    """
    ax = _axes(ax)
    image = _rgb_view(np.asarray(image), bgr)
    ax.imshow(image, cmap="gray" if image.ndim == 2 else None, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


def show_crops(crops: np.ndarray, titles: list | None = None, ncols: int = 8,
               size: float = 1.3, *, bgr: bool = False):
    """A grid of crops, one small panel each (e.g. what R-Net or O-Net saw).

    crops : (K, h, w, 3) pixel values in [0, 255] (uint8 or float; floats are rounded for
        display). For the nets' normalised (K, 3, h, w) inputs, pass ``as_pixels(x)``.

    titles : K short strings (e.g. scores), or None.

    bgr : the crops are BGR (e.g. ``align_faces(..., bgr=True)``).

    Returns the figure.
    """
    crops = np.asarray(crops)
    if crops.ndim != 4 or crops.shape[-1] != 3:
        raise ValueError(f"crops must be (K, h, w, 3) pixel values, got shape {crops.shape}")
    crops = _rgb_view(crops, bgr)
    count = max(1, len(crops))
    ncols = min(ncols, count)
    nrows = -(-count // ncols)
    fig, axes = _pyplot().subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3),
                                   squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k < len(crops):
            pixels = np.clip(np.rint(crops[k]), 0, 255).astype(np.uint8)
            ax.imshow(pixels, interpolation="nearest")
            if titles is not None:
                ax.set_title(str(titles[k]), fontsize=8)
    return fig


def panel_grid(count: int, aspect: float, ncols: int = 4, width: float = 13.0,
               title_space: float = 0.35):
    """A figure with one panel per item, ``ncols`` across (fewer if there are fewer items), sized
    so the panels fit pictures of height/width ``aspect`` without empty bands; unused panels of
    the last row are hidden.

    Returns ``(fig, axes)`` with ``axes`` the flat list of the ``count`` visible axes.
    """
    if count < 1:
        raise ValueError(f"panel_grid needs at least one panel, got {count}")
    ncols = min(ncols, count)
    nrows = -(-count // ncols)
    panel = (width - 1.2) / ncols      # about 1.2 in go to a colourbar and the margins
    fig, grid = _pyplot().subplots(nrows, ncols, squeeze=False, constrained_layout=True,
                                   figsize=(width, nrows * (panel * aspect + title_space)))
    for ax in grid.ravel()[count:]:
        ax.set_visible(False)
    return fig, list(grid.ravel()[:count])


def show_channels(maps: np.ndarray, name: str = "", ncols: int = 5, width: float = 11.0,
                  cmap: str = "gray"):
    """Every channel of one layer's output as a panel, on one shared colour scale, with a
    colourbar (so that panels can be compared: a bright pixel means the same value in each).

    maps : (C, H, W) — one image's activations, e.g. ``activations["conv1"][0]``.
    name : the layer's name, for the titles (``conv1[0]`` …).
    Returns the figure; its last axes is the colourbar.
    """
    maps = np.asarray(maps, dtype=np.float64)
    if maps.ndim != 3:
        raise ValueError(f"show_channels needs (C, H, W) maps, got shape {maps.shape}")
    fig, axes = panel_grid(len(maps), maps.shape[1] / maps.shape[2], ncols, width)
    low, high = float(maps.min()), float(maps.max())
    for c, ax in enumerate(axes):
        picture = ax.imshow(maps[c], cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{name}[{c}]", fontsize=9)
    fig.colorbar(picture, ax=axes, shrink=0.9, label=name or "value")
    return fig


def show_values(ax, values: np.ndarray, fmt: str = "{:.3g}", cmap: str = "Blues",
                title: str | None = None, fontsize: float = 9):
    """A small 2-D array drawn as coloured cells with its numbers written in them.

    values : (rows, cols). Meant for arrays of up to ~15×15 (a kernel, a pooled map, IoUs).
    Returns the ``AxesImage``.
    """
    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"show_values needs a 2-D array, got shape {values.shape}")
    picture = ax.imshow(values.astype(np.float64), cmap=cmap, interpolation="nearest")
    for (r, c), v in np.ndenumerate(values):
        red, green, blue, _ = picture.cmap(picture.norm(v))
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5   # white text on dark cells
        ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=fontsize,
                color="white" if dark else "black")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return picture
