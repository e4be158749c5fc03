"""Property tests (hypothesis): the detector on random images and parameters, the input
conversions, and the geometry pieces not already covered in test_nms.py / test_boxes.py.

Sizes stay small so the whole file runs in seconds.
"""

from __future__ import annotations

import numpy as np
from conftest import read_rgb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mtcnn_np import MTCNN
from mtcnn_np.boxes import fix, regress
from mtcnn_np.candidates import candidates_from_pnet
from mtcnn_np.crops import padded_crops
from mtcnn_np.image import load_image
from mtcnn_np.nms import nms, overlap

FACE = read_rgb("grace_hopper_small.png")     # (200, 171, 3): one face, so results aren't empty
DETECTORS: dict = {}
# The detector-level properties are slow per example: a fixed sequence of examples keeps CI
# reproducible (the cheap properties below still explore afresh on every run).
DETECTOR_RUNS = settings(deadline=None, derandomize=True, database=None,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def detector_for(params: tuple) -> MTCNN:
    """Detectors are cached by parameters: loading weights is the slow part of MTCNN()."""
    if params not in DETECTORS:
        min_face, factor, steps, nms_thresholds = params
        DETECTORS[params] = MTCNN(min_face_size=min_face, scale_factor=factor,
                                  steps_threshold=steps, nms_thresholds=nms_thresholds)
    return DETECTORS[params]


unit = st.floats(0.3, 0.9).map(lambda v: round(v, 2))
parameters = st.tuples(st.sampled_from([12, 20, 40]), st.sampled_from([0.5, 0.709, 0.8]),
                       st.tuples(unit, unit, unit), st.tuples(unit, unit, unit, unit))


@st.composite
def face_images(draw) -> np.ndarray:
    """A random crop of the face photo (the face spans x 58..117, y 38..110): usually keeping
    the whole face, else anywhere (cutting or missing it); maybe flipped, darkened, noisy."""
    if draw(st.integers(0, 3)) > 0:
        top, left = draw(st.integers(0, 38)), draw(st.integers(0, 58))
        bottom, right = draw(st.integers(110, 200)), draw(st.integers(117, 171))
    else:
        top, left = draw(st.integers(0, 150)), draw(st.integers(0, 130))
        bottom, right = draw(st.integers(top + 12, 200)), draw(st.integers(left + 12, 171))
    image = FACE[top:bottom, left:right].astype(np.float64)
    if draw(st.booleans()):
        image = image[:, ::-1]
    image = image * draw(st.floats(0.4, 1.0))
    noise = np.random.default_rng(draw(st.integers(0, 2**16))).normal(0, 12, image.shape)
    return np.clip(image + noise * draw(st.booleans()), 0, 255).astype(np.uint8)


@settings(DETECTOR_RUNS, max_examples=25)
@given(face_images(), parameters)
def test_detections_are_well_formed(image, params):
    height, width = image.shape[:2]
    result = detector_for(params).detect(image)
    k = len(result)
    assert result.boxes.shape == (k, 4) and np.isfinite(result.boxes).all()
    assert np.isfinite(result.landmarks).all()
    assert np.all((result.scores >= 0) & (result.scores <= 1))
    assert np.all(result.scores > params[2][2])                       # passed O-Net's threshold
    assert np.all(np.diff(result.scores) <= 0)                         # best first
    assert np.all(result.boxes[:, 2] > result.boxes[:, 0])
    assert np.all(result.boxes[:, 3] > result.boxes[:, 1])
    for face, box in zip(result.to_mtcnn(), result.boxes):
        x, y, w, h = face["box"]
        # The canonical format clips the top-left corner at 0 and nothing else: x + w may
        # exceed the width for a face cut by the right border (test_canonical_box_can_...).
        assert 0 <= x and 0 <= y
        assert x + w <= box[2] and y + h <= box[3]                     # never beyond the float box
        assert x == max(0, int(box[0])) and w == int(box[2] - x)
        # Clipped to the image, the box is not empty: the face is (at least partly) in it.
        clipped = np.clip(box, 0, [width, height, width, height])
        assert clipped[2] > clipped[0] and clipped[3] > clipped[1]


@settings(DETECTOR_RUNS, max_examples=60)
@given(st.one_of(
    hnp.arrays(st.sampled_from([np.uint8, np.uint16, np.int32, np.float32, np.float64, bool]),
               hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=30)),
    st.sampled_from([None, 0, "", b"", [], {}, 1.5])),
    st.sampled_from([None, (0, 1), (0, 255), (-1, 1), (5, 5), (0,)]), st.booleans())
