"""The matplotlib helpers: they draw what they say, where they say (Agg backend, no display)."""

from __future__ import annotations

import subprocess
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from mtcnn_np import Detections  # noqa: E402
from mtcnn_np import plotting as P  # noqa: E402
from mtcnn_np.candidates import candidates_from_pnet  # noqa: E402
from mtcnn_np.layers import im2col  # noqa: E402
from mtcnn_np.pyramid import normalize, to_nchw  # noqa: E402

rng = np.random.default_rng(7)
IMAGE = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def rectangle_corners(patch) -> list:
    x, y = patch.get_xy()
    return [x, y, x + patch.get_width(), y + patch.get_height()]


def message_without(module: str, imports: str, code: str) -> str:
    """In a fresh interpreter where ``module`` cannot be imported, run ``imports`` (which must
    not fail), then ``code``; return what ``code``'s ImportError says ("" if none)."""
    script = (f"import sys; sys.modules[{module!r}] = None\n{imports}\n"
              f"try:\n    {code}\nexcept ImportError as e:\n    print('ImportError', e)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_package_imports_without_matplotlib():
    # plotting imports matplotlib lazily: the package (and plotting itself) import without it,
    # and a drawing function then says what is missing.
    printed = message_without("matplotlib", "import numpy, mtcnn_np, mtcnn_np.plotting as P",
                              "P.show_image(P.as_pixels(numpy.zeros((3, 4, 4))))")
    assert "ImportError" in printed and "matplotlib" in printed


def test_as_pixels_inverts_the_input_scaling():
    x = to_nchw(normalize(IMAGE))                                # (1, 3, 40, 60) float32
    np.testing.assert_array_equal(P.as_pixels(x)[0], IMAGE)
    np.testing.assert_array_equal(P.as_pixels(x[0]), IMAGE)
    assert P.as_pixels(np.full((3, 2, 2), 5.0)).max() == 255       # clipped, not wrapped


def test_show_image_and_values():
    ax = P.show_image(IMAGE, title="photo")
    assert len(ax.images) == 1 and ax.get_title() == "photo"
    np.testing.assert_array_equal(ax.images[0].get_array(), IMAGE)
    fig, ax = plt.subplots()
    values = np.array([[1.0, 2.5], [-3.0, 40.0]])
    P.show_values(ax, values, fmt="{:g}")
    assert sorted(t.get_text() for t in ax.texts) == sorted(["1", "2.5", "-3", "40"])
    with pytest.raises(ValueError, match="2-D"):
        P.show_values(ax, np.zeros(3))


def test_show_boxes_draws_each_box_at_its_corners():
    fig, ax = plt.subplots()
    boxes = np.array([[1.0, 2.0, 11.0, 22.0, 0.91], [5.5, 6.0, 7.0, 9.0, 0.5]])
    patches = P.show_boxes(ax, boxes, color=["red", "blue"])
    assert len(patches) == 2 and len(ax.patches) == 2
    for patch, box in zip(patches, boxes):
        np.testing.assert_allclose(rectangle_corners(patch), box[:4])
    assert [t.get_text().strip() for t in ax.texts] == ["0.91", "0.50"]   # scores as labels
    P.show_boxes(ax, boxes[:, :4], labels=["", "b"])                     # "" writes nothing
    assert len(ax.patches) == 4 and len(ax.texts) == 3


def test_pixel_edges():
    # 1-based inclusive pixels 1..3 are 0-based pixels 0..2, whose outer edges are -0.5 and 2.5.
    np.testing.assert_allclose(P.pixel_edges([[1, 1, 3, 4]]), [[-0.5, -0.5, 2.5, 3.5]])
    np.testing.assert_allclose(P.pixel_edges([[0, 0, 2, 3, 0.9]], one_based=False),
                               [[-0.5, -0.5, 2.5, 3.5, 0.9]])


def test_show_landmarks_one_collection_per_landmark():
    fig, ax = plt.subplots()
    points = rng.uniform(0, 40, (3, 5, 2))
    dots = P.show_landmarks(ax, points, names=True)
    assert len(dots) == 5 and len(ax.texts) == 15
    for j, dot in enumerate(dots):
        np.testing.assert_allclose(dot.get_offsets(), points[:, j])


def test_show_detections_takes_either_form():
    boxes = np.array([[10.0, 5.0, 30.0, 28.0]])
    points = np.array([[[15.0, 12.0], [25, 12], [20, 17], [16, 22], [24, 22]]])
    found = Detections(boxes, np.array([0.99], np.float32), points, points.astype(np.float32) - 1)
    for faces in (found, found.to_mtcnn()):
        fig, ax = plt.subplots()
        P.show_detections(ax, IMAGE, faces)
        assert len(ax.images) == 1 and len(ax.patches) == 1 and len(ax.collections) == 5
        np.testing.assert_allclose(rectangle_corners(ax.patches[0]), boxes[0], atol=1)
    fig, ax = plt.subplots()
    P.show_detections(ax, IMAGE, [])                                 # no face: just the image
    assert len(ax.patches) == 0


def test_heatmap_extent_puts_each_cell_over_its_window():
    # At scale 1, cell j judged level pixels 2j..2j+11, centred on 2j + 5.5; cells are 2 px apart.
    extent = P.heatmap_extent((3, 4), 1.0)                        # (left, right, bottom, top)
    assert extent == (4.5, 12.5, 10.5, 4.5)
    # At scale s, a level coordinate p is the image coordinate (p + 0.5) / s − 0.5.
    s = 0.3
    left, right, bottom, top = P.heatmap_extent((3, 4), s)
    np.testing.assert_allclose([left, right, bottom, top], [(v + 0.5) / s - 0.5 for v in extent])
    # ... and every tile lies inside the canonical box of its cell (candidates_from_pnet), drawn
    # as the whole pixels it names.
    for i, j in ((0, 0), (2, 3), (1, 2)):
        prob = np.zeros((3, 4), np.float32)
        prob[i, j] = 1
        box = candidates_from_pnet(prob, np.zeros((4, 3, 4), np.float32), s, 0.5)[0]
        x1, y1, x2, y2 = P.pixel_edges(box)[0]
        tile_x = left + np.array([j, j + 1]) * (right - left) / 4
        tile_y = top + np.array([i, i + 1]) * (bottom - top) / 3
        assert x1 <= tile_x[0] < tile_x[1] <= x2 and y1 <= tile_y[0] < tile_y[1] <= y2


def test_show_heatmap_over_keeps_the_image_frame():
    fig, ax = plt.subplots()
    prob = rng.uniform(0, 1, (5, 10)).astype(np.float32)
    heat = P.show_heatmap_over(ax, IMAGE, prob, scale=0.5)
    assert len(ax.images) == 2 and ax.images[1] is heat
    np.testing.assert_allclose(heat.get_extent(), P.heatmap_extent(prob.shape, 0.5))
    assert ax.get_xlim() == (-0.5, 59.5) and ax.get_ylim() == (39.5, -0.5)


def test_show_windows_rounds_up_for_pooling():
    fig, (a, b) = plt.subplots(1, 2)
    up = P.show_windows(a, 3, 8, kernel=3, stride=2, ceil=True)
    down = P.show_windows(b, 3, 8, kernel=3, stride=2, ceil=False)
    assert len(up) == 4 and len(down) == 3
    assert up[-1].get_linestyle() == "--" and up[0].get_linestyle() == "-"  # last one overhangs
    assert P.window_count(8, 3, 2, ceil=True) == 4 and P.window_count(8, 3, 2, ceil=False) == 3


def test_draw_im2col_shows_the_library_matrix():
    x = np.arange(20).reshape(4, 5)
    fig = P.draw_im2col(x, 2, 3, stride=1, highlight=(0, 5))
    left, right = fig.axes
    cols = im2col(x.reshape(1, 1, 4, 5).astype(np.float32), 2, 3)   # (6, 9)
    assert [t.get_text() for t in right.texts] == [f"{v:g}" for v in cols.ravel()]
    assert len(left.texts) == x.size
    assert len(left.patches) == 2 and len(right.patches) == 2
    # window 5 (row 1, column 2 of the 3-wide output grid) is outlined around input rows 1..2,
    # columns 2..4 (centre (3, 1.5)), and column 5 of the matrix on the right.
    x0, y0, x1, y1 = rectangle_corners(left.patches[1])
    np.testing.assert_allclose([(x0 + x1) / 2, (y0 + y1) / 2], [3.0, 1.5])
    assert 2.5 < x1 - x0 <= 3 and 1.5 < y1 - y0 <= 2
    x0, _, x1, _ = rectangle_corners(right.patches[1])
    assert (x0 + x1) / 2 == 5


def test_show_crops_lays_out_a_grid():
    crops = rng.uniform(0, 255, (10, 24, 24, 3))
    fig = P.show_crops(crops, titles=[str(k) for k in range(10)], ncols=4)
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 12 and len(drawn) == 10
    assert drawn[3].get_title() == "3"
    with pytest.raises(ValueError, match="pixel values"):
        P.show_crops(crops.transpose(0, 3, 1, 2))                  # NCHW: say so, don't guess


def test_show_channels_draws_every_channel_with_one_colourbar():
    maps = rng.standard_normal((10, 9, 7))
    fig = P.show_channels(maps, "conv1")
    panels = [ax for ax in fig.axes if ax.images]
    colourbars = [ax for ax in fig.axes if ax not in panels and ax.get_visible()]
    assert len(panels) == 10 and [ax.get_title() for ax in panels][9] == "conv1[9]"
    assert len(colourbars) == 1 and colourbars[0].get_ylabel() == "conv1"
    # one colour scale for all panels: the layer's min and max
    assert {ax.images[0].get_clim() for ax in panels} == {(maps.min(), maps.max())}
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        P.show_channels(maps[0])


@pytest.mark.parametrize("count, shape", [(8, (2, 4)), (7, (2, 4)), (3, (1, 3)), (9, (3, 4))])
def test_panel_grid_fits_the_number_of_panels(count, shape):
    fig, axes = P.panel_grid(count, 0.75, ncols=4)
    assert len(axes) == count and len(fig.axes) == shape[0] * shape[1]
    assert sum(ax.get_visible() for ax in fig.axes) == count
    width, height = fig.get_size_inches()
    assert height < width * 0.75 * shape[0] / shape[1] + 0.5 * shape[0]   # no empty bands


def test_show_boxes_labels_do_not_overlap():
    fig, ax = plt.subplots(figsize=(4, 3))
    P.show_image(np.zeros((60, 100, 3), np.uint8), ax)
    corners = np.array([[8, 10, 36, 40], [10, 12, 40, 45], [14, 15, 44, 48]], float)
    P.show_boxes(ax, corners[:2], labels=["2: 0.67", "0"])
    P.show_boxes(ax, corners[2:], labels=["1: 0.66"])             # a later call avoids them too
    renderer = fig.canvas.get_renderer()
    extents = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(extents) == 3
    assert not any(a.overlaps(b) for i, a in enumerate(extents) for b in extents[i + 1:])
    assert ax.texts[0].xy == (8.0, 10.0)          # the first label stays at its box's corner


def test_show_landmarks_names_are_readable():
    fig, ax = plt.subplots()
    P.show_landmarks(ax, rng.uniform(0, 40, (5, 2)), names=True)
    assert all(t.get_fontsize() >= 10 for t in ax.texts)


# -- the cascade at a glance (funnel.py and its plots) -----------------------------------------

def pnet_cells(size: int) -> int:
    """P-Net's output size along one axis, by hand: conv 3, pool 2/2 rounding up, conv 3, conv 3."""
    return -(-(size - 2) // 2) - 4


@pytest.fixture(scope="module")
def group_trace(detector):
    from conftest import read_rgb

    return detector.detect(read_rgb("group_small.png"), trace=True).trace


def test_funnel_counts_define_each_row(detector, group_trace):
    from mtcnn_np.funnel import FUNNEL_LABELS, funnel_counts
    from mtcnn_np.pyramid import compute_scales, level_size

    counts = dict(funnel_counts(group_trace, detector.steps_threshold))
    assert list(counts) == list(FUNNEL_LABELS)
    sizes = [level_size(240, 320, s) for s in compute_scales(240, 320, 20, 0.709)]
    windows = sum(pnet_cells(h) * pnet_cells(w) for h, w in sizes)
    assert counts["windows scanned"] == windows
    probs = [v[0, 1] for k, v in group_trace.items.items() if k.endswith("/prob1") and "pnet" in k]
    assert counts["P-Net ≥ t1"] == sum(int((p >= 0.6).sum()) for p in probs)
    assert counts["R-Net > t2"] == int((group_trace["rnet/prob1"][:, 1] > 0.7).sum())
    assert counts["NMS over scales"] == len(group_trace["rnet/input"])    # what R-Net saw
    assert counts["R-Net + NMS"] == len(group_trace["onet/input"])        # what O-Net saw
    assert counts["faces"] == 7
    values = list(counts.values())
    assert values == sorted(values, reverse=True) and values[0] > 10 * values[1]
    # Without the thresholds, the two score rows are left out.
    assert [label for label, _ in funnel_counts(group_trace)] == [
        label for label in FUNNEL_LABELS if label not in ("R-Net > t2", "O-Net > t3")]


def test_funnel_counts_of_an_image_without_a_pyramid(detector):
    from mtcnn_np.funnel import funnel_counts

    tiny = detector.detect(np.zeros((10, 10, 3), np.uint8), trace=True).trace
    assert all(count == 0 for _, count in funnel_counts(tiny, (0.6, 0.7, 0.7)))
    with pytest.raises(TypeError, match="trace=True"):
        funnel_counts(detector.detect(np.zeros((10, 10, 3), np.uint8)).trace)


def test_stage_times_are_medians_of_each_stage(detector):
    from mtcnn_np.funnel import STAGE_NAMES, stage_times

    times = stage_times(detector, IMAGE, repeats=2)
    assert list(times) == list(STAGE_NAMES) and all(t > 0 for t in times.values())
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="repeats"):
            stage_times(detector, IMAGE, repeats=bad)


def test_cascade_stages_come_from_the_spec():
    from mtcnn_np.funnel import cascade_stages
    from mtcnn_np.nets.spec import SPECS

    stages = {s.name: s for s in cascade_stages()}
    assert [s.input_size for s in stages.values()] == [12, 24, 48]
    for name, spec in SPECS.items():    # every trunk conv/dense layer is one line
        heads = len(stages[name].outputs)
        assert len(stages[name].layers) == sum(la.op in ("conv", "dense") for la in spec) - heads
    assert stages["rnet"].layers[-1] == "dense 576→128"
    assert stages["onet"].outputs == ("face prob (2)", "box offsets (4)", "landmarks (10)")
    assert stages["pnet"].layers[0] == "conv 3×3, 3→10, pool 2/2"


def test_plot_cascade_draws_seven_blocks_with_the_spec():
    fig, ax = plt.subplots()
    blocks = P.plot_cascade(ax)
    assert len(blocks) == 7
    lefts = [b.get_x() for b in blocks]
    assert lefts == sorted(lefts)                                   # left to right
    text = "\n".join(t.get_text() for t in ax.texts)
    for needed in ("P-Net", "input 24×24 crops", "input 48×48 crops", "dense 1152→256",
                   "landmarks (10)", "NMS"):
        assert needed in text
    assert len(ax.patches) == 7 + 6                                 # blocks and arrows


def test_plot_funnel_one_bar_per_row(group_trace):
    counts = P.funnel_counts(group_trace)
    bars = P.plot_funnel(group_trace)
    assert [b.get_width() for b in bars] == [c for _, c in counts]
    ax = bars[0].axes
    assert [t.get_text() for t in ax.get_yticklabels()] == [label for label, _ in counts]
    assert ax.get_xscale() == "log"
    zero = P.plot_funnel([("a", 5), ("b", 0)])                      # 0 still gets a (tiny) bar
    assert len(zero) == 2 and 0 < zero[1].get_width() < 1


def test_show_patch_windows_outlines_the_pixels_of_each_window():
    fig, ax = plt.subplots()
    windows = np.array([[[1, 1, 11, 11], [5, 2, 15, 12], [0, 0, 10, 10], [3, 3, 13, 13],
                         [8, 8, 18, 18]]] * 2, float)          # 1-based, 11 pixels per side
    patches = P.show_patch_windows(ax, windows)
    assert len(patches) == 10
    # Per landmark, all faces: patch 0 is face 0's left eye; pixels 1..11 span −0.5 .. 10.5.
    np.testing.assert_allclose(rectangle_corners(patches[0]), [-0.5, -0.5, 10.5, 10.5])
    assert patches[2].get_edgecolor() == patches[3].get_edgecolor()     # both right eyes


def test_show_corrections_draws_one_arrow_per_moved_point():
    fig, ax = plt.subplots()
    before = np.zeros((5, 2))
    after = before + [[1, 0], [0, 0], [0, 2], [0.5, 0.5], [0, 0]]
    arrows = P.show_corrections(ax, before, after, scale=3)
    assert len(arrows) == 3
    tip = arrows[1].get_xy().max(axis=0)                 # the nose: from (0, 0) to (0, 6)
    assert tip[1] == pytest.approx(6)
