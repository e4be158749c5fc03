"""The reference readings beside the fast resize and crops: how far apart they are, checked.

``resize_area_reference`` (area weights as a matrix product) against ``resize_area`` (OpenCV's
INTER_AREA bytes) on every pyramid level of the bundled photos, ``crop_and_resize_reference``
(one gather + that resize) against ``crop_and_resize`` on random boxes, and both exactly where
they must be equal. The bounds asserted here are the ones stated in ``mtcnn_np/resize/
reference.py`` and ``mtcnn_np/crops/reference.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import IMAGES, read_rgb

from mtcnn_np.crops import crop_and_resize, crop_and_resize_reference, crop_sizes, padded_crops
from mtcnn_np.pyramid import compute_scales, level_size
from mtcnn_np.resize import (
    area_linear_weights,
    area_matrix,
    area_weights,
    resize_area,
    resize_area_reference,
    resize_regime,
)

PHOTOS = sorted(path.name for path in IMAGES.iterdir() if path.suffix in (".png", ".jpg"))
LEVEL_BOUND = 0.005     # pyramid levels: ≤ 1 grey level on ≤ 0.5 % of pixels (measured ≤ 0.15 %)


def dense(index: np.ndarray, weight: np.ndarray, src: int) -> np.ndarray:
    """A (dst, T) tap table as a (dst, src) float64 matrix."""
    matrix = np.zeros((len(index), src))
    np.add.at(matrix, (np.arange(len(index))[:, None], index), weight.astype(np.float64))
    return matrix


def test_area_matrix_by_hand():
    # 5 → 2: cells of 2.5 px, [0, 2.5) and [2.5, 5); 2 → 3: cells of 2/3 px.
    np.testing.assert_allclose(area_matrix(5, 2), [[0.4, 0.4, 0.2, 0, 0], [0, 0, 0.2, 0.4, 0.4]])
    np.testing.assert_allclose(area_matrix(2, 3), [[1, 0], [0.5, 0.5], [0, 1]])
    assert area_matrix(7, 7).tolist() == np.eye(7).tolist()
    stacked = area_matrix(np.array([5, 3]), 2, columns=6)       # one matrix per axis length
    assert stacked.shape == (2, 2, 6)
    assert np.array_equal(stacked[1, :, :3], area_matrix(3, 2)) and not stacked[1, :, 3:].any()


def test_area_matrix_is_opencvs_weights_before_float32():
    # Shrinking: OpenCV's table is these overlaps in float32, fragments ≤ 1e-3 px dropped.
    # Enlarging to the crop sizes (24, 48): its "area-linear" (1 − f, f) are the overlaps too.
    for src in range(1, 130):
        for dst in (1, 7, 12, 24, 48, 61):
            exact = area_matrix(src, dst)
            np.testing.assert_allclose(exact.sum(axis=1), 1, atol=1e-12)
            if dst < src:
                taps = area_weights(src, dst)
                np.testing.assert_allclose(dense(taps.index, taps.weight, src), exact,
                                           atol=1e-3 * dst / src + 1e-7)
            elif dst > src and dst in (24, 48):
                for horizontal in (True, False):
                    taps = area_linear_weights(src, dst, horizontal)
                    np.testing.assert_allclose(dense(taps.index, taps.weight, src), exact,
                                               atol=1e-7)


@pytest.fixture(scope="module", params=PHOTOS)
def photo(request):
    return read_rgb(request.param)


def test_pyramid_levels_within_one_grey_level_on_few_pixels(photo):
    height, width = photo.shape[:2]
    for scale in compute_scales(height, width, 20, 0.709):
        size = level_size(height, width, scale)
        assert resize_regime((height, width), size) == "area"
        diff = np.abs(resize_area_reference(photo, *size).astype(int) - resize_area(photo, *size))
        assert diff.max() <= 1, (scale, size)
        assert np.count_nonzero(diff) <= LEVEL_BOUND * diff.size, (scale, size)


def test_factor_two_is_the_same_mean_rounded_half_up(photo):
    # An exact 2× shrink is OpenCV's block average: the same mean (a multiple of 1/4, exact in
    # float64), which its 2×2 uint8 code rounds half *up*; np.rint rounds halves to even.
    height, width = (side // 2 for side in photo.shape[:2])
    even = photo[:2 * height, :2 * width]
    mean = resize_area_reference(even.astype(np.float64), height, width)
    assert np.array_equal(resize_area(even.astype(np.float64), height, width), mean)
    fast = resize_area(even, height, width)
    assert np.array_equal(fast, np.floor(mean + 0.5))
    differs = resize_area_reference(even, height, width) != fast
    assert differs.any() and (mean[differs] % 1 == 0.5).all()      # only at halves


# --------------------------------------------------------------------------------------------
# Crops: one loop-free gather + the weight-matrix resize, against crop_and_resize
# --------------------------------------------------------------------------------------------

CROP_BOUND = 1e-4       # grey levels, both sides shrinking or both enlarging (measured ≤ 3e-5)


def detector_like_boxes(image: np.ndarray, count: int, seed: int, largest: int) -> np.ndarray:
    """Random square boxes whose sides differ by at most one pixel (as the detector's, after
    rounding), sides 4 … ``largest``, anywhere from across the top-left border to past the
    bottom-right one."""
    rng = np.random.default_rng(seed)
    img_h, img_w = image.shape[:2]
    side = np.round(np.exp(rng.uniform(np.log(4), np.log(largest), count)))
    width = side + rng.integers(-1, 2, count)
    x1, y1 = rng.integers(-30, img_w, count), rng.integers(-30, img_h, count)
    return np.stack([x1, y1, x1 + width - 1, y1 + side - 1], axis=1).astype(np.float64)


@pytest.mark.parametrize("size", [24, 48])
@pytest.mark.parametrize("name,count,largest", [
    ("group_small.png", 40, 400),                   # boxes up to larger than the image
    ("astronaut.jpg", 80, 160),
    ("coffee.jpg", 80, 160),
])
def test_crops_within_the_bound(name, count, largest, size):
    image = read_rgb(name)
    boxes = detector_like_boxes(image, count, size, largest)
    heights, widths = crop_sizes(boxes)
    assert not (((heights - size) * (widths - size)) < 0).any()   # never one side each way
    reference = crop_and_resize_reference(image, boxes, size)
    fast = crop_and_resize(image, boxes, size)
    assert reference.shape == fast.shape == (len(boxes), size, size, 3)
    assert reference.dtype == fast.dtype == np.float64
    assert np.abs(reference - fast).max() <= CROP_BOUND


def test_crops_exact_for_copies_and_halves():
    # Size 24 from 24 (a copy) and from 48 (a 2×2 mean, weights 1/2: exact in float64, and
    # OpenCV's sum · float32(1/4) is exact too), inside the image and across its borders.
    image = read_rgb("group_small.png")
    boxes = np.array([[x, y, x + side - 1, y + side - 1] for side in (24, 48)
                      for x, y in ((-10, -10), (100, 50), (300, 220))], dtype=np.float64)
    assert np.array_equal(crop_and_resize_reference(image, boxes, 24),
                          crop_and_resize(image, boxes, 24))


def test_crop_reference_is_padded_crops_then_the_reference_resize():
    # The gather: the same zero-padded pixels as padded_crops, one crop at a time.
    image = read_rgb("group_small.png")
    boxes = detector_like_boxes(image, 12, 0, 100)
    together = crop_and_resize_reference(image, boxes, 24)
    for box, h, w, crop in zip(boxes, *crop_sizes(boxes), together):
        alone = resize_area_reference(padded_crops(image, box[None], int(h), int(w)), 24, 24)
        np.testing.assert_allclose(crop, alone[0], rtol=0, atol=1e-9)
