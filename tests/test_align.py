"""Face crops and alignment: Umeyama's similarity fit, bilinear warping, square crops."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import IMAGES, read_rgb

from mtcnn_np.align import (
    TEMPLATE_112,
    align_faces,
    alignment_transforms,
    apply_transform,
    crop_faces,
    face_boxes,
    face_landmarks,
    sample_bilinear,
    umeyama,
    warp_affine,
)
from mtcnn_np.resize import resize_area
from mtcnn_np.results import Detections


def similarity(c: float, degrees: float, tx: float, ty: float) -> np.ndarray:
    """(2, 3) [c·R | t] for a rotation by ``degrees`` (counter-clockwise in x-right, y-up)."""
    a = np.deg2rad(degrees)
    return np.array([[c * np.cos(a), -c * np.sin(a), tx], [c * np.sin(a), c * np.cos(a), ty]])


def least_squares_similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Oracle: a similarity is linear in (a, b, tx, ty), M = [[a, −b, tx], [b, a, ty]], so the
    least-squares fit is one ``lstsq`` — no SVD, no reflection case."""
    x, y = src[:, 0], src[:, 1]
    one, zero = np.ones_like(x), np.zeros_like(x)
    rows = np.concatenate([np.stack([x, -y, one, zero], 1), np.stack([y, x, zero, one], 1)])
    a, b, tx, ty = np.linalg.lstsq(rows, np.concatenate([dst[:, 0], dst[:, 1]]), rcond=None)[0]
    return np.array([[a, -b, tx], [b, a, ty]])


# -- Umeyama ---------------------------------------------------------------------------------

def test_umeyama_recovers_known_similarities_exactly():
    rng = np.random.default_rng(0)
    truths = np.stack([similarity(c, deg, tx, ty) for c, deg, tx, ty in
                       [(1, 0, 0, 0), (0.37, 12, 5, -3), (3.5, -75, 100, 20), (1.2, 179, -40, 7),
                        (0.01, 90, 0.5, 0.5)]])
    src = rng.uniform(-50, 150, size=(len(truths), 5, 2))
    dst = apply_transform(truths, src)
    np.testing.assert_allclose(umeyama(src, dst), truths, atol=1e-9)      # batched
    np.testing.assert_allclose(umeyama(src[1], dst[1]), truths[1], atol=1e-9)  # one set


def test_umeyama_is_the_least_squares_optimum_even_for_mirrored_points():
    rng = np.random.default_rng(1)
    for trial in range(20):
        src = rng.normal(size=(5, 2)) * 30
        dst = apply_transform(similarity(rng.uniform(0.2, 4), rng.uniform(-180, 180), 3, -9),
                              src) + rng.normal(size=(5, 2)) * 4                   # noisy
        if trial % 2:
            dst[:, 0] *= -1                       # mirror: the best *proper* similarity is wanted
        fit = umeyama(src, dst)
        np.testing.assert_allclose(fit, least_squares_similarity(src, dst), atol=1e-8)
        assert np.linalg.det(fit[:, :2]) > 0      # never a reflection


def test_umeyama_without_scale_keeps_scale_one():
    rng = np.random.default_rng(2)
    src = rng.normal(size=(5, 2)) * 20
    truth = similarity(1.0, 33, 4, 5)
    fit = umeyama(src, apply_transform(truth, src) * 1.0, estimate_scale=False)
    np.testing.assert_allclose(fit, truth, atol=1e-9)
    fit = umeyama(src, apply_transform(similarity(2.0, 33, 4, 5), src), estimate_scale=False)
    np.testing.assert_allclose(np.linalg.det(fit[:, :2]), 1.0)


def test_umeyama_rejects_degenerate_input():
    with pytest.raises(ValueError, match="coincide"):
        umeyama(np.ones((5, 2)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match="same shape"):
        umeyama(np.zeros((5, 2)), np.zeros((4, 2)))


# -- sampling conventions --------------------------------------------------------------------

def test_bilinear_hand_values():
    image = np.array([[[0], [100]], [[200], [40]]], dtype=np.uint8)          # (2, 2, 1)
    at = lambda x, y, border="constant": float(sample_bilinear(  # noqa: E731
        image, np.array(x, float), np.array(y, float), border)[..., 0])
    assert at(0, 0) == 0 and at(1, 0) == 100 and at(0, 1) == 200              # pixel centres
    assert at(0.25, 0) == pytest.approx(25)
    assert at(0.5, 0.5) == pytest.approx((0 + 100 + 200 + 40) / 4)
    assert at(1.5, 0) == pytest.approx(50)                # half outside, outside counts as 0
    assert at(1.5, 0, "edge") == pytest.approx(100)       # … or as the border pixel
    assert at(-7, 30) == 0 and at(-7, 30, "edge") == 200


def test_identity_and_whole_pixel_shifts_are_exact():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, size=(140, 150, 3), dtype=np.uint8)
    # Landmarks already on the template: the crop is the image's top-left 112×112, unchanged.
    np.testing.assert_array_equal(align_faces(image, TEMPLATE_112[None])[0], image[:112, :112])
    # Shifted by whole pixels: the crop is the shifted window, bit for bit.
    crop = align_faces(image, TEMPLATE_112[None] + [17, 9])[0]
    np.testing.assert_array_equal(crop, image[9:121, 17:129])


