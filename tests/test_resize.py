"""Area resampling: bit-exact against stored OpenCV INTER_AREA outputs, plus hand-checked cases.

``reference/resize_cv2.npz`` holds inputs and ``cv2.resize(..., INTER_AREA)`` outputs made by
``tools/make_resize_reference.py`` (see ``reference/README_resize.md``); OpenCV is not needed here.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REFERENCE

import mtcnn_np.resize.sums as sums_module
from mtcnn_np.resize import area_linear_weights, area_weights, resize_area, resize_regime

with np.load(REFERENCE / "resize_cv2.npz") as _npz:
    STORED = {key: _npz[key] for key in _npz.files}
CASES = [str(name) for name in STORED["meta.cases"]]


# --------------------------------------------------------------------------------------------
# Against OpenCV
# --------------------------------------------------------------------------------------------

def test_reference_file_records_its_producer():
    assert str(STORED["meta.cv2_version"]).startswith("5.")
    assert len(CASES) >= 40
    regimes = {resize_regime(STORED[f"{n}.input"].shape[-3:-1], STORED[f"{n}.output"].shape[-3:-1])
               for n in CASES}
    assert regimes == {"copy", "block", "area", "linear"}


@pytest.fixture(params=["taps", "sums"])
def uint8_area_path(request, monkeypatch):
    """Run a test twice: uint8 area shrinking tap by tap everywhere, and from exact area sums
    wherever it is possible (from factor 1 instead of the speed threshold)."""
    threshold = np.inf if request.param == "taps" else 1.0
    monkeypatch.setattr(sums_module, "_SUMS_MIN_SHRINK", threshold)
    return request.param


@pytest.mark.parametrize("name", CASES)
def test_matches_opencv_exactly(name, uint8_area_path):
    image, expected = STORED[f"{name}.input"], STORED[f"{name}.output"]
    out_h, out_w = expected.shape[-3:-1]
    result = resize_area(image, out_h, out_w)
    assert result.dtype == expected.dtype and result.shape == expected.shape
    assert np.array_equal(result, expected, equal_nan=expected.dtype.kind == "f")


def true_area_average(image: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """The real-number weighted average with OpenCV's float32 weights (dense, float64)."""
    matrices = []
    for src, dst in ((image.shape[0], out_h), (image.shape[1], out_w)):
        taps = area_weights(src, dst)
        matrix = np.zeros((dst, src))
        np.add.at(matrix, (np.arange(dst)[:, None], taps.index), taps.weight.astype(np.float64))
        matrices.append(matrix)
    return np.einsum("yi,ijc,xj->yxc", matrices[0], image.astype(np.float64), matrices[1])


def test_float32_rounding_decides_some_bytes_and_the_sums_path_replays_it(monkeypatch):
    # Rounding the true average is not enough: on these stored pyramid levels OpenCV's float32
    # sums land on the other side of a half on a few pixels. The sums path finds them (and
    # only a few) and recomputes them OpenCV's way.
    monkeypatch.setattr(sums_module, "_SUMS_MIN_SHRINK", 1.0)
    replayed = []
    original = sums_module._replay

    def counting(*args):
        result = original(*args)
        replayed.append(len(result))
        return result
    monkeypatch.setattr(sums_module, "_replay", counting)
    differing = 0
    for name in ("u8_pyramid_150x200_s0.302", "u8_pyramid_large_240x320_s0.2138"):
        image, expected = STORED[f"{name}.input"], STORED[f"{name}.output"]
        naive = np.clip(np.rint(true_area_average(image, *expected.shape[:2])), 0, 255)
        differing += np.count_nonzero(naive != expected)
        assert np.array_equal(resize_area(image, *expected.shape[:2]), expected)
    assert differing > 0
    assert 0 < sum(replayed) < 0.01 * (46 * 61 + 52 * 69) * 3


