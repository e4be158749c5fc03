"""Interactive exploration of the cascade: what the sliders in ``00_overview.ipynb`` call.

The callbacks are plain functions — slider values in, detections, counts or a picture out — so
they are tested without a browser (``tests/test_explore.py``). Only :func:`explorer`,
:func:`cell_explorer` and :func:`photo_explorer` build ipywidgets; they import it when called, so
the package never needs it (it is in the ``[notebooks]`` extra). Drawing goes into axes the
caller gives, through ``plotting`` (matplotlib, imported there lazily).

(329 lines, a little over the ~300 of the other modules: one callback per slider of the
overview notebook, kept together so that the notebook has one module to read.)
"""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .arguments import in_range, positive, thresholds
from .candidates import CELL_SIZE, STRIDE
from .detector import MTCNN
from .funnel import funnel_counts
from .image import load_image
from .pyramid import compute_scales, level_size, normalize, pyramid_level, to_nchw
from .results import Detections

EXTRA_HINT = 'the interactive widgets need ipywidgets: pip install "mtcnn_np[notebooks]"'


# -- thresholds, min_face_size, scale_factor → faces and funnel -------------------------------

def configured(detector: MTCNN, steps_threshold: tuple, min_face_size: float,
               scale_factor: float) -> MTCNN:
    """A copy of ``detector`` with other settings, sharing its loaded nets (no weights re-read).

    The values are checked as ``MTCNN(...)`` checks them: a ``TypeError``/``ValueError`` names
    the setting. ``detector`` itself is not changed.
    """
    if not isinstance(detector, MTCNN):
        raise TypeError(f"detector must be an MTCNN, got {type(detector).__name__}")
    changed = copy.copy(detector)
    changed.steps_threshold = thresholds("steps_threshold", steps_threshold, 3)
    changed.min_face_size = positive("min_face_size", min_face_size)
    changed.scale_factor = in_range("scale_factor", scale_factor, 0, 1, open_ends=True)
    return changed


class Exploration(NamedTuple):
    """What one setting of the sliders finds."""
    detections: Detections   # faces, with the trace of every stage
    counts: list             # funnel_counts(trace, steps_threshold): [(label, count), ...]
    detector: MTCNN          # the configured detector


def explore(image: np.ndarray, detector: MTCNN, t1: float, t2: float, t3: float,
            min_face_size: float, scale_factor: float) -> Exploration:
    """Detect faces in ``image`` ((H, W, 3) uint8 RGB) with the given settings, with a trace.

    The other settings (NMS thresholds, threads) are ``detector``'s.
    """
    changed = configured(detector, (t1, t2, t3), min_face_size, scale_factor)
    found = changed.detect(image, trace=True)
    return Exploration(found, funnel_counts(found.trace, changed.steps_threshold), changed)


def draw_exploration(result: Exploration, image: np.ndarray, axes) -> None:
    """Draw the faces (left axes) and the funnel (right axes) of :func:`explore`'s result.

    axes : two matplotlib axes; both are cleared first, so a callback can redraw in place.
    """
    from . import plotting

    faces_ax, funnel_ax = axes
    faces_ax.clear()
    funnel_ax.clear()
    d = result.detector
    title = (f"{len(result.detections)} faces · t = {d.steps_threshold} · "
             f"min face {d.min_face_size:g} px · factor {d.scale_factor:.3g}")
    plotting.show_detections(faces_ax, image, result.detections, title=title)
    plotting.plot_funnel(result.counts, funnel_ax)


# -- one P-Net cell → its 12×12 window → its box in the photo ---------------------------------

class PyramidLevel(NamedTuple):
    scale: float
    level_shape: tuple       # (rows, columns) of the resized image
    cells: tuple             # (rows, columns) of P-Net's output map on it


def pyramid_levels(image: np.ndarray, detector: MTCNN) -> list:
    """The pyramid ``detector`` builds for ``image``: one :class:`PyramidLevel` per scale."""
    height, width = image.shape[:2]
    levels = []
    for scale in compute_scales(height, width, detector.min_face_size, detector.scale_factor):
        rows, cols = level_size(height, width, scale)
        levels.append(PyramidLevel(scale, (rows, cols), detector.pnet.output_size(rows, cols)))
    return levels


class CellWindow(NamedTuple):
    """P-Net's cell (row, col) of one pyramid level and the window it scored."""
    scale: float
    level: np.ndarray        # (h, w, 3) uint8, the pyramid level P-Net saw
    window: tuple            # (x1, y1, x2, y2): 0-based, inclusive pixels of the level
    box: np.ndarray          # (4,) float64 [x1, y1, x2, y2]: the window mapped back to the
                             # photo, 1-based inclusive pixels, as in ``candidates.py``
    prob: float              # P-Net's face probability for that cell (as in the trace)