def render_blobs(points: np.ndarray, x: np.ndarray, y: np.ndarray, sigma: float) -> np.ndarray:
    """Analytic test picture: a Gaussian blob at each point, peak 250, on black."""
    d2 = (x[..., None] - points[:, 0]) ** 2 + (y[..., None] - points[:, 1]) ** 2
    return 250 * np.exp(-d2 / (2 * sigma ** 2)).max(axis=-1)


def test_a_face_moved_by_a_known_similarity_comes_back_aligned():
    # A "face" drawn in the template's frame: blobs on the five template points.
    truth = similarity(2.3, 28, 130, 60)                  # template frame → photo
    inverse = np.linalg.inv(np.vstack([truth, [0, 0, 1]]))[:2]
    rows, cols = np.mgrid[0:360, 0:400].astype(float)
    tx = inverse[0, 0] * cols + inverse[0, 1] * rows + inverse[0, 2]
    ty = inverse[1, 0] * cols + inverse[1, 1] * rows + inverse[1, 2]
    photo = np.rint(render_blobs(TEMPLATE_112, tx, ty, 3.0)).astype(np.uint8)
    photo = np.repeat(photo[..., None], 3, axis=2)
    landmarks = apply_transform(truth[None], TEMPLATE_112[None])            # (1, 5, 2)

    crop = align_faces(photo, landmarks)[0, :, :, 0].astype(float)
    rows, cols = np.mgrid[0:112, 0:112].astype(float)
    expected = render_blobs(TEMPLATE_112, cols, rows, 3.0)
    assert np.abs(crop - expected).max() <= 4             # bilinear error + two roundings
    for x, y in TEMPLATE_112:                             # each blob's centroid is on the template
        r0, c0 = int(round(y)) - 7, int(round(x)) - 7
        patch = crop[r0:r0 + 15, c0:c0 + 15]
        cy = (patch * rows[r0:r0 + 15, c0:c0 + 15]).sum() / patch.sum()
        cx = (patch * cols[r0:r0 + 15, c0:c0 + 15]).sum() / patch.sum()
        assert abs(cx - x) < 0.05 and abs(cy - y) < 0.05, (x, y, cx, cy)


# -- on the bundled photos -------------------------------------------------------------------

@pytest.mark.parametrize("name", ["astronaut.jpg", "grace_hopper.jpg", "group.png"])
def test_aligned_photos_put_the_landmarks_on_the_template(detector, name):
    rgb = read_rgb(name)
    found = detector.detect(rgb)
    # A 224×224 canvas with the 112-template in its middle, so the detector sees the whole head.
    target = TEMPLATE_112 + 56
    matrices = alignment_transforms(found, 224, template=target)
    moved = apply_transform(matrices, found.landmarks)                      # (K, 5, 2)
    fit = np.linalg.norm(moved - target, axis=2)                            # (K, 5) px
    # A similarity cannot undo pose or expression: a few pixels of residual are expected.
    assert fit.mean(axis=1).max() < 5.5 and fit.max() < 8, fit.round(1)

    canvases = align_faces(rgb, found, 224, template=target)
    for canvas, points, matrix in zip(canvases, moved, matrices):
        again = detector.detect(canvas).landmarks                           # (K', 5, 2)
        assert len(again), "no face found in the aligned crop"
        error = np.linalg.norm(again - points, axis=2).mean(axis=1).min()
        enlarged = np.hypot(*matrix[:, 0])
        # Re-detection is precise where the face was not blown up; faces enlarged ~3× (the
        # smallest in group.png) come back blurrier and less precisely.
        assert error < (2.0 if enlarged <= 1.5 else 6.0), (enlarged, error)


def test_dicts_give_the_same_faces_as_detections(detector):
    rgb = read_rgb("group.png")
    found = detector.detect(rgb)
    dicts = found.to_mtcnn()
    # mtcnn's integer keypoints + 1.5 px are within half a pixel of the accurate landmarks.
    assert np.abs(face_landmarks(dicts) - found.landmarks).max() <= 0.5 + 1e-4
    assert np.abs(face_boxes(dicts) - found.boxes).max() < 1.0 + 1e-9
    difference = np.abs(align_faces(rgb, dicts).astype(int) - align_faces(rgb, found))
    assert difference.mean() < 6                          # ≤ ½ px apart at the source