@pytest.mark.parametrize("seed", range(6))
def test_sums_path_equals_taps_path_on_pyramid_levels(seed, monkeypatch):
    # Random sizes, textures that favour rounding ties, shrink factors from 1.1 to 60.
    rng = np.random.default_rng(seed)
    h, w = (int(v) for v in rng.integers(40, 400, 2))
    image = rng.choice(np.array([0, 1, 2, 127, 128, 254, 255], np.uint8), (h, w, 3))
    image[: h // 2] = rng.integers(0, 256, (h // 2, w, 3), dtype=np.uint8)
    for factor in (1.1, 1.7, 3.3, 4.7, 9.3, 26.0, 60.0):
        out_h, out_w = max(1, int(h / factor)), max(1, int(w / factor))
        results = []
        for threshold in (np.inf, 1.0):
            monkeypatch.setattr(sums_module, "_SUMS_MIN_SHRINK", threshold)
            results.append(resize_area(image, out_h, out_w))
        assert np.array_equal(*results), (h, w, out_h, out_w)


@pytest.mark.parametrize("shape,out_hw", [((1400, 300, 3), (4, 100)),    # runs of 350 rows:
                                           ((1400, 900, 1), (3, 5)),      # int64 run sums
                                           ((2, 97, 131, 4), (20, 30)),   # a batch, 4 channels
                                           ((97, 131, 2), (1, 17))])
def test_sums_path_equals_taps_path_on_odd_shapes(shape, out_hw, monkeypatch):
    image = np.random.default_rng(len(shape)).integers(0, 256, shape, dtype=np.uint8)
    image[..., :1] = 255                                   # saturated runs too
    results = []
    for threshold in (np.inf, 1.0):
        monkeypatch.setattr(sums_module, "_SUMS_MIN_SHRINK", threshold)
        results.append(resize_area(image, *out_hw))
    assert np.array_equal(*results)


def test_stored_crop_batches_match_image_by_image():
    for name in (n for n in CASES if n.startswith("f64_crops")):
        batch, expected = STORED[f"{name}.input"], STORED[f"{name}.output"]
        out_h, out_w = expected.shape[1:3]
        for image, want in zip(batch, expected):
            assert np.array_equal(resize_area(image, out_h, out_w), want)


# --------------------------------------------------------------------------------------------
# By hand
# --------------------------------------------------------------------------------------------

def test_2x2_block_average_rounds_half_up():
    # Four 2×2 blocks with sums 10, 2, 6, 1019: means 2.5, 0.5, 1.5, 254.75. OpenCV's 2×2 uint8
    # code computes (sum + 2) >> 2, i.e. rounds halves *up* (2.5 → 3, 0.5 → 1), not to even.
    image = np.array([[1, 2, 0, 0],
                      [3, 4, 0, 2],
                      [1, 1, 255, 255],
                      [1, 3, 255, 254]], dtype=np.uint8)
    for channels in (1, 3):
        result = resize_area(np.repeat(image[:, :, None], channels, axis=2), 2, 2)
        assert result.dtype == np.uint8
        assert (result == np.array([[3, 1], [2, 255]])[:, :, None]).all()


def test_2x2_block_average_of_two_channels_rounds_half_to_even():
    # OpenCV has no dedicated 2×2 code for 2 channels: rint(sum · 0.25), halves to even.
    image = np.zeros((4, 4, 2), dtype=np.uint8)
    image[:2, :2, 0] = [[1, 2], [3, 4]]        # 2.5 → 2
    image[:2, 2:, 0] = [[0, 0], [0, 2]]        # 0.5 → 0
    image[2:, :2, 0] = [[1, 1], [1, 3]]        # 1.5 → 2
    assert resize_area(image, 2, 2)[:, :, 0].tolist() == [[2, 0], [2, 0]]


def test_3x3_and_1x3_blocks_round_half_to_even():
    assert resize_area(np.array([[[10], [20], [40]]], np.uint8), 1, 1).item() == 23   # 23.33
    # float: sum · float32(1/3), so the result is not exactly 70 / 3
    value = resize_area(np.array([[[10.0], [20.0], [40.0]]]), 1, 1).item()
    assert value == 70 * float(np.float32(1) / np.float32(3)) != 70 / 3


def test_float_2x2_block_average():
    image = np.arange(16, dtype=np.float64).reshape(4, 4, 1)
    assert resize_area(image, 2, 2)[:, :, 0].tolist() == [[2.5, 4.5], [10.5, 12.5]]


def test_enlarging_by_an_integer_factor_replicates_pixels():
    for dtype in (np.uint8, np.float32, np.float64):
        image = np.array([[1, 2], [3, 4]], dtype=dtype)[:, :, None]
        expected = np.repeat(np.repeat(image, 2, axis=0), 2, axis=1)
        assert np.array_equal(resize_area(image, 4, 4), expected)


def test_area_weights_by_hand():
    # 3 → 2 pixels: destination 0 covers pixel 0 and half of pixel 1, over a cell of 1.5 px.
    taps = area_weights(3, 2)
    assert taps.index.tolist() == [[0, 1], [1, 2]]
    assert taps.count.tolist() == [2, 2]
    assert taps.weight.dtype == np.float32
    np.testing.assert_array_equal(taps.weight, np.float32([[2 / 3, 1 / 3], [1 / 3, 2 / 3]]))
    # 5 → 2: 2.5 px each, so destination 0 has 3 taps and destination 1 has 3 as well
    taps = area_weights(5, 2)
    assert taps.index.tolist() == [[0, 1, 2], [2, 3, 4]]
    np.testing.assert_array_equal(taps.weight, np.float32([[0.4, 0.4, 0.2], [0.2, 0.4, 0.4]]))


def test_area_linear_weights_by_hand():
    # 2 → 4 columns: copies, and the last pixel is a single tap with weight 1.
    taps = area_linear_weights(2, 4, True)
    assert taps.index.tolist() == [[0, 1], [0, 1], [1, 1], [1, 1]]
    assert taps.weight.tolist() == [[1, 0], [1, 0], [1, 0], [1, 0]]
    assert taps.n_interp == 2
    # 2 → 3: destination 1 straddles the border: f = 2 − 1·1.5 = 0.5
    taps = area_linear_weights(2, 3, False)
    assert taps.weight.tolist() == [[1, 0], [0.5, 0.5], [1, 0]]


def test_regimes():
    assert resize_regime((24, 24), (24, 24)) == "copy"
    assert resize_regime((48, 72), (24, 24)) == "block"
    assert resize_regime((30, 30), (24, 24)) == "area"
    assert resize_regime((24, 25), (24, 24)) == "area"
    assert resize_regime((23, 24), (24, 24)) == "linear"      # one enlarging axis is enough
    assert resize_regime((98, 49), (2, 1)) == "area"          # 1 / (1/49) != 49 in float64


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

SIZES = [(24, 24), (12, 17), (1, 1), (1, 9), (7, 1), (30, 30), (50, 21)]


@pytest.mark.parametrize("out_hw", SIZES)
def test_constant_image_stays_constant(out_hw):
    image = np.full((30, 31, 3), 200, dtype=np.uint8)
    assert (resize_area(image, *out_hw) == 200).all()
    # float weights are float32 and need not sum to exactly 1: constant to float32 precision
    result = resize_area(image.astype(np.float64) + 0.25, *out_hw)
    np.testing.assert_allclose(result, 200.25, rtol=1e-6)


@pytest.mark.parametrize("shape", [(5, 7), (6, 6), (40, 3)])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_one_pixel_output_is_the_mean(shape, dtype):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, shape + (2,)).astype(dtype)
    result = resize_area(image, 1, 1)
    assert result.shape == (1, 1, 2)
    np.testing.assert_allclose(result[0, 0], image.mean(axis=(0, 1)), atol=0.51 if dtype ==
                               np.uint8 else 1e-3)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_shape_and_dtype_are_kept(dtype, channels):
    image = np.zeros((19, 23, channels), dtype=dtype)
    for out_hw in [(10, 12), (19, 23), (38, 46), (5, 23)]:
        result = resize_area(image, *out_hw)
        assert result.shape == out_hw + (channels,) and result.dtype == dtype
    assert resize_area(image[None].repeat(2, axis=0), 7, 8).shape == (2, 7, 8, channels)


