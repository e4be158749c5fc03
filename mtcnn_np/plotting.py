"""Matplotlib pictures of the cascade's stages, for the notebooks and for study.

matplotlib is imported inside the functions, so ``import mtcnn_np`` never needs it; install it
with ``pip install matplotlib`` (it is in the ``[notebooks]`` and ``[test]`` extras).

Coordinates are matplotlib's image coordinates: ``imshow`` puts the centre of pixel (row r,
column c) at (x, y) = (c, r), so pixel edges lie at half-integers and y grows downwards. A box
``[x1, y1, x2, y2]`` is drawn as the rectangle with exactly those corners (``pixel_edges``
turns MTCNN's 1-based, inclusive whole-pixel boxes into the outline of the pixels they name),
and a landmark ``[x, y]`` as a dot at that point — the accurate landmarks of
``Detections.landmarks`` use this same convention (see ``landmarks.py``).

Every function draws into the axes it is given (or a new figure) and returns what it added, so
a caller can restyle it and a test can count it.
"""

from __future__ import annotations

import numpy as np

from .candidates import CELL_SIZE, STRIDE
from .draw import LANDMARK_COLOURS
from .funnel import cascade_stages, funnel_counts, stage_times  # noqa: F401 (re-exported)
from .image import wants_bgr
from .layers import conv_output_size, im2col, pool_output_size

WINDOW_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("mtcnn_np.plotting needs matplotlib: pip install matplotlib") from exc
    return plt


def _axes(ax=None, figsize: tuple = (5, 5)):
    """``ax`` itself, or the axes of a new figure."""
    if ax is not None:
        return ax
    return _pyplot().subplots(figsize=figsize)[1]


# -- images ------------------------------------------------------------------------------------

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


# -- boxes and landmarks -----------------------------------------------------------------------

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


LABEL_GID = "show_boxes-label"


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
    from .landmarks import NAMES

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


# -- P-Net's maps ------------------------------------------------------------------------------

def _outline():
    from matplotlib import patheffects

    return patheffects.withStroke(linewidth=2.5, foreground="black")


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


# -- layer pictures ----------------------------------------------------------------------------

def window_count(size: int, kernel: int, stride: int, ceil: bool) -> int:
    """Number of windows along one axis: max-pool rounds up (``ceil``), convolution down."""
    if ceil:
        return pool_output_size(size, kernel, stride)
    return conv_output_size(size, kernel, stride)


def show_windows(ax, height: int, width: int, kernel: int, stride: int, ceil: bool = True,
                 row: int = 0) -> list:
    """A ``height × width`` pixel grid with the windows of one output row outlined.

    The windows are ``kernel × kernel``, ``stride`` apart; with ``ceil`` (Caffe's max-pool) the
    last window may hang over the right edge, drawn dashed with the overhang hatched.
    Returns the window rectangles, left to right.
    """
    from matplotlib.patches import Rectangle

    ax.imshow(np.zeros((height, width)), cmap="Greys", vmin=0, vmax=1)
    ax.set_xticks(np.arange(-0.5, width, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, height, 1), minor=True)
    ax.grid(which="minor", color="0.75", linewidth=0.5)
    ax.set_xticks(range(width))
    ax.set_yticks(range(height))
    ax.tick_params(labelsize=7)
    top = row * stride - 0.5
    patches = []
    for j in range(window_count(width, kernel, stride, ceil)):
        left = j * stride - 0.5
        over = left + kernel > width - 0.5
        inset = 0.08 * (j % 3)                    # stagger overlapping outlines so all show
        patch = Rectangle((left + inset, top + inset), kernel - 2 * inset, kernel - 2 * inset,
                          fill=False, linewidth=2, edgecolor=WINDOW_COLOURS[j % 7],
                          linestyle="--" if over else "-")
        patches.append(ax.add_patch(patch))
        if over:
            ax.add_patch(Rectangle((width - 0.5, top), left + kernel - width + 0.5, kernel,
                                   fill=False, hatch="//", edgecolor="0.5", linewidth=0))
    margin = 0.2                                 # so outlines on the frame stay visible
    ax.set_xlim(-0.5 - margin, max(width, (len(patches) - 1) * stride + kernel) - 0.5 + margin)
    ax.set_ylim(max(height, top + 0.5 + kernel) - 0.5 + margin, -0.5 - margin)
    return patches


def draw_im2col(x: np.ndarray, kh: int, kw: int, stride: int = 1, highlight: tuple = (0, 1)):
    """im2col as a picture: the input on the left, the unfolded matrix on the right.

    Each window of the input becomes one column of the matrix (``layers.im2col``, the library's
    own function, computes the right panel). The windows listed in ``highlight`` (column
    numbers) are outlined in the same colour on both sides.

    x : (H, W) or (1, 1, H, W), small (≤ 8×8 reads well). Returns the figure.
    """
    from matplotlib.patches import Rectangle

    x = np.asarray(x, dtype=np.float32).reshape((1, 1) + np.shape(x)[-2:])
    cols = im2col(x, kh, kw, stride)                                 # (kh·kw, Ho·Wo)
    wo = conv_output_size(x.shape[3], kw, stride)
    fig, (left, right) = _pyplot().subplots(
        1, 2, figsize=(2 + 0.45 * (x.shape[3] + cols.shape[1]), 0.5 * max(x.shape[2], kh * kw) + 1),
        gridspec_kw={"width_ratios": [x.shape[3], cols.shape[1]]})
    show_values(left, x[0, 0], fmt="{:g}", cmap="Greys", title=f"input {x.shape[2]}×{x.shape[3]}")
    show_values(right, cols, fmt="{:g}", cmap="Greys",
                title=f"im2col: {cols.shape[0]} rows (kernel taps) × {cols.shape[1]} columns")
    for n, k in enumerate(highlight):
        colour = WINDOW_COLOURS[n % 7]
        r, c = divmod(k, wo)
        inset = 0.06 * n                          # stagger outlines that share an edge
        left.add_patch(Rectangle((c * stride - 0.5 + inset, r * stride - 0.5 + inset),
                                 kw - 2 * inset, kh - 2 * inset, fill=False, edgecolor=colour,
                                 linewidth=2.5))
        right.add_patch(Rectangle((k - 0.5, -0.5), 1, cols.shape[0], fill=False,
                                  edgecolor=colour, linewidth=2.5))
    fig.tight_layout()
    return fig