def test_crops_follow_the_faces(detector):
    rgb = read_rgb("group.png")
    found = detector.detect(rgb)
    crops = crop_faces(rgb, found, 24, margin=0.1)        # every face shrinks (area averaging)
    assert crops.shape == (len(found), 24, 24, 3) and crops.dtype == np.uint8
    # Oracle: cut each window by hand (black beyond the border), shrink it with resize_area.
    padded = np.pad(rgb, ((100, 100), (100, 100), (0, 0)))
    windows = []
    for x1, y1, x2, y2 in found.boxes:
        side = round(max(x2 - x1, y2 - y1) * 1.2)
        left, top = round((x1 + x2) / 2 - side / 2) + 100, round((y1 + y2) / 2 - side / 2) + 100
        windows.append(resize_area(padded[top:top + side, left:left + side], 24, 24))
    np.testing.assert_array_equal(crops, np.array(windows))


# -- crops: the window convention and padding -------------------------------------------------

def test_crop_window_is_exact():
    rng = np.random.default_rng(4)
    image = rng.integers(0, 256, size=(100, 120, 3), dtype=np.uint8)
    boxes = np.array([[10.0, 20, 60, 70]])                # columns 10..59, rows 20..69
    np.testing.assert_array_equal(crop_faces(image, boxes, 50, margin=0)[0], image[20:70, 10:60])
    # margin 0.1 of the 50 px side on each side: 60 px centred on (35, 45)
    np.testing.assert_array_equal(crop_faces(image, boxes, 60, margin=0.1)[0],
                                  image[15:75, 5:65])
    # a tall box becomes a square on its longer side
    tall = np.array([[30.0, 10, 50, 50]])
    np.testing.assert_array_equal(crop_faces(image, tall, 40, margin=0)[0], image[10:50, 20:60])


def test_crops_at_the_border_are_padded():
    image = np.full((60, 80, 3), 200, dtype=np.uint8)
    image[0, :, :] = 7                                    # a marked first row
    corner = np.array([[-20.0, -10, 20, 30]])             # 40 px square, 20 left, 10 above
    crop = crop_faces(image, corner, 40, margin=0)[0]
    assert (crop[:10] == 0).all() and (crop[:, :20] == 0).all()          # black outside
    assert (crop[10, 20:] == 7).all() and (crop[11:, 20:] == 200).all()  # the image inside
    edge = crop_faces(image, corner, 40, margin=0, border="edge")[0]
    assert (edge[:11] == 7).all() and (edge[11:] == 200).all()           # border repeated
    aligned = align_faces(image, TEMPLATE_112[None] - [60, 30])[0]       # mostly outside
    assert (aligned[-1] == 0).all() and (aligned[30, 60:] == 7).all()


def test_no_faces_give_empty_stacks():
    image = read_rgb("coffee.jpg")
    assert crop_faces(image, [], 64).shape == (0, 64, 64, 3)
    assert align_faces(image, Detections.empty()).shape == (0, 112, 112, 3)
    assert warp_affine(image, np.zeros((0, 2, 3)), 8).shape == (0, 8, 8, 3)


def test_paths_and_sizes(detector):
    path = IMAGES / "grace_hopper_small.png"
    found = detector.detect(path)
    assert align_faces(path, found, size=224).shape == (1, 224, 224, 3)
    # Other sizes scale the template: the transform for 224 is the one for 112, doubled.
    np.testing.assert_allclose(alignment_transforms(found, 224),
                               2 * alignment_transforms(found, 112), rtol=1e-12, atol=1e-9)


def test_bad_arguments_raise_clear_errors():
    image = np.zeros((50, 50, 3), np.uint8)
    boxes, points = np.array([[0.0, 0, 10, 10]]), TEMPLATE_112[None]
    for size in (0, -3, 1.5, True, "112"):
        with pytest.raises(ValueError, match="size"):
            crop_faces(image, boxes, size)
        with pytest.raises(ValueError, match="size"):
            align_faces(image, points, size)
    for margin in (-0.1, float("nan"), "a"):
        with pytest.raises(ValueError, match="margin"):
            crop_faces(image, boxes, 20, margin)
    with pytest.raises(ValueError, match="border"):
        align_faces(image, points, border="wrap")
    with pytest.raises(ValueError, match=r"\(K, 5, 2\)"):
        align_faces(image, boxes)
    with pytest.raises(ValueError, match=r"\(K, 4\)"):
        crop_faces(image, points)
    with pytest.raises(ValueError, match="template"):
        align_faces(image, points, template=np.zeros((4, 2)))
    with pytest.raises(TypeError, match="single face in a list"):
        align_faces(image, {"box": [0, 0, 5, 5]})
    with pytest.raises(TypeError, match="faces must be"):
        crop_faces(image, [1, 2, 3])
    with pytest.raises(ValueError, match="keypoints"):
        align_faces(image, [{"box": [0, 0, 5, 5]}])
    with pytest.raises(ValueError, match="coincide"):
        align_faces(image, np.zeros((1, 5, 2)))
    with pytest.raises(TypeError):
        align_faces(image.astype(complex), points)
