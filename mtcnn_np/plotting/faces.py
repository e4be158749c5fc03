"""Faces drawn over an image: boxes (with labels that do not overlap), MTCNN's 1-based pixel
boxes as outlines, the five landmarks, whole detections, and stage 4's (L-Net's) patch windows
and landmark corrections.
"""

from __future__ import annotations

import numpy as np

from ..draw import LANDMARK_COLOURS
from .base import _outline
from .images import show_image

LABEL_GID = "show_boxes-label"


def show_boxes(ax, boxes: np.ndarray, color: str | list = "red", labels: list | None = None,
               linewidth: float = 1.5, linestyle: str = "-") -> list:
    """Draw boxes as rectangles with corners (x1, y1) and (x2, y2).

    boxes : (K, 4) [x1, y1, x2, y2] or (K, 5) with the score last (written on each box unless
        ``labels`` is given). color : one colour, or one per box.

    labels : K strings written at each box's top-left corner ("" for none), or None. A label
        that would overlap one already on the axes (from this or an earlier call) is moved down
        along the box's left edge until it does not.

    Returns the K ``Rectangle`` patches.
    """
    from matplotlib.patches import Rectangle

    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, np.shape(boxes)[-1])
    colours = [color] * len(boxes) if isinstance(color, str) else list(color)
    if labels is None and boxes.shape[1] == 5:
        labels = [f"{s:.2f}" for s in boxes[:, 4]]
    patches = []
    for k, (x1, y1, x2, y2) in enumerate(boxes[:, :4]):
        patch = Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=colours[k],
                          linewidth=linewidth, linestyle=linestyle)
        patches.append(ax.add_patch(patch))
        if labels is not None and labels[k] != "":
            _place_label(ax, x1, y1, f" {labels[k]}", colours[k])
    return patches


def _place_label(ax, x: float, y: float, text: str, colour) -> None:
    """A box label at (x, y), shifted down in steps of its own height while it overlaps a label
    placed before it on the same axes (measured in display pixels, after drawing)."""
    renderer = ax.figure.canvas.get_renderer()
    ax.apply_aspect()          # the axes' final box (imshow's aspect shrinks it when drawn)
    taken = [t.get_window_extent(renderer).padded(4) for t in ax.texts
             if t.get_gid() == LABEL_GID]
    label = ax.annotate(text, (x, y), xytext=(0, 0), textcoords="offset points", color="white",
                        fontsize=7, va="bottom", gid=LABEL_GID, annotation_clip=False,
                        bbox={"facecolor": colour, "alpha": 0.7, "pad": 1, "linewidth": 0})
    step = label.get_window_extent(renderer).height * 72 / ax.figure.dpi + 2   # in points
    for shift in range(1, 20):
        if not any(label.get_window_extent(renderer).overlaps(other) for other in taken):
            break
        label.set_position((0, -shift * step))


def pixel_edges(boxes: np.ndarray, one_based: bool = True) -> np.ndarray:
    """The outline of the whole pixels a box names, in matplotlib's image coordinates.

    MTCNN's canonical boxes name **1-based, inclusive** pixels x1 … x2 (see ``crops.py``); in
    0-based image coordinates those pixels span ``x1 − 1.5 … x2 − 0.5``. With
    ``one_based=False`` (0-based inclusive pixels) the outline is ``x1 − 0.5 … x2 + 0.5``.

    boxes : (K, 4) or (K, 5) → a new float64 array of the same shape (a score column is kept).
    """
    outline = np.array(boxes, dtype=np.float64)
    shift = 1.0 if one_based else 0.0
    outline[..., :2] -= shift + 0.5
    outline[..., 2:4] += 0.5 - shift
    return outline


def show_landmarks(ax, points: np.ndarray, size: float = 20, marker: str = "o",
                   names: bool = False, fontsize: float = 11) -> list:
    """Dots at the five landmarks of each face, coloured as in ``draw.py`` (eyes green, nose
    yellow, mouth corners magenta).

    points : (K, 5, 2) or (5, 2) [x, y] in image coordinates. names : label each point, in
    ``fontsize``-point letters with a dark outline (readable on any skin or background).

    Returns the five ``PathCollection`` objects (one per landmark, all faces).
    """
    from ..landmarks import NAMES

    points = np.asarray(points, dtype=np.float64).reshape(-1, 5, 2)
    dots = []
    for j, (name, colour) in enumerate(zip(NAMES, LANDMARK_COLOURS)):
        dots.append(ax.scatter(points[:, j, 0], points[:, j, 1], s=size, c=colour,
                               marker=marker, edgecolors="black", linewidths=0.5, zorder=3))
        if names:
            for x, y in points[:, j]:
                ax.annotate(name, (x, y), xytext=(5, 3), textcoords="offset points",
                            fontsize=fontsize, color=colour, fontweight="bold",
                            path_effects=[_outline()])
    return dots


def show_detections(ax, image: np.ndarray, faces, color: str = "red", title: str | None = None,
                    *, bgr: bool = False):
    """The image with every face's box, score and landmarks.

    faces : a ``Detections`` (float boxes, accurate landmarks) or ``detect_faces``' list of
        dicts (integer ``[x, y, w, h]`` boxes and keypoints).

    bgr : the image is OpenCV BGR(A). Returns the axes.
    """
    ax = show_image(image, ax, title, bgr=bgr)
    if isinstance(faces, list):
        boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in (f["box"] for f in faces)])
        scores = [f["confidence"] for f in faces]
        points = np.array([list(f["keypoints"].values()) for f in faces], dtype=np.float64)
    else:
        boxes, scores, points = faces.boxes, faces.scores, faces.landmarks
    if len(scores):
        show_boxes(ax, boxes, color, labels=[f"{s:.3f}" for s in scores])
        show_landmarks(ax, points)
    return ax


def show_patch_windows(ax, windows: np.ndarray, linewidth: float = 1.0) -> list:
    """Outline L-Net's patch windows, coloured per landmark as in ``draw.py``.

    windows : (K, 5, 4) or (5, 4) 1-based inclusive ``[x, y, x + pw, y + pw]``
    (``refine.patch_windows``). Returns the ``Rectangle`` patches, 5 per face.
    """
    windows = np.asarray(windows, dtype=np.float64).reshape(-1, 5, 4)
    patches = []
    for j, colour in enumerate(LANDMARK_COLOURS):
        patches += show_boxes(ax, pixel_edges(windows[:, j]), color=colour, linewidth=linewidth)
    return patches


def show_corrections(ax, before: np.ndarray, after: np.ndarray, color: str = "cyan",
                     scale: float = 1.0) -> list:
    """Arrows from each landmark ``before`` to ``after`` (both (K, 5, 2) or (5, 2) [x, y]).

    scale : draw each arrow ``scale`` times its length (corrections are ~1 px; 1 = true size).

    Returns the ``FancyArrow`` patches drawn (one per moved point).
    """
    before = np.asarray(before, dtype=np.float64).reshape(-1, 2)
    delta = (np.asarray(after, dtype=np.float64).reshape(-1, 2) - before) * scale
    arrows = []
    for (x, y), (dx, dy) in zip(before, delta):
        if dx or dy:
            arrows.append(ax.arrow(x, y, dx, dy, color=color, width=0.05, head_width=0.6,
                                   length_includes_head=True, zorder=4))
    return arrows