# -- the cascade at a glance -------------------------------------------------------------------

NET_TITLES = {"pnet": "P-Net", "rnet": "R-Net", "onet": "O-Net"}


def plot_funnel(trace, ax=None, steps_threshold: tuple | None = None, title: str | None = None):
    """How many windows each step keeps, as horizontal bars on a log scale (largest on top).

    trace : a ``Trace`` of one detection (counted by ``funnel.funnel_counts``, which says what
        each row counts; ``steps_threshold`` as there), or ``funnel_counts``' list of
        ``(label, count)`` itself.

    Returns the ``BarContainer`` (one bar per row, top to bottom).
    """
    counts = trace if isinstance(trace, list) else funnel_counts(trace, steps_threshold)
    ax = _axes(ax, figsize=(6, 0.45 * len(counts) + 0.8))
    labels = [label for label, _ in counts]
    values = np.array([count for _, count in counts], dtype=np.float64)
    # A log scale shows 50 000 windows and 7 faces on one axis; 0 is drawn as an empty bar.
    bars = ax.barh(range(len(counts)), np.maximum(values, 0.8), color="#1f77b4", height=0.6)
    ax.set_xscale("log")
    ax.set_xlim(0.8, max(10.0, values.max(initial=1.0)) * 8)
    ax.set_yticks(range(len(counts)), labels)
    ax.invert_yaxis()
    for k, value in enumerate(values):
        ax.text(max(value, 0.8) * 1.15, k, f"{int(value):,}", va="center", fontsize=9)
    ax.set_xlabel("windows / boxes left (log scale)")
    if title:
        ax.set_title(title)
    return bars


def _stage_box(ax, x: float, width: float, lines: list, colour: str, height: float = 3.0):
    """One block of the cascade diagram: a rounded box at x with its lines of text inside."""
    from matplotlib.patches import FancyBboxPatch

    patch = ax.add_patch(FancyBboxPatch((x, -height / 2), width, height,
                                        boxstyle="round,pad=0.05,rounding_size=0.15",
                                        facecolor=colour, edgecolor="0.3", linewidth=1))
    ax.text(x + width / 2, height / 2 - 0.3, lines[0], ha="center", va="top", fontsize=10,
            fontweight="bold")
    ax.text(x + width / 2, height / 2 - 0.8, "\n".join(lines[1:]), ha="center", va="top",
            fontsize=6.5, linespacing=1.4)
    return patch


def plot_cascade(ax=None):
    """Fig. 1 of the paper drawn from the code: pyramid → P-Net → NMS → R-Net → NMS → O-Net →
    faces + landmarks, each net with its input size, layers and outputs from ``nets/spec.py``
    (via ``funnel.cascade_stages``).

    Returns the seven blocks (``FancyBboxPatch``), left to right.
    """
    from matplotlib.patches import FancyArrowPatch

    ax = _axes(ax, figsize=(14, 3.2))
    nets = {net.name: net for net in cascade_stages()}

    def net_lines(name: str) -> list:
        net = nets[name]
        window = "12×12 windows" if name == "pnet" else f"{net.input_size}×{net.input_size} crops"
        return [NET_TITLES[name], f"input {window}", *net.layers, "→ " + ", ".join(net.outputs)]

    blocks = [
        (["pyramid", "scales 12/min_face_size", "× scale_factor^k", "until short side < 12"],
         "#e8e8e8", 1.6),
        (net_lines("pnet"), "#cfe2f3", 2.2),
        (["NMS", "keep prob ≥ t1", "NMS per scale, then", "over all scales", "regress + square"],
         "#fff2cc", 1.5),
        (net_lines("rnet"), "#d9ead3", 2.3),
        (["NMS", "keep prob > t2", "NMS", "regress + square"], "#fff2cc", 1.5),
        (net_lines("onet"), "#f4cccc", 2.9),
        (["faces", "keep prob > t3,", "NMS ('min'):", "boxes, scores,", "5 landmarks"],
         "#e8e8e8", 1.5),
    ]
    patches, x, gap = [], 0.0, 0.45
    for k, (lines, colour, width) in enumerate(blocks):
        patches.append(_stage_box(ax, x, width, lines, colour))
        if k:
            ax.add_patch(FancyArrowPatch((x - gap + 0.05, 0), (x - 0.05, 0),
                                         arrowstyle="-|>", mutation_scale=12, color="0.3"))
        x += width + gap
    ax.set_xlim(-0.2, x - gap + 0.2)
    ax.set_ylim(-1.8, 1.8)
    ax.set_aspect("equal")
    ax.axis("off")
    return patches


# -- stage 4: L-Net's patches and corrections (notebook 09) ------------------------------------

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