def test_no_undocumented_exception(image, value_range, bgr):
    # Anything may be rejected, but only with the documented TypeError/ValueError.
    before = image.copy() if isinstance(image, np.ndarray) else None
    try:
        faces = detector_for((20, 0.709, (0.6, 0.7, 0.7), (0.5, 0.7, 0.7, 0.7))).detect_faces(
            image, bgr=bgr, value_range=value_range)
    except (TypeError, ValueError) as exc:
        assert str(exc)                                                # a message, always
    else:
        assert isinstance(faces, list)
    if before is not None:
        np.testing.assert_array_equal(image, before)


def test_canonical_box_can_cross_the_right_and_bottom_edges(detector):
    # Measured: Grace Hopper's face cut by the right (bottom) border. The mtcnn format clips
    # x, y at 0 only, like mtcnn 0.1.1, so x + w > W (y + h > H); the float boxes are unclipped.
    for image, axis in [(FACE[:, :101], 0), (FACE[:90], 1)]:
        limit = image.shape[1 - axis]
        result = detector.detect(image)
        [face] = result.to_mtcnn()
        assert face["box"][axis] + face["box"][axis + 2] > limit
        assert result.boxes[0, axis + 2] > limit


# -- conversions: every documented equivalence, on random pixels ------------------------------

pixels = hnp.arrays(np.uint8, st.tuples(st.integers(1, 12), st.integers(2, 12), st.just(3)))


@settings(max_examples=100, deadline=None)
@given(pixels)
def test_conversions_round_trip(rgb):
    np.testing.assert_array_equal(load_image(rgb / 255.0, value_range=(0, 1)), rgb)
    np.testing.assert_array_equal(load_image(rgb.astype(np.float32) / np.float32(255),
                                             value_range=(0, 1)), rgb)
    np.testing.assert_array_equal(load_image(rgb.astype(np.float32), value_range=(0, 255)), rgb)
    np.testing.assert_array_equal(load_image(rgb.astype(np.uint16) * 257), rgb)
    np.testing.assert_array_equal(load_image(rgb[:, :, ::-1], bgr=True), rgb)
    np.testing.assert_array_equal(load_image(np.dstack([rgb, rgb[:, :, :1]])), rgb)
    gray = rgb[:, :, 0]
    np.testing.assert_array_equal(load_image(gray), np.stack([gray] * 3, axis=2))
    np.testing.assert_array_equal(load_image(gray[:, :, None], bgr=True),
                                  np.stack([gray] * 3, axis=2))


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float64, (3, 4, 3), elements=st.floats(0, 1)),
       st.floats(-3, 0), st.floats(0.5, 7))
def test_value_range_is_linear_and_rounded(unit_values, low, high):
    values = np.clip(low + unit_values * (high - low), low, high)
    out = load_image(values, value_range=(low, high)).astype(np.float64)
    exact = (values - low) / (high - low) * 255
    assert np.all(np.abs(out - exact) <= 0.5 + 1e-9)                    # rounded to nearest


# -- geometry pieces not covered elsewhere -----------------------------------------------------

boxes_strategy = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(0, 30),
                                    st.integers(0, 30)), min_size=1, max_size=30)


