"""Stage 4 (MTCNN v2's L-Net landmark refinement): the geometry of ``refine.py`` on cases worked
out by hand from the Matlab formulas in ``MTCNNv2/detect_face.m``, and its place in the detector,
with small fake L-Nets (the real one is checked against the authors' Caffe model elsewhere)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import IMAGES, REFERENCE, read_rgb

from mtcnn_np import MTCNN
from mtcnn_np import refine as R
from mtcnn_np.__main__ import main


class ConstantLNet:
    """Answers the same offset for every patch; counts its calls; records one 'layer'."""

    def __init__(self, offset=(0.5, 0.5)):
        self.offset = np.asarray(offset, np.float32)
        self.calls = 0

    def forward(self, x, record=None):
        assert x.dtype == np.float32 and x.shape[1:] == (15, 24, 24)
        self.calls += 1
        if record is not None:
            record["fc"] = x.reshape(len(x), -1)[:, :7]
        return tuple(np.tile(self.offset, (len(x), 1)) for _ in range(5))


class BrightestPixelLNet:
    """Answers where, in each patch, the brightest pixel is (its centre, in patch widths)."""

    def forward(self, x, record=None):
        out = []
        for k in range(5):
            gray = x[:, 3 * k:3 * k + 3].sum(axis=1).reshape(len(x), -1)   # (N, 24·24)
            row, col = np.unravel_index(gray.argmax(axis=1), (24, 24))
            out.append(np.stack([(col + 0.5) / 24, (row + 0.5) / 24], axis=1).astype(np.float32))
        return tuple(out)


# -- geometry, by hand from the Matlab formulas -----------------------------------------------

def test_patch_width_is_a_quarter_of_the_longer_side_rounded_up_to_even():
    boxes = np.array([[0, 0, 99, 99],        # w = h = 100 → fix(25) = 25 → 26
                      [10, 20, 49, 99],      # w 40, h 80 → fix(20) = 20, even
                      [0, 0, 6.9, 3],        # w 7.9 → fix(1.975) = 1 → 2
                      [5.5, 5.5, 48.2, 30]])  # w 43.7 → fix(10.925) = 10
    assert R.patch_widths(boxes).tolist() == [26, 20, 2, 10]


def test_window_is_fix_of_point_minus_half_width_and_pw_plus_one_pixels_wide():
    points = np.zeros((1, 5, 2))
    points[0, 0] = (50.7, 30.2)           # fix(50.7 − 13) = 37, fix(30.2 − 13) = 17
    points[0, 1] = (-3.4, 12.9)           # fix(−16.4) = −16 (toward zero), fix(−0.1) = 0
    windows = R.patch_windows(points, np.array([26]))
    assert windows[0, 0].tolist() == [37, 17, 63, 43]
    assert windows[0, 1].tolist() == [-16, 0, 10, 26]
    assert windows[0, 2].tolist() == [-13, -13, 13, 13]     # point (0, 0): fix(−13) = −13


def test_clamp_discards_large_moves_in_either_coordinate():
    offsets = np.array([[[0.5, 0.9], [0.14, 0.5], [0.16, 0.84], [0.3, 0.7], [1.2, -0.3]]])
    clamped = R.clamp_offsets(offsets)
    expected = [[0.5, 0.5], [0.5, 0.5], [0.16, 0.84], [0.3, 0.7], [0.5, 0.5]]
    np.testing.assert_array_equal(clamped[0], expected)
    assert offsets[0, 0, 1] == 0.9                          # the input is not modified


def test_corrected_point_is_point_minus_half_width_plus_offset_times_width():
    points = np.array([[[50.0, 40.0]] * 5])
    offsets = np.array([[[0.5, 0.5], [0.6, 0.4], [0.2, 0.8], [0.5, 0.5], [0.5, 0.5]]])
    out = R.corrected_points(points, np.array([20]), offsets)
    np.testing.assert_allclose(out[0, :3], [[50, 40], [52, 38], [44, 46]])


@pytest.mark.parametrize("resampling", R.RESAMPLING)
def test_a_24_pixel_window_is_cut_as_is_and_zero_padded_off_the_image(resampling):
    image = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    # 1-based inclusive windows of 24×24 pixels: no resampling, the pixels themselves.
    windows = np.array([[[5, 3, 28, 26], [-9, -4, 14, 19], [40, 30, 63, 53],
                         [1, 1, 24, 24], [27, 17, 50, 40]]], float)
    patches = R.cut_patches(image, windows, resampling)
    assert patches.shape == (1, 5, 24, 24, 3)
    np.testing.assert_array_equal(patches[0, 0], image[2:26, 4:28])
    np.testing.assert_array_equal(patches[0, 1, :5, :], 0)           # rows −4..0: outside
    np.testing.assert_array_equal(patches[0, 1, :, :10], 0)          # columns −9..0: outside
    np.testing.assert_array_equal(patches[0, 1, 5:, 10:], image[:19, :14])
    np.testing.assert_array_equal(patches[0, 2, :11, :11], image[29:, 39:])
    np.testing.assert_array_equal(patches[0, 2, 11:], 0)
    np.testing.assert_array_equal(patches[0, 4], image[16:40, 26:50])


def test_bilinear_and_area_agree_on_a_smooth_image_and_reject_other_names():
    y, x = np.mgrid[0:80, 0:80]
    image = np.repeat((x + 2 * y)[:, :, None], 3, axis=2).astype(np.uint8)   # a linear ramp
    windows = np.array([[[11, 11, 36, 36]] * 5], float)                     # 26 → 24 pixels
    area = R.cut_patches(image, windows, "area")
    linear = R.cut_patches(image, windows, "bilinear")
    # On a ramp both give the value at each output pixel's centre.
    centres = 10 + (np.arange(24) + 0.5) * 26 / 24 - 0.5
    np.testing.assert_allclose(linear[0, 0, :, :, 0], centres[None, :] + 2 * centres[:, None])
    # Area averages the pixels as constant squares: on a ramp within 0.1 px of the centre value
    # per axis (here 1 + 2 levels per pixel), never more.
    np.testing.assert_allclose(area, linear, atol=0.35)
    assert np.abs(area - linear).max() > 0.01                         # and they do differ
    with pytest.raises(ValueError, match="resampling"):
        R.cut_patches(image, windows, "cubic")


def test_lnet_input_stacks_patch_k_at_channels_3k_and_normalises():
    patches = np.zeros((2, 5, 24, 24, 3))
    for k in range(5):
        patches[:, k, 3, 7] = (10 * k, 10 * k + 1, 10 * k + 2)       # row 3 = y, column 7 = x
    x = R.lnet_input(patches)
    assert x.shape == (2, 15, 24, 24) and x.dtype == np.float32
    assert x[1, 3 * 4 + 1, 3, 7] == np.float32((41 - 127.5) * 0.0078125)
    assert x[0, 0, 0, 0] == np.float32(-127.5 * 0.0078125)


def test_the_stage_moves_each_point_onto_a_bright_dot_even_at_the_border():
    image = np.zeros((60, 80, 3), np.uint8)
    boxes = np.array([[-20.0, -20.0, 59.0, 59.0]])            # 80 wide → pw 20, window 21 px
    points = np.array([[[3.0, 4.0], [40, 30], [70, 50], [20, 55], [60, 10]]])
    dots = np.array([[6, 1], [44, 27], [73, 47], [17, 58], [63, 13]])     # (x, y), 0-based
    for x, y in dots:
        image[y, x] = 255
    refined = R.refine_landmarks(image, boxes, points + 1, BrightestPixelLNet(), "bilinear")
    # Canonical frame = 1-based pixel numbers: the dot at 0-based x is pixel x + 1. A patch
    # pixel is 21/24 image pixels, and Matlab's formula reads offsets in pw = 20 (not 21)
    # pixels from the unrounded corner: the dot is found to within about a pixel.
    assert np.abs(refined[0] - (dots + 1)).max() <= 1.5


def test_empty_input_gives_empty_output_without_running_the_net():
    net = ConstantLNet()
    out = R.refine_landmarks(np.zeros((30, 30, 3), np.uint8), np.zeros((0, 4)),
                             np.zeros((0, 5, 2)), net)
    assert out.shape == (0, 5, 2) and net.calls == 0


# -- in the detector -----------------------------------------------------------------------------

def _refining(net) -> MTCNN:
    detector = MTCNN()
    detector.refine_landmarks, detector.lnet = True, net
    return detector


def test_default_detector_has_no_lnet_and_no_stage_4_in_its_trace(detector):
    assert detector.refine_landmarks is False and detector.lnet is None
    result = detector.detect(read_rgb("grace_hopper_small.png"), trace=True)
    assert not result.trace.filter("lnet/")


def test_no_move_answers_leave_the_landmarks_where_they_were(detector):
    image = read_rgb("group_small.png")
    plain = detector.detect(image)
    refined = _refining(ConstantLNet((0.5, 0.5))).detect(image)
    assert len(plain) > 1
    np.testing.assert_array_equal(refined.boxes, plain.boxes)
    # (0.5, 0.5) = "stay": the points are O-Net's Matlab-frame ones, i.e. the canonical ones.
    np.testing.assert_allclose(refined.landmarks, plain.landmarks - 1, atol=1e-9)
    assert refined.to_mtcnn() == plain.to_mtcnn()


def test_refinement_moves_the_points_by_offset_times_patch_width(detector):
    image = read_rgb("group_small.png")
    plain = detector.detect(image)
    refined = _refining(ConstantLNet((0.6, 0.45))).detect(image)   # +0.1 pw right, 0.05 up
    pw = np.broadcast_to(R.patch_widths(plain.boxes)[:, None], (len(plain), 5))
    np.testing.assert_allclose(refined.landmarks[..., 0] - plain.landmarks[..., 0] + 1, 0.1 * pw,
                               atol=1e-5)
    np.testing.assert_allclose(refined.landmarks[..., 1] - plain.landmarks[..., 1] + 1, -0.05 * pw,
                               atol=1e-5)
    # Stage 4's points need no +1 (see detector.py): both readings are the same numbers.
    np.testing.assert_array_equal(refined.canonical_landmarks,
                                  refined.landmarks.astype(np.float32))


def test_trace_records_every_step_of_stage_4():
    net = ConstantLNet()
    result = _refining(net).detect(read_rgb("grace_hopper_small.png"), trace=True)
    keys = set(result.trace.filter("lnet/"))
    assert {"lnet/patches", "lnet/input", "lnet/fc", "lnet/offsets", "lnet/points"} <= keys
    assert result.trace["lnet/input"].shape == (len(result), 15, 24, 24)
    np.testing.assert_array_equal(result.trace["final/landmarks"], result.landmarks)


def test_an_image_without_faces_gives_no_faces_with_refinement():
    net = ConstantLNet()
    result = _refining(net).detect(np.full((64, 64, 3), 128, np.uint8))
    assert len(result) == 0 and result.landmarks.shape == (0, 5, 2) and net.calls == 0


def test_refine_landmarks_must_be_a_bool():
    with pytest.raises(TypeError, match="refine_landmarks"):
        MTCNN(refine_landmarks="yes")


def test_cli_flag_turns_stage_4_on(monkeypatch, capsys):
    import mtcnn_np.detector as D

    net = ConstantLNet((0.6, 0.5))
    monkeypatch.setattr(D, "_load_lnet", lambda: net)
    photo = str(IMAGES / "grace_hopper_small.png")
    assert main([photo]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert net.calls == 0
    assert main([photo, "--refine-landmarks"]) == 0
    refined = json.loads(capsys.readouterr().out)
    assert net.calls == 1 and refined[0]["box"] == plain[0]["box"]
    assert refined[0]["keypoints"]["nose"][0] > plain[0]["keypoints"]["nose"][0]


# -- against tools/make_lnet_reference.py (Matlab's stage rewritten with OpenCV, det4 by cv2.dnn) --

LNET_REFERENCE = REFERENCE / "lnet_cv2.npz"
PHOTOS = ("group_small", "group", "astronaut_small", "grace_hopper_small")


def _reference_case(photo: str) -> tuple:
    """The photo, mtcnn 0.1.1's final boxes and (K, 5, 2) points: the reference's inputs."""
    detections = np.load(REFERENCE / "detections_m011_arrays.npz")
    boxes = detections[f"{photo}.total_boxes"][:, :4].astype(np.float64)
    raw = detections[f"{photo}.points"].astype(np.float64)             # (10, K) Matlab layout
    return read_rgb(f"{photo}.png"), boxes, np.stack([raw[:5].T, raw[5:].T], axis=2)


@pytest.mark.parametrize("photo", PHOTOS)
def test_lnet_input_matches_patches_cut_by_opencv(photo):
    image, boxes, points = _reference_case(photo)
    windows = R.patch_windows(points, R.patch_widths(boxes))
    x = R.lnet_input(R.cut_patches(image, windows, "area"))
    with np.load(LNET_REFERENCE) as reference:
        want = reference[f"{photo}.input"]
    assert x.shape == want.shape and len(x) >= 1
    np.testing.assert_allclose(x, want, rtol=0, atol=1e-6)       # float32 rounding only


def _real_lnet():
    from mtcnn_np.nets import load_lnet

    return load_lnet()


@pytest.mark.parametrize("photo", PHOTOS)
def test_refined_points_match_the_authors_lnet_run_by_opencv(photo):
    lnet = _real_lnet()
    image, boxes, points = _reference_case(photo)
    refined = R.refine_landmarks(image, boxes, points, lnet)
    with np.load(LNET_REFERENCE) as reference:
        want = reference[f"{photo}.points"]
    # Two float32 nets on the same input: offsets agree to ~1e-5, times pw ≤ 30 px.
    np.testing.assert_allclose(refined, want, rtol=0, atol=1e-3)


def test_detector_with_refinement_gives_the_reference_points():
    _real_lnet()
    with np.load(LNET_REFERENCE) as reference:
        want = reference["group_small.points"]
    result = MTCNN(refine_landmarks=True).detect(read_rgb("group_small.png"))
    np.testing.assert_allclose(result.landmarks, want, rtol=0, atol=1e-3)
