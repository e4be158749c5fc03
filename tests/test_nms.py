"""NMS: hand cases, the canonical tie rule, and properties (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mtcnn_np.nms as nms_module
from mtcnn_np.nms import box_areas, nms, nms_reference, overlap


def test_areas_and_overlap_by_hand():
    a = np.array([0.0, 0.0, 9.0, 9.0])                  # 10×10 pixels (inclusive ends)
    others = np.array([[5.0, 0.0, 14.0, 9.0],            # half overlapping: 50 / 150
                       [0.0, 0.0, 4.0, 4.0],             # inside: 25 / 100
                       [20.0, 20.0, 29.0, 29.0]])        # apart
    assert box_areas(others).tolist() == [100, 25, 100]
    np.testing.assert_allclose(overlap(a, others, "union"), [50 / 150, 25 / 100, 0])
    np.testing.assert_allclose(overlap(a, others, "min"), [50 / 100, 25 / 25, 0])


def test_nms_keeps_best_and_drops_overlaps():
    boxes = np.array([[0, 0, 9, 9], [1, 1, 10, 10], [30, 30, 39, 39], [0, 0, 4, 4]], float)
    scores = np.array([0.9, 0.95, 0.8, 0.7])
    assert nms(boxes, scores, 0.5, "union").tolist() == [1, 2, 3]
    # 'min' also drops the small box nested inside box 1
    assert nms(boxes, scores, 0.5, "min").tolist() == [1, 2]


def test_overlap_equal_to_threshold_is_kept():
    # IoU exactly 0.5 (an integer-box tie, common in practice): kept, since only > is dropped.
    boxes = np.array([[0, 0, 9, 9], [0, 0, 9, 4], [0, 5, 9, 9]], float)  # top and bottom halves
    scores = np.array([0.9, 0.8, 0.7])
    np.testing.assert_allclose(overlap(boxes[0], boxes[1:]), [0.5, 0.5])
    assert nms(boxes, scores, 0.5).tolist() == [0, 1, 2]
    assert nms(boxes, scores, 0.49).tolist() == [0]


def test_equal_scores_later_box_wins():
    boxes = np.array([[0, 0, 9, 9], [1, 0, 10, 9]], float)
    assert nms(boxes, np.array([0.5, 0.5]), 0.3).tolist() == [1]


def test_empty_and_bad_method():
    assert nms(np.zeros((0, 4)), np.zeros(0), 0.5).shape == (0,)
    with pytest.raises(ValueError, match="method"):
        nms(np.zeros((1, 4)), np.zeros(1), 0.5, "iou")


def test_indices_past_int16():
    # The canonical port kept picks in int16, so box index 40,000 came back as −25,536.
    n = 40_001
    boxes = np.tile([0.0, 0.0, 9.0, 9.0], (n, 1))
    boxes[-2] = [50, 50, 59, 59]
    scores = np.linspace(0, 1, n)
    keep = nms(boxes, scores, 0.5)
    assert keep.dtype == np.int64 and keep.tolist() == [n - 1, n - 2]


box_strategy = st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(0, 30),
                         st.integers(0, 30)).map(lambda t: [t[0], t[1], t[0] + t[2], t[1] + t[3]])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(box_strategy, st.floats(0, 1)), min_size=0, max_size=40),
       st.floats(0.05, 0.95), st.sampled_from(["union", "min"]))
def test_nms_properties(items, threshold, method):
    boxes = np.array([b for b, _ in items], float).reshape(-1, 4)
    scores = np.array([s for _, s in items], float)
    keep = nms(boxes, scores, threshold, method)
    assert len(set(keep.tolist())) == len(keep)                  # a subset, no repeats
    assert np.all(np.diff(scores[keep]) <= 0)                    # best first
    for a in range(len(keep)):                                   # kept boxes overlap ≤ threshold
        rest = keep[a + 1:]
        if len(rest):
            assert np.all(overlap(boxes[keep[a]], boxes[rest], method) <= threshold)
    # every dropped box overlaps some kept box with a score at least its own by > threshold
    for i in set(range(len(boxes))) - set(keep.tolist()):
        better = keep[scores[keep] >= scores[i]]
        assert np.any(overlap(boxes[i], boxes[better], method) > threshold)


def plain_loop(boxes, scores, threshold, method):
    order = np.argsort(scores, kind="stable")[::-1]
    return nms_module._nms_greedy(boxes, order, threshold, method)


@pytest.mark.parametrize("seed", range(8))
def test_pairs_path_equals_the_plain_loop(seed):
    # Integer boxes on a small grid (many overlaps exactly at the threshold), float boxes,
    # equal-size grids like P-Net's candidates; scores with many exact ties.
    rng = np.random.default_rng(seed)
    for kind in range(3):
        n = int(rng.integers(1, 400))
        if kind == 0:
            corner = rng.integers(0, 60, (n, 2)).astype(float)
            boxes = np.hstack([corner, corner + rng.integers(0, 25, (n, 2))])
        elif kind == 1:
            corner = rng.uniform(-50, 500, (n, 2))
            boxes = np.hstack([corner, corner + rng.uniform(0.1, 120, (n, 2))])
        else:
            corner = rng.integers(0, 40, (n, 2)).astype(float) * 2
            boxes = np.hstack([corner, corner + 11])
        scores = rng.integers(0, 5, n) / 4 if seed % 2 else rng.random(n).astype(np.float32)
        for method in ("union", "min"):
            for threshold in (0.0, 0.3, 0.5, 0.7, 1.0):
                np.testing.assert_array_equal(nms(boxes, scores, threshold, method),
                                              plain_loop(boxes, scores, threshold, method))


def test_pairs_path_is_taken_for_proper_boxes(monkeypatch):
    def no_loop(*args):
        raise AssertionError("plain loop used")
    monkeypatch.setattr(nms_module, "_nms_greedy", no_loop)
    boxes = np.array([[0, 0, 9, 9], [1, 1, 10, 10], [30, 30, 39, 39], [60, 0, 69, 9],
                      [61, 0, 70, 9]], float)
    assert nms(boxes, np.array([0.9, 0.95, 0.8, 0.7, 0.6]), 0.5).tolist() == [1, 2, 3]


def test_a_few_boxes_take_the_plain_loop(monkeypatch):
    calls = []
    original = nms_module._nms_greedy
    monkeypatch.setattr(nms_module, "_nms_greedy", lambda *a: calls.append(1) or original(*a))
    boxes = np.array([[0, 0, 9, 9], [1, 1, 10, 10], [30, 30, 39, 39]], float)
    assert nms(boxes, np.array([0.9, 0.95, 0.8]), 0.5).tolist() == [1, 2]
    assert calls


@pytest.mark.parametrize("bad", ["nan", "inverted", "empty", "negative_threshold"])
def test_improper_boxes_take_the_plain_loop(bad):
    # NaN coordinates and empty or inverted boxes can give NaN overlaps, which drop a box even
    # far away; a negative threshold drops non-overlapping boxes: the pair shortcut would not.
    boxes = np.array([[0, 0, 9, 9], [1, 1, 10, 10], [30, 30, 39, 39], [50, 50, 59, 59]], float)
    scores, threshold = np.array([0.9, 0.95, 0.8, 0.7]), 0.5
    if bad == "nan":
        boxes[2, 0] = np.nan
    elif bad == "inverted":
        boxes[2] = [39, 39, 30, 30]
    elif bad == "empty":
        boxes[2] = [30, 30, 28, 39]                        # −1 pixels wide (inclusive ends)
    else:
        threshold = -0.1
    np.testing.assert_array_equal(nms(boxes, scores, threshold),
                                  plain_loop(boxes, scores, threshold, "union"))


def test_piles_of_boxes_fall_back_to_the_plain_loop(monkeypatch):
    boxes = np.tile([0.0, 0.0, 9.0, 9.0], (3000, 1))
    boxes[::7] += 3
    scores = np.linspace(0, 1, len(boxes))
    calls = []
    original = nms_module._nms_greedy
    monkeypatch.setattr(nms_module, "_nms_greedy", lambda *a: calls.append(1) or original(*a))
    kept = nms(boxes, scores, 0.5)
    assert calls                                            # 4.5 M pairs: the loop was faster
    np.testing.assert_array_equal(kept, plain_loop(boxes, scores, 0.5, "union"))


@pytest.mark.parametrize("method", ["union", "min"])
@pytest.mark.parametrize("seed", range(5))
def test_fast_nms_keeps_exactly_what_the_textbook_loop_keeps(seed, method):
    rng = np.random.default_rng(seed)
    corners = rng.uniform(0, 200, (300, 2))
    boxes = np.hstack([corners, corners + rng.uniform(5, 60, (300, 2))])
    scores = rng.integers(0, 50, 300).astype(np.float64)      # ties too
    for threshold in (0.3, 0.5, 0.7):
        np.testing.assert_array_equal(nms(boxes, scores, threshold, method),
                                      nms_reference(boxes, scores, threshold, method))