@settings(max_examples=100, deadline=None)
@given(boxes_strategy, st.floats(0.05, 0.95), st.sampled_from(["union", "min"]), st.randoms())
def test_nms_does_not_depend_on_input_order_when_scores_differ(items, threshold, method, rnd):
    boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in items], float)
    scores = np.arange(len(boxes), dtype=float) / len(boxes)        # distinct scores
    perm = np.arange(len(boxes))
    rnd.shuffle(perm)
    kept = nms(boxes, scores, threshold, method)
    kept_shuffled = perm[nms(boxes[perm], scores[perm], threshold, method)]
    assert kept.tolist() == kept_shuffled.tolist()


@settings(max_examples=50, deadline=None)
@given(boxes_strategy, st.sampled_from(["union", "min"]))
def test_nms_with_threshold_one_keeps_everything(items, method):
    boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in items], float)
    scores = np.linspace(0, 1, len(boxes))
    assert sorted(nms(boxes, scores, 1.0, method).tolist()) == list(range(len(boxes)))
    assert np.all(overlap(boxes[0], boxes, method) <= 1.0 + 1e-12)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(-100, 100), st.floats(-100, 100), st.floats(1, 50),
                          st.floats(1, 50)), min_size=1, max_size=10),
       st.floats(-1, 1), st.floats(-1, 1), st.booleans())
def test_equal_edge_offsets_translate_the_box(items, dx, dy, inclusive):
    boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in items])
    offsets = np.tile([dx, dy, dx, dy], (len(boxes), 1))
    moved = regress(boxes, offsets, inclusive)
    np.testing.assert_allclose(moved[:, 2] - moved[:, 0], boxes[:, 2] - boxes[:, 0], atol=1e-9)
    np.testing.assert_allclose(moved[:, 3] - moved[:, 1], boxes[:, 3] - boxes[:, 1], atol=1e-9)


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float64, st.integers(0, 20), elements=st.floats(-1e6, 1e6)))
def test_fix_rounds_toward_zero(values):
    fixed = fix(values)
    assert np.all(fixed == np.trunc(values)) and np.all(np.abs(fixed) <= np.abs(values))
    np.testing.assert_array_equal(fix(fixed), fixed)


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float32, st.tuples(st.integers(1, 8), st.integers(1, 8)),
                  elements=st.floats(0, 1, width=32)),
       st.floats(0.05, 2.0), st.floats(0, 1))
def test_candidates_are_the_windows_above_threshold(prob, scale, threshold):
    offsets = np.zeros((4,) + prob.shape, np.float32)
    boxes, scores, _ = candidates_from_pnet(prob, offsets, scale, threshold)
    assert len(boxes) == np.count_nonzero(prob >= threshold)
    assert np.all(scores >= threshold)
    assert np.all(boxes[:, :2] >= 0)
    # every window is 12 level pixels, i.e. about 11/scale image pixels, after truncation
    np.testing.assert_allclose(boxes[:, 2] - boxes[:, 0], 11 / scale, atol=1.0)
    np.testing.assert_allclose(boxes[:, 3] - boxes[:, 1], 11 / scale, atol=1.0)


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.uint8, st.tuples(st.integers(1, 9), st.integers(1, 9), st.just(3))),
       st.integers(-12, 12), st.integers(-12, 12), st.integers(1, 10), st.integers(1, 10))
def test_padded_crop_equals_slicing_a_zero_padded_image(image, x1, y1, width, height):
    # Reference: pad the image with zeros on every side, then slice the 1-based box.
    pad = 25
    padded = np.pad(image, ((pad, pad), (pad, pad), (0, 0))).astype(np.float64)
    expected = padded[pad + y1 - 1:pad + y1 - 1 + height, pad + x1 - 1:pad + x1 - 1 + width]
    box = np.array([[x1, y1, x1 + width - 1, y1 + height - 1]], float)
    np.testing.assert_array_equal(padded_crops(image, box, height, width)[0], expected)