@pytest.mark.parametrize("out_hw", [(24, 24), (48, 48), (10, 31), (9, 12)])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_batch_equals_image_by_image(out_hw, dtype):
    rng = np.random.default_rng(1)
    batch = rng.integers(0, 256, (5, 27, 36, 3)).astype(dtype)       # A, B and C sizes
    result = resize_area(batch, *out_hw)
    for image, row in zip(batch, result):
        assert np.array_equal(resize_area(image, *out_hw), row)


def test_views_and_large_images_are_handled():
    rng = np.random.default_rng(2)
    big = rng.integers(0, 256, (300, 500, 3), dtype=np.uint8)     # more than one band of rows
    view = big[::-1, 10:410]                                       # not contiguous
    assert np.array_equal(resize_area(view, 213, 284), resize_area(view.copy(), 213, 284))


def test_input_is_not_modified():
    image = np.arange(60, dtype=np.float64).reshape(4, 5, 3)
    before = image.copy()
    resize_area(image, 2, 3)
    resize_area(image, 9, 9)
    assert np.array_equal(image, before)


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("out_hw", [(0, 5), (5, 0), (-1, 3)])
def test_output_size_below_one_is_refused(out_hw):
    with pytest.raises(ValueError, match="at least 1"):
        resize_area(np.zeros((4, 4, 3), np.uint8), *out_hw)


def test_non_integer_size_is_refused():
    with pytest.raises(ValueError, match="integers"):
        resize_area(np.zeros((4, 4, 3), np.uint8), 2.5, 2)


@pytest.mark.parametrize("shape", [(0, 4, 3), (4, 0, 3), (4, 4, 0), (0, 4, 4, 3)])
def test_empty_image_is_refused(shape):
    with pytest.raises(ValueError, match="empty"):
        resize_area(np.zeros(shape, np.uint8), 2, 2)


@pytest.mark.parametrize("dtype", [np.int16, np.uint16, np.float16, bool])
def test_unsupported_dtype_is_refused(dtype):
    with pytest.raises(ValueError, match="dtype"):
        resize_area(np.zeros((4, 4, 3), dtype), 2, 2)


@pytest.mark.parametrize("shape", [(4, 4), (1, 1, 4, 4, 3)])
def test_unsupported_ndim_is_refused(shape):
    with pytest.raises(ValueError, match="shape"):
        resize_area(np.zeros(shape, np.uint8), 2, 2)
