"""Box geometry: regression, squaring, candidates from P-Net maps, padded crops."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mtcnn_np.boxes import fix, regress, square
from mtcnn_np.candidates import candidates_from_pnet
from mtcnn_np.crops import crop_and_resize, padded_crops


def test_regress_by_hand():
    boxes = np.array([[10.0, 20.0, 19.0, 39.0]])          # 10 wide, 20 tall (inclusive)
    offsets = np.array([[0.1, -0.1, 0.2, 0.5]], np.float32)
    np.testing.assert_allclose(regress(boxes, offsets), [[11, 18, 21, 49]], atol=1e-6)
    # P-Net's step uses x2 − x1 (9 and 19) instead
    np.testing.assert_allclose(regress(boxes, offsets, inclusive=False),
                               [[10.9, 18.1, 20.8, 48.5]], atol=1e-6)


def test_square_by_hand_and_fix_toward_zero():
    sq = square(np.array([[0.0, 0.0, 10.0, 4.0]]))
    np.testing.assert_allclose(sq, [[0, -3, 10, 7]])
    assert fix(np.array([-3.7, 3.7, -0.2])).tolist() == [-3.0, 3.0, -0.0]


finite = st.floats(-500, 500, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(finite, finite, st.floats(0, 300), st.floats(0, 300)), min_size=1,
                max_size=20))
def test_square_keeps_centre_and_zero_offsets_are_identity(items):
    boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in items])
    sq = square(boxes)
    np.testing.assert_allclose((sq[:, 0] + sq[:, 2]) / 2, (boxes[:, 0] + boxes[:, 2]) / 2,
                               atol=1e-9)
    np.testing.assert_allclose((sq[:, 1] + sq[:, 3]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2,
                               atol=1e-9)
    np.testing.assert_allclose(sq[:, 2] - sq[:, 0], sq[:, 3] - sq[:, 1], atol=1e-9)
    for inclusive in (True, False):
        np.testing.assert_array_equal(regress(boxes, np.zeros((len(boxes), 4)), inclusive), boxes)


def test_candidates_map_cells_to_windows():
    prob = np.zeros((3, 4), np.float32)
    prob[1, 2] = 0.9          # row 1, column 2 → window at (4, 2) of the level
    prob[2, 0] = 0.6          # exactly the threshold: kept (≥)
    prob[0, 3] = 0.59
    offsets = np.arange(4 * 3 * 4, dtype=np.float32).reshape(4, 3, 4)
    boxes, scores, cell_offsets = candidates_from_pnet(prob, offsets, 0.5, 0.6)
    # column-major order: column 0 first
    np.testing.assert_array_equal(boxes, [[2, 10, 24, 32], [10, 6, 32, 28]])  # fix((2j+1)/s)...
    np.testing.assert_array_equal(scores, np.array([0.6, 0.9], np.float32))
    np.testing.assert_array_equal(cell_offsets, offsets[:, [2, 1], [0, 2]].T)


def test_single_cell_bug_reproduction_takes_mirrored_column():
    prob = np.zeros((2, 5), np.float32)
    prob[1, 1] = 0.9
    offsets = np.random.default_rng(0).standard_normal((4, 2, 5)).astype(np.float32)
    _, _, fixed = candidates_from_pnet(prob, offsets, 1.0, 0.6)
    _, _, buggy = candidates_from_pnet(prob, offsets, 1.0, 0.6, reproduce_single_cell_bug=True)
    np.testing.assert_array_equal(fixed[0], offsets[:, 1, 1])
    np.testing.assert_array_equal(buggy[0], offsets[:, 1, 5 - 1 - 1])


def test_padded_crop_zero_fills_outside_by_hand():
    image = np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3)
    # 1-based box x 0..2, y 4..5: 0-based columns −1..1, rows 3..4 (row 4 is outside)
    crops = padded_crops(image, np.array([[0.0, 4.0, 2.0, 5.0]]), 2, 3)
    assert crops.dtype == np.float64 and crops.shape == (1, 2, 3, 3)
    expected = np.zeros((2, 3, 3))
    expected[0, 1:] = image[3, 0:2]
    np.testing.assert_array_equal(crops[0], expected)
    # a box entirely outside is all zeros
    assert not padded_crops(image, np.array([[50.0, 50.0, 52.0, 51.0]]), 2, 3).any()


def test_crop_and_resize_groups_sizes():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)
    boxes = np.array([[1, 1, 24, 24], [5, 5, 28, 28], [3, 2, 12, 11], [30, 30, 60, 60]], float)
    out = crop_and_resize(image, boxes, 24)
    assert out.shape == (4, 24, 24, 3) and out.dtype == np.float64
    np.testing.assert_array_equal(out[0], image[0:24, 0:24])   # a 24×24 crop is copied as is
    np.testing.assert_array_equal(out[1], image[4:28, 4:28])