def _index(name: str, value, size: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if not 0 <= value < size:
        raise ValueError(f"{name} must be in 0 … {size - 1}, got {value}")
    return int(value)


def cell_window(image: np.ndarray, detector: MTCNN, level: int, row: int, col: int
                ) -> CellWindow:
    """The 12×12 window that P-Net's cell (``row``, ``col``) of pyramid ``level`` scored.

    In the level, the window starts at pixel (2·col, 2·row) (P-Net's stride is 2, §II-A);
    in the photo it is ``fix([2·col + 1, 2·row + 1, 2·col + 12, 2·row + 12] / scale)``, the
    box ``candidates_from_pnet`` gives that cell. The last row or column of cells of a level
    whose size P-Net's max-pool rounded up scored a window that reaches one pixel past the
    level's edge (that pixel was never there: the pool saw only the pixels that exist).
    Raises ``ValueError`` naming the level, row or column that is out of range
    (``pyramid_levels`` gives the ranges).
    """
    levels = pyramid_levels(image, detector)
    if not levels:
        raise ValueError(f"the image ({image.shape[1]}×{image.shape[0]}) is too small for a "
                         f"pyramid at min_face_size={detector.min_face_size:g}")
    info = levels[_index("level", level, len(levels))]
    row = _index("row", row, info.cells[0])
    col = _index("col", col, info.cells[1])
    pixels = pyramid_level(image, info.scale)
    x, y = STRIDE * col, STRIDE * row
    window = (x, y, x + CELL_SIZE - 1, y + CELL_SIZE - 1)
    box = np.fix((np.array([x + 1, y + 1, x + CELL_SIZE, y + CELL_SIZE], float)) / info.scale)
    prob = detector.pnet.forward(to_nchw(normalize(pixels)))[0][0, 1, row, col]
    return CellWindow(info.scale, pixels, window, box, float(prob))


def draw_cell(cell: CellWindow, image: np.ndarray, axes) -> None:
    """The window on its pyramid level (left axes) and mapped back into the photo (right)."""
    from . import plotting

    level_ax, photo_ax = axes
    level_ax.clear()
    photo_ax.clear()
    plotting.show_image(cell.level, level_ax, f"level at scale {cell.scale:.3f}: "
                        f"{cell.level.shape[1]}×{cell.level.shape[0]}")
    plotting.show_boxes(level_ax, plotting.pixel_edges([cell.window], one_based=False), "lime",
                        labels=[f"p = {cell.prob:.2f}"])
    plotting.show_image(image, photo_ax, "its window in the photo")
    plotting.show_boxes(photo_ax, plotting.pixel_edges([cell.box]), "lime")


# -- your own photo ----------------------------------------------------------------------------

def photo_from(source=None, default=None) -> np.ndarray:
    """The photo to explore, as (H, W, 3) uint8 RGB.

    source : None or "" (then ``default``), a path, raw file bytes, or the value of an
        ``ipywidgets.FileUpload`` (version 7: ``{name: {"content": bytes}}``; 8: a tuple of
        ``{"content": memoryview, ...}``; the first file is used, none → ``default``).

    default : the photo used when no other is given (a path or an array).
    """
    if isinstance(source, dict):                       # ipywidgets 7 FileUpload.value
        source = tuple(source.values())
    if isinstance(source, tuple):                      # ipywidgets 8 FileUpload.value
        source = bytes(source[0]["content"]) if source else None
    if isinstance(source, (bytes, bytearray, memoryview)):
        return load_image(io.BytesIO(bytes(source)))
    if source is None or source == "":
        if default is None:
            raise ValueError("no photo given and no default photo")
        return load_image(default)
    if isinstance(source, (str, Path)):
        return load_image(Path(source).expanduser())
    raise TypeError(f"a photo must be a path, file bytes or a FileUpload value, got "
                    f"{type(source).__name__}")


# -- the ipywidgets wiring (thin) --------------------------------------------------------------

def _ipywidgets():
    try:
        import ipywidgets
    except ImportError as exc:
        raise ImportError(EXTRA_HINT) from exc
    return ipywidgets


class Explorer(NamedTuple):
    widget: object           # the ipywidgets box to display
    controls: dict           # name → slider (or other control)
    figure: object           # the matplotlib Figure redrawn by every change
    refresh: object          # call to redraw with the controls' current values


def _figure(figsize: tuple):
    """A matplotlib Figure outside pyplot (not shown by itself at the end of a notebook cell,
    not kept alive by pyplot), on an Agg canvas, which drawing needs for measuring text."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _output(widgets, figure):
    """An Output widget and a function that redraws ``figure`` into it."""
    from IPython.display import display

    out = widgets.Output()

    def show():
        out.clear_output(wait=True)
        with out:
            display(figure)
    return out, show


def explorer(image: np.ndarray, detector: MTCNN | None = None) -> Explorer:
    """Sliders for the three thresholds, ``min_face_size`` and ``scale_factor``; every change
    calls :func:`explore` and :func:`draw_exploration` again."""
    widgets = _ipywidgets()
    detector = MTCNN() if detector is None else detector
    t1, t2, t3 = detector.steps_threshold
    slider = dict(continuous_update=False, readout_format=".2f")
    controls = {
        "t1": widgets.FloatSlider(value=t1, min=0.05, max=0.99, step=0.01, description="t1 P-Net",
                                  **slider),
        "t2": widgets.FloatSlider(value=t2, min=0.05, max=0.99, step=0.01, description="t2 R-Net",
                                  **slider),
        "t3": widgets.FloatSlider(value=t3, min=0.05, max=0.99, step=0.01, description="t3 O-Net",
                                  **slider),
        "min_face_size": widgets.IntSlider(value=int(detector.min_face_size), min=12, max=120,
                                           description="min face", continuous_update=False),
        "scale_factor": widgets.FloatSlider(value=detector.scale_factor, min=0.3, max=0.9,
                                            step=0.01, description="factor", **slider),
    }
    figure = _figure((12, 4.5))
    axes = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    out, show = _output(widgets, figure)

    def refresh(_change=None):
        values = {name: control.value for name, control in controls.items()}
        draw_exploration(explore(image, detector, **values), image, axes)
        show()

    for control in controls.values():
        control.observe(refresh, names="value")
    refresh()
    return Explorer(widgets.VBox([widgets.HBox(list(controls.values())[:3]),
                                  widgets.HBox(list(controls.values())[3:]), out]),
                    controls, figure, refresh)


def cell_explorer(image: np.ndarray, detector: MTCNN | None = None) -> Explorer:
    """Pick a pyramid level and a P-Net cell; see its 12×12 window and its box in the photo."""
    widgets = _ipywidgets()
    detector = MTCNN() if detector is None else detector
    levels = pyramid_levels(image, detector)
    if not levels:
        raise ValueError("the image is too small for a pyramid")
    controls = {
        "level": widgets.IntSlider(value=0, min=0, max=len(levels) - 1, description="level",
                                   continuous_update=False),
        "row": widgets.IntSlider(value=0, min=0, max=levels[0].cells[0] - 1, description="row",
                                 continuous_update=False),
        "col": widgets.IntSlider(value=0, min=0, max=levels[0].cells[1] - 1, description="col",
                                 continuous_update=False),
    }
    figure = _figure((11, 4.5))
    axes = figure.subplots(1, 2)
    out, show = _output(widgets, figure)

    def refresh(change=None):
        if change is not None and change["owner"] is controls["level"]:
            rows, cols = levels[controls["level"].value].cells   # the new level's map size
            controls["row"].max, controls["col"].max = rows - 1, cols - 1
        cell = cell_window(image, detector, controls["level"].value, controls["row"].value,
                           controls["col"].value)
        draw_cell(cell, image, axes)
        show()

    for control in controls.values():
        control.observe(refresh, names="value")
    refresh()
    return Explorer(widgets.VBox([widgets.HBox(list(controls.values())), out]), controls,
                    figure, refresh)


def photo_explorer(default, detector: MTCNN | None = None) -> Explorer:
    """:func:`explorer` on your own photo: a path box and an upload button; a new photo (a path
    typed, then Enter, or a file uploaded) rebuilds the sliders on it. Starts on ``default``
    (a path or an array, see :func:`photo_from`).

    ``controls``: ``"path"``, ``"upload"``, and ``"sliders"``, the :func:`explorer` of the
    current photo (replaced on every new photo; its ``figure`` is the picture). ``figure`` is
    None.
    """
    widgets = _ipywidgets()
    from IPython.display import display

    detector = MTCNN() if detector is None else detector
    controls = {"path": widgets.Text(placeholder="path to a photo, then Enter",
                                     description="photo", continuous_update=False),
                "upload": widgets.FileUpload(accept="image/*", multiple=False)}
    out = widgets.Output()

    def refresh(change=None):
        source = change["new"] if change is not None else None
        controls["sliders"] = explorer(photo_from(source, default), detector)
        out.clear_output(wait=True)
        with out:
            display(controls["sliders"].widget)

    controls["path"].observe(refresh, names="value")
    controls["upload"].observe(refresh, names="value")
    refresh()
    widget = widgets.VBox([widgets.HBox([controls["path"], controls["upload"]]), out])
    return Explorer(widget, controls, None, refresh)
