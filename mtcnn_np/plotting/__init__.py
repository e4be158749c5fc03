"""Matplotlib pictures of the cascade's stages, for the notebooks and for study.

matplotlib is imported inside the functions, so ``import mtcnn_np`` never needs it; install it
with ``pip install matplotlib`` (it is in the ``[notebooks]`` and ``[test]`` extras).

Coordinates are matplotlib's image coordinates: ``imshow`` puts the centre of pixel (row r,
column c) at (x, y) = (c, r), so pixel edges lie at half-integers and y grows downwards. A box
``[x1, y1, x2, y2]`` is drawn as the rectangle with exactly those corners (``pixel_edges``
turns MTCNN's 1-based, inclusive whole-pixel boxes into the outline of the pixels they name),
and a landmark ``[x, y]`` as a dot at that point — the accurate landmarks of
``Detections.landmarks`` use this same convention (see ``mtcnn_np.landmarks``).

Every function draws into the axes it is given (or a new figure) and returns what it added, so
a caller can restyle it and a test can count it. One module per kind of picture: ``images``
(images, crops, channels, numbers), ``faces`` (boxes, landmarks, detections, L-Net's patches),
``heatmaps`` (P-Net's maps over the image), ``windows`` (conv/pool windows, im2col),
``cascade`` (the funnel, the paper's Fig. 1); ``base`` imports matplotlib when needed.
Every name is importable from ``mtcnn_np.plotting`` itself, as when this was one module.
"""

from __future__ import annotations

from ..funnel import cascade_stages, funnel_counts, stage_times
from .cascade import NET_TITLES, plot_cascade, plot_funnel
from .faces import (
    LABEL_GID,
    pixel_edges,
    show_boxes,
    show_corrections,
    show_detections,
    show_landmarks,
    show_patch_windows,
)
from .heatmaps import heatmap_extent, show_heatmap_over
from .images import as_pixels, panel_grid, show_channels, show_crops, show_image, show_values
from .windows import WINDOW_COLOURS, draw_im2col, show_windows, window_count

__all__ = [
    "LABEL_GID", "NET_TITLES", "WINDOW_COLOURS",
    "as_pixels", "cascade_stages", "draw_im2col", "funnel_counts", "heatmap_extent",
    "panel_grid", "pixel_edges", "plot_cascade", "plot_funnel", "show_boxes", "show_channels",
    "show_corrections", "show_crops", "show_detections", "show_heatmap_over", "show_image",
    "show_landmarks", "show_patch_windows", "show_values", "show_windows", "stage_times",
    "window_count",
]
