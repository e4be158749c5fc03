"""The row pass from run sums (``crops.row_spans``): the same bits as the canonical resize.

``crop_and_resize`` resizes crops much wider than the output from exact integer run sums
instead of a matrix product. Here every crop is sent down that path (``SUMS_FROM = 1``) or
down the matrix path, and each must equal ``resize_area(padded_crops(...))`` bit for bit:
crops inside the image, across each border and corner, wider and taller than the image, in
each regime that has runs ('area', 'block', 'copy'), alone or many to a batch, whole or in
bands of rows.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import read_rgb

import mtcnn_np.crops.batches as crops
from mtcnn_np.crops import crop_and_resize, crop_sizes, padded_crops, row_matrix, row_spans
from mtcnn_np.resize import resize_area, resize_regime


@pytest.fixture(scope="module")
def photo():
    return read_rgb("group_small.png")


def canonical(image: np.ndarray, boxes: np.ndarray, size: int) -> np.ndarray:
    """Crop by crop: cut into float64 with zero padding, then the OpenCV-exact resize."""
    heights, widths = crop_sizes(boxes)
    return np.stack([resize_area(padded_crops(image, box[None], int(h), int(w)), size, size)[0]
                     for box, h, w in zip(boxes, heights, widths)])


def boxes_at(image: np.ndarray, sizes: list) -> np.ndarray:
    """Boxes of each (height, width) in ``sizes`` at nine places: inside the image, across each
    border and each corner (1-based fixed boxes)."""
    img_h, img_w = image.shape[:2]
    boxes = []
    for h, w in sizes:
        for y1 in (-h // 3, (img_h - h) // 2 + 1, img_h - 2 * h // 3):
            for x1 in (-w // 3, (img_w - w) // 2 + 1, img_w - 2 * w // 3):
                boxes.append([x1, y1, x1 + w - 1, y1 + h - 1])
    return np.array(boxes, dtype=np.float64)


def bits(x: np.ndarray) -> np.ndarray:
    return x.view(np.uint64)                  # compares the sign of zeros too


# (height, width) per regime, for size 24; wide ones, since those take run sums.
SIZES = {
    "area": [(100, 97), (130, 311), (241, 240), (97, 500)],
    "block": [(48, 96), (72, 72), (96, 240), (24, 480)],
    "copy": [(24, 24)],
}


@pytest.mark.parametrize("regime", sorted(SIZES))
@pytest.mark.parametrize("batch_values", [None, 2000])
def test_run_sums_equal_the_canonical_resize(photo, monkeypatch, regime, batch_values):
    monkeypatch.setattr(crops, "SUMS_FROM", 1)                 # every shrinking crop: sums
    if batch_values:             # bands of a few rows, and lone crops next to shared batches
        monkeypatch.setattr(crops, "BATCH_VALUES", batch_values)
    assert {resize_regime(hw, (24, 24)) for hw in SIZES[regime]} == {regime}
    boxes = boxes_at(photo, SIZES[regime])
    ours = crop_and_resize(photo, boxes, 24)
    np.testing.assert_array_equal(bits(ours), bits(canonical(photo, boxes, 24)))


@pytest.mark.parametrize("size", [24, 48])
def test_crops_wider_and_taller_than_the_image(monkeypatch, size):
    monkeypatch.setattr(crops, "SUMS_FROM", 1)
    rng = np.random.default_rng(size)
    image = rng.integers(0, 256, (70, 90, 3), dtype=np.uint8)
    boxes = np.array([[-20, -10, 130, 95],        # wider and taller than the image
                      [1, 1, 91, 70],             # one column wider, flush left
                      [0, 5, 90, 60],             # one column out on each side
                      [-300, 20, 400, 40 + size],  # far wider, a strip of rows
                      [10, -50, 10 + 2 * size - 1, 200],   # taller than the image
                      [5, 3, 5 + 4 * size - 1, 3 + 2 * size - 1]], dtype=np.float64)
    ours = crop_and_resize(image, boxes, size)
    np.testing.assert_array_equal(bits(ours), bits(canonical(image, boxes, size)))


@pytest.mark.parametrize("size", [24, 48])
def test_run_sums_and_matrix_products_give_the_same_bits(photo, monkeypatch, size):
    rng = np.random.default_rng(size)
    img_h, img_w = photo.shape[:2]
    sides = rng.integers(1, 2 * max(img_h, img_w), 300)
    heights = np.maximum(sides + rng.integers(-3, 4, 300), 1)
    x1 = rng.integers(-sides // 2, img_w - sides // 2 + 1) + 1
    y1 = rng.integers(-heights // 2, img_h - heights // 2 + 1) + 1
    boxes = np.stack([x1, y1, x1 + sides - 1, y1 + heights - 1], axis=1).astype(np.float64)
    results = []
    for sums_from in (1, 4, np.inf):
        monkeypatch.setattr(crops, "SUMS_FROM", sums_from)
        results.append(bits(crop_and_resize(photo, boxes, size)))
    np.testing.assert_array_equal(results[0], results[2])
    np.testing.assert_array_equal(results[1], results[2])


@pytest.mark.parametrize("width,size", [(w, 24) for w in (24, 25, 47, 48, 49, 71, 72, 100, 239,
                                                             240, 241, 1000, 4801, 24000)]
                         + [(w, 48) for w in (48, 49, 95, 96, 97, 143, 144, 1000, 48000)])
def test_row_spans_hold_the_terms_of_row_matrix(width, size):
    regime = resize_regime((width, width), (size, size))
    spans = row_spans(width, size, regime)
    start, stop = spans.ends[1], spans.ends[2]
    matrix = np.zeros((width, size))
    for d in range(size):
        if spans.weight[0, d]:
            matrix[start[d] - 1, d] = spans.weight[0, d]
        matrix[start[d]:stop[d], d] = spans.weight[1, d]
        if spans.weight[2, d]:
            matrix[stop[d], d] = spans.weight[2, d]
    np.testing.assert_array_equal(matrix, row_matrix(width, size, regime))


def test_row_spans_refuse_interpolation():
    with pytest.raises(ValueError, match="linear"):
        row_spans(20, 24, "linear")
