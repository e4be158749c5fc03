"""The assertions of ``mtcnn`` 0.1.x's own test suite and README, run against mtcnn_np.

Written for mtcnn_np from what 0.1.x's tests check (one face with five named 2-point keypoints
on a portrait, ``InvalidImage`` for what ``cv2.imread`` returns on a non-image, ``[]`` on a
photo without faces, two detectors with different ``steps_threshold`` side by side), through
the documented import ``mtcnn_np.compat``. 0.1.x's photos are not shipped; our bundled ones
stand in (``tests/images/README.md``).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import IMAGES, read_rgb

from mtcnn_np.compat import MTCNN, InvalidImage

KEYPOINTS = {"left_eye", "right_eye", "nose", "mouth_left", "mouth_right"}


@pytest.fixture(scope="module")
def mtcnn():
    return MTCNN()


def test_detect_faces_on_a_portrait(mtcnn):
    result = mtcnn.detect_faces(read_rgb("grace_hopper.jpg"))
    assert isinstance(result, list) and len(result) == 1
    first = result[0]
    assert {"box", "confidence", "keypoints"} <= set(first)
    assert len(first["box"]) == 4 and all(isinstance(v, int) for v in first["box"])
    assert isinstance(first["confidence"], float) and 0.9 < first["confidence"] <= 1
    assert set(first["keypoints"]) == KEYPOINTS
    assert all(len(point) == 2 for point in first["keypoints"].values())


def test_invalid_content_raises_invalid_image(mtcnn):
    # 0.1.x's test: cv2.imread("example.py") is None, and detect_faces(None) raises InvalidImage.
    with pytest.raises(InvalidImage):
        mtcnn.detect_faces(None)
    with pytest.raises(InvalidImage):           # and a Python file read as bytes is no image
        mtcnn.detect_faces((IMAGES / "README.md").read_bytes())


def test_invalid_image_is_caught_by_the_old_except_clauses(mtcnn):
    for clause in (ValueError, TypeError, Exception):
        with pytest.raises(clause):
            mtcnn.detect_faces("no/such/file.jpg")


def test_no_faces_gives_an_empty_list(mtcnn):
    assert mtcnn.detect_faces(read_rgb("coffee.jpg")) == []


def test_multiple_instances_with_different_thresholds():
    strict = MTCNN(steps_threshold=(0.2, 0.7, 0.7))
    lax = MTCNN(steps_threshold=(0.1, 0.1, 0.1))
    portrait = read_rgb("grace_hopper.jpg")
    assert len(strict.detect_faces(portrait)) == 1
    assert len(lax.detect_faces(portrait)) > 1
    assert len(strict.detect_faces(portrait)) == 1          # the lax one did not change it


def test_positional_order_is_0_1_1s():
    # MTCNN(weights_file, min_face_size, steps_threshold, scale_factor)
    detector = MTCNN(None, 40, [0.6, 0.7, 0.8], 0.8)
    assert detector.min_face_size == 40
    assert detector.steps_threshold == (0.6, 0.7, 0.8)
    assert detector.scale_factor == 0.8
    assert MTCNN().steps_threshold == (0.6, 0.7, 0.7)        # 0.1.1's default for None


def test_a_misplaced_positional_number_says_what_the_first_argument_is():
    with pytest.raises(TypeError, match="first argument is weights_file.*min_face_size=20"):
        MTCNN(20)


def test_weights_file_takes_a_folder_and_explains_the_old_npy(tmp_path):
    from mtcnn_np.weights import WeightsError

    assert len(MTCNN(None).detect_faces(read_rgb("grace_hopper.jpg"))) == 1
    with pytest.raises(WeightsError, match="not read at run time.*convert"):
        MTCNN("mtcnn_weights.npy")
    with pytest.raises(ValueError, match="not both"):
        MTCNN(str(tmp_path), weights=str(tmp_path))


def test_readme_example_output_format(mtcnn):
    # 0.1.x's README: box [x, y, w, h], keypoints as (x, y) tuples, confidence a float.
    face = mtcnn.detect_faces(str(IMAGES / "group.png"))[0]
    assert face["box"] == [47, 29, 29, 36]
    assert face["keypoints"]["left_eye"] == (54, 42)
    assert isinstance(face["keypoints"]["nose"], tuple)
    assert np.isclose(face["confidence"], 0.99993, atol=1e-5)
