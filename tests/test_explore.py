"""The callbacks behind the notebook's sliders, tested without a browser (Agg backend)."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from conftest import IMAGES, read_rgb  # noqa: E402
from test_plotting import message_without  # noqa: E402

from mtcnn_np import explore as E  # noqa: E402
from mtcnn_np.candidates import candidates_from_pnet  # noqa: E402

PHOTO = read_rgb("group_small.png")                                # (240, 320, 3)
DEFAULTS = dict(t1=0.6, t2=0.7, t3=0.7, min_face_size=20, scale_factor=0.709)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def faces(detector, **changes) -> int:
    return len(E.explore(PHOTO, detector, **{**DEFAULTS, **changes}).detections)


def test_defaults_find_what_detect_finds(detector):
    result = E.explore(PHOTO, detector, **DEFAULTS)
    want = detector.detect(PHOTO)
    np.testing.assert_array_equal(result.detections.boxes, want.boxes)
    assert result.counts[-1] == ("faces", len(want))


@pytest.mark.parametrize("name", ["t1", "t2", "t3"])
def test_raising_a_threshold_never_adds_boxes(detector, name):
    # A higher threshold keeps a subset at its own stage, so that stage's count cannot grow.
    row = {"t1": "P-Net ≥ t1", "t2": "R-Net > t2", "t3": "O-Net > t3"}[name]
    counts = [dict(E.explore(PHOTO, detector, **{**DEFAULTS, name: t}).counts)[row]
              for t in (0.3, 0.6, 0.8, 0.95)]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]


def test_larger_min_face_size_scans_fewer_windows(detector):
    scanned = [E.explore(PHOTO, detector, **{**DEFAULTS, "min_face_size": m}).counts[0][1]
               for m in (15, 20, 40, 80)]
    assert scanned == sorted(scanned, reverse=True) and scanned[0] > scanned[-1]
    assert faces(detector, min_face_size=80) < faces(detector)   # small faces are not looked for


def test_the_detector_itself_is_not_changed(detector):
    before = repr(detector)
    E.explore(PHOTO, detector, **{**DEFAULTS, "t1": 0.9, "scale_factor": 0.5})
    assert repr(detector) == before


@pytest.mark.parametrize("change, error, words", [
    ({"t1": 1.5}, ValueError, r"steps_threshold\[0\]"),
    ({"t3": "high"}, TypeError, r"steps_threshold\[2\]"),
    ({"min_face_size": 0}, ValueError, "min_face_size"),
    ({"scale_factor": 1.0}, ValueError, "scale_factor"),
])
def test_bad_slider_values_say_which(detector, change, error, words):
    with pytest.raises(error, match=words):
        E.explore(PHOTO, detector, **{**DEFAULTS, **change})


def test_draw_exploration_redraws_in_place(detector):
    fig, axes = plt.subplots(1, 2)
    for t3 in (0.7, 0.95):
        result = E.explore(PHOTO, detector, **{**DEFAULTS, "t3": t3})
        E.draw_exploration(result, PHOTO, axes)
    assert axes[0].get_title().startswith(f"{len(result.detections)} faces")
    assert len(axes[0].images) == 1                      # cleared, not drawn twice
    assert len(axes[1].patches) == len(result.counts)    # one funnel bar per row


@pytest.mark.parametrize("level, row, col", [(0, 0, 0), (0, 30, 45), (3, 20, 29), (7, 1, 3)])
def test_cell_window_matches_candidates(detector, level, row, col):
    levels = E.pyramid_levels(PHOTO, detector)
    cell = E.cell_window(PHOTO, detector, level, row, col)
    # The library's own mapping: a map where only this cell passes the threshold.
    prob = np.zeros(levels[level].cells, np.float32)
    prob[row, col] = 1
    boxes, _, _ = candidates_from_pnet(prob, np.zeros((4,) + prob.shape, np.float32),
                                       levels[level].scale, 0.5)
    np.testing.assert_array_equal(cell.box, boxes[0])
    assert cell.window == (2 * col, 2 * row, 2 * col + 11, 2 * row + 11)
    assert cell.level.shape[:2] == levels[level].level_shape
    # Inside the level, but for the last cell of a map that max-pool rounded up (01_layers):
    # its window reaches one pixel past the edge (here level 3's last column, level 7's row).
    assert cell.window[2] <= cell.level.shape[1] and cell.window[3] <= cell.level.shape[0]


def test_cell_probability_is_the_traced_one(detector):
    trace = detector.detect(PHOTO, trace=True).trace
    cell = E.cell_window(PHOTO, detector, 1, 12, 30)
    np.testing.assert_allclose(cell.prob, trace["pnet/scale_01/prob1"][0, 1, 12, 30], atol=1e-6)


def test_cell_window_out_of_range(detector):
    levels = E.pyramid_levels(PHOTO, detector)
    rows, cols = levels[2].cells
    with pytest.raises(ValueError, match="level must be in 0 … 7"):
        E.cell_window(PHOTO, detector, len(levels), 0, 0)
    with pytest.raises(ValueError, match=f"row must be in 0 … {rows - 1}"):
        E.cell_window(PHOTO, detector, 2, rows, 0)
    with pytest.raises(ValueError, match="col"):
        E.cell_window(PHOTO, detector, 2, 0, -1)
    with pytest.raises(TypeError, match="row must be an int"):
        E.cell_window(PHOTO, detector, 2, 1.5, 0)
    with pytest.raises(ValueError, match="too small"):
        E.cell_window(PHOTO[:10, :10], detector, 0, 0, 0)


def test_draw_cell(detector):
    fig, axes = plt.subplots(1, 2)
    cell = E.cell_window(PHOTO, detector, 2, 5, 6)
    E.draw_cell(cell, PHOTO, axes)
    level_box, = axes[0].patches
    assert level_box.get_x() == 2 * 6 - 0.5 and level_box.get_width() == 12
    photo_box, = axes[1].patches
    assert photo_box.get_x() == cell.box[0] - 1.5


def test_photo_from_each_kind_of_source():
    path = IMAGES / "group_small.png"
    content = path.read_bytes()
    for source in (None, "", str(path), path, content,
                   {"group_small.png": {"content": content}},           # ipywidgets 7
                   ({"name": "x.png", "content": memoryview(content)},),  # ipywidgets 8
                   ()):
        np.testing.assert_array_equal(E.photo_from(source, default=path), PHOTO)
    with pytest.raises(ValueError, match="no photo"):
        E.photo_from(None)
    with pytest.raises(TypeError, match="path, file bytes"):
        E.photo_from(3, default=path)
    with pytest.raises(ValueError):
        E.photo_from(io.BytesIO(b"not an image").read(), default=path)


def test_widgets_redraw_when_a_slider_moves(detector):
    pytest.importorskip("ipywidgets")
    explorer = E.explorer(PHOTO, detector)
    faces_ax = explorer.figure.axes[0]
    assert faces_ax.get_title().startswith("7 faces")
    explorer.controls["min_face_size"].value = 80       # observe → explore → draw
    assert faces_ax.get_title().startswith(f"{faces(detector, min_face_size=80)} faces")
    cells = E.cell_explorer(PHOTO, detector)
    cells.controls["level"].value = 7                    # the row/col ranges follow the level
    assert cells.controls["row"].max == E.pyramid_levels(PHOTO, detector)[7].cells[0] - 1
    assert "scale 0.054" in cells.figure.axes[0].get_title()


def test_your_own_photo_rebuilds_the_sliders(detector):
    pytest.importorskip("ipywidgets")
    mine = E.photo_explorer(IMAGES / "group_small.png", detector)
    assert mine.controls["sliders"].figure.axes[0].images[0].get_array().shape == PHOTO.shape
    mine.controls["path"].value = str(IMAGES / "astronaut_small.png")   # typed, then Enter
    shown = mine.controls["sliders"].figure.axes[0]
    assert shown.images[0].get_array().shape == (200, 200, 3)
    assert shown.get_title().startswith("1 faces")


def test_without_ipywidgets_the_error_names_the_extra():
    printed = message_without("ipywidgets", "import numpy, mtcnn_np.explore as E",
                              "E.explorer(numpy.zeros((50, 50, 3), numpy.uint8))")
    assert "ImportError" in printed and "mtcnn_np[notebooks]" in printed
