"""The public API: formats, inputs, errors, parameters, the trace."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import IMAGES, read_rgb
from PIL import Image

from mtcnn_np import MTCNN, Detections
from mtcnn_np.landmarks import NAMES


@pytest.fixture(scope="module")
def hopper():
    return read_rgb("grace_hopper.jpg")


def test_mtcnn_format(detector, hopper):
    faces = detector.detect_faces(hopper)
    assert len(faces) >= 1
    face = faces[0]
    assert set(face) == {"box", "confidence", "keypoints"}
    assert all(type(v) is int for v in face["box"])
    assert type(face["confidence"]) is float and 0.9 < face["confidence"] <= 1
    assert list(face["keypoints"]) == list(NAMES)
    assert all(type(c) is int for p in face["keypoints"].values() for c in p)
    json.dumps(faces)                                     # plain Python types only
    confidences = [f["confidence"] for f in faces]
    assert confidences == sorted(confidences, reverse=True)


def test_face_is_where_it_should_be(detector, hopper):
    # Grace Hopper's face: eyes above the nose, nose above the mouth, all inside the box.
    face = detector.detect_faces(hopper)[0]
    x, y, w, h = face["box"]
    k = face["keypoints"]
    assert k["left_eye"][0] < k["right_eye"][0]
    assert max(k["left_eye"][1], k["right_eye"][1]) < k["nose"][1]
    assert k["nose"][1] < min(k["mouth_left"][1], k["mouth_right"][1])
    for px, py in k.values():
        assert x <= px <= x + w and y <= py <= y + h


def test_array_form_matches_mtcnn_form(detector, hopper):
    result = detector.detect(hopper)
    assert isinstance(result, Detections)
    k = len(result)
    assert result.boxes.shape == (k, 4) and result.boxes.dtype == np.float64
    assert result.scores.shape == (k,)
    assert result.landmarks.shape == (k, 5, 2) and result.landmarks.dtype == np.float64
    faces = result.to_mtcnn()
    assert faces == detector.detect_faces(hopper)
    # accurate landmarks = canonical + 1 px, not truncated
    np.testing.assert_allclose(result.landmarks, result.canonical_landmarks + 1.0, atol=1e-4)
    assert faces[0]["box"][0] == max(0, int(result.boxes[0, 0]))


def test_inputs_path_pil_array_list_agree(detector, hopper):
    from_array = detector.detect_faces(hopper)
    assert detector.detect_faces(str(IMAGES / "grace_hopper.jpg")) == from_array
    assert detector.detect_faces(IMAGES / "grace_hopper.jpg") == from_array
    with Image.open(IMAGES / "grace_hopper.jpg") as im:
        assert detector.detect_faces(im) == from_array
    both = detector.detect_faces([hopper, IMAGES / "coffee.jpg"])
    assert both == [from_array, []]


def test_no_face_gives_empty_list(detector):
    assert detector.detect_faces(read_rgb("coffee.jpg")) == []
    assert len(detector.detect(read_rgb("coffee.jpg"))) == 0


def test_small_and_blank_images_give_empty_list(detector):
    assert detector.detect_faces(np.zeros((11, 11, 3), np.uint8)) == []
    assert detector.detect_faces(np.zeros((1, 500, 3), np.uint8)) == []
    assert detector.detect_faces(np.full((64, 64, 3), 255, np.uint8)) == []


def test_caller_array_is_not_modified(detector, hopper):
    copy = hopper.copy()
    detector.detect_faces(hopper)
    np.testing.assert_array_equal(copy, hopper)


@pytest.mark.parametrize("image,error,message", [
    (np.zeros((50, 50, 3), np.float32), TypeError, "uint8"),
    (np.zeros((50, 50, 3), np.int64), TypeError, "uint8"),
    # (50, 50) gray and (50, 50, 4) RGBA are now accepted (tests/test_inputs.py)
    (np.zeros((50, 50, 2), np.uint8), ValueError, r"\(H, W, 3\)"),
    (np.zeros((50, 50, 5), np.uint8), ValueError, r"\(H, W, 3\)"),
    (np.zeros((0, 0, 3), np.uint8), ValueError, "at least 2 pixels"),
    (np.zeros((1, 1, 3), np.uint8), ValueError, "at least 2 pixels"),
    ([[1, 2, 3]], TypeError, "PIL.Image"),
    (None, TypeError, "PIL.Image"),
    (12, TypeError, "PIL.Image"),
])
def test_bad_images_raise_clear_errors(detector, image, error, message):
    with pytest.raises(error, match=message):
        detector.detect_faces(image)


def test_bad_paths(detector, tmp_path):
    with pytest.raises(ValueError, match="not found"):
        detector.detect_faces(tmp_path / "missing.jpg")
    with pytest.raises(ValueError, match="not a file"):
        detector.detect_faces(tmp_path)
    fake = tmp_path / "fake.jpg"
    fake.write_text("not an image")
    with pytest.raises(ValueError, match="cannot read"):
        detector.detect_faces(fake)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes((IMAGES / "grace_hopper.jpg").read_bytes()[:3000])
    with pytest.raises(ValueError, match="cannot read"):
        detector.detect_faces(truncated)


@pytest.mark.parametrize("kwargs,error,message", [
    ({"min_face_size": 0}, ValueError, "min_face_size must be > 0"),
    ({"min_face_size": -5}, ValueError, "min_face_size must be > 0"),
    ({"min_face_size": "20"}, TypeError, "min_face_size must be a number"),
    ({"min_face_size": float("nan")}, ValueError, "finite"),
    ({"scale_factor": 1.0}, ValueError, r"scale_factor must be in \(0, 1\)"),
    ({"scale_factor": 0}, ValueError, "scale_factor"),
    ({"steps_threshold": (0.6, 0.7)}, ValueError, "3 numbers"),
    ({"steps_threshold": (0.6, 0.7, 1.5)}, ValueError, r"steps_threshold\[2\] must be in"),
    ({"nms_thresholds": (0.5, 0.7, 0.7)}, ValueError, "4 numbers"),
    ({"steps_threshold": "abc"}, ValueError, "3 numbers"),
    ({"steps_threshold": {0.6, 0.7, 0.8}}, ValueError, "3 numbers"),          # a set has no order
    ({"steps_threshold": np.full((3, 1), 0.7)}, ValueError, "3 numbers"),
    ({"steps_threshold": (0.6, 0.7, None)}, TypeError, r"steps_threshold\[2\] must be a number"),
    ({"min_face_size": True}, TypeError, "min_face_size must be a number"),
    ({"scale_factor": float("inf")}, ValueError, "finite"),
])
def test_parameters_are_validated(kwargs, error, message):
    with pytest.raises(error, match=message):
        MTCNN(**kwargs)


def test_numpy_numbers_and_arrays_are_accepted():
    detector = MTCNN(min_face_size=np.int64(30), scale_factor=np.float32(0.5),
                     steps_threshold=np.array([0.6, 0.7, 0.7]))
    assert detector.steps_threshold == (0.6, 0.7, 0.7) and detector.min_face_size == 30.0


def test_missing_weights_folder(tmp_path):
    from mtcnn_np.weights import WeightsError

    with pytest.raises(WeightsError, match="pnet.h5"):
        MTCNN(weights=tmp_path)


def test_parameters_change_results(hopper):
    strict = MTCNN(steps_threshold=(0.6, 0.7, 0.99999)).detect(hopper)
    assert np.all(strict.scores > 0.99999)
    coarse = MTCNN(min_face_size=300).detect_faces(hopper)
    assert coarse == [] or all(f["box"][2] > 150 for f in coarse)


def test_trace_records_every_stage(detector, hopper):
    plain = detector.detect(hopper)
    assert plain.trace is None
    traced = detector.detect(hopper, trace=True)
    np.testing.assert_array_equal(traced.boxes, plain.boxes)
    t = traced.trace
    scales = t["pyramid/scales"]
    assert len(scales) > 3
    for k in range(len(scales)):
        level = t[f"pnet/scale_{k:02d}/level"]
        assert level.dtype == np.uint8
        prob, offsets = t[f"pnet/scale_{k:02d}/prob1"], t[f"pnet/scale_{k:02d}/conv4-2"]
        assert prob.shape[2:] == offsets.shape[2:]
    for key in ["stage1/after_nms", "stage1/boxes", "rnet/input", "rnet/conv1", "rnet/prob1",
                "stage2/boxes", "onet/input", "onet/conv6-3", "final/boxes", "final/landmarks"]:
        assert key in t, key
    assert t["rnet/input"].shape[1:] == (3, 24, 24)
    assert t["onet/input"].shape[1:] == (3, 48, 48)
    np.testing.assert_array_equal(t["final/boxes"], plain.boxes)
    assert "pnet/scale_00/conv1" in t.summary()
