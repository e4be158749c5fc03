"""The likely-BGR warning: bluish faces in an array nobody said the channel order of."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import IMAGES, read_rgb

from mtcnn_np import MTCNN
from mtcnn_np.colour import BLUISH, LikelyBGRWarning, face_chromaticity, looks_bgr


@pytest.fixture(scope="module")
def photo():
    return read_rgb("group.png")


def test_skin_is_redder_than_blue_and_swapped_is_not(detector, photo):
    boxes = detector.detect(photo).boxes
    chroma = face_chromaticity(photo, boxes)
    assert len(chroma) == 7 and np.median(chroma) > 0.05
    swapped = face_chromaticity(photo[:, :, ::-1], boxes)
    np.testing.assert_allclose(swapped, -chroma)        # R and B trade places, G stays
    assert not looks_bgr(photo, boxes) and looks_bgr(photo[:, :, ::-1], boxes)


def test_no_face_or_gray_never_looks_bgr(photo):
    assert not looks_bgr(photo, np.zeros((0, 4)))
    gray = np.repeat(photo.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    assert not looks_bgr(gray, np.array([[40.0, 20, 90, 80]]))
    assert not looks_bgr(photo, np.array([[-50.0, -50, -10, -10]]))   # patch outside: no vote
    assert BLUISH < 0


def test_a_bgr_array_passed_as_rgb_warns(photo):
    detector = MTCNN()
    bgr = np.ascontiguousarray(photo[:, :, ::-1])
    if not detector.detect(bgr, bgr=False):
        pytest.skip("no face found in the swapped photo: nothing to judge")
    with pytest.warns(LikelyBGRWarning, match="channel_order='bgr'"):
        detector.detect_faces(bgr)
    with pytest.warns(LikelyBGRWarning):
        detector.detect(bgr)


def test_the_warning_is_opt_out_and_never_fires_on_stated_or_decoded_input(photo):
    bgr = np.ascontiguousarray(photo[:, :, ::-1])
    with warnings.catch_warnings():
        warnings.simplefilter("error", LikelyBGRWarning)
        MTCNN().detect_faces(photo)                          # RGB as it should be
        MTCNN().detect_faces(bgr, bgr=False)                 # "it is RGB, I said so"
        MTCNN(bgr_warning=False).detect_faces(bgr)
        MTCNN(channel_order="bgr").detect_faces(bgr)         # read correctly, faces are skin
        MTCNN().detect_faces(str(IMAGES / "group.png"))      # files are decoded as RGB
    with pytest.raises(TypeError, match="bgr_warning"):
        MTCNN(bgr_warning="no")


def test_the_warning_changes_nothing_in_the_result(photo):
    bgr = np.ascontiguousarray(photo[:, :, ::-1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LikelyBGRWarning)
        warned = MTCNN().detect_faces(bgr)
    assert warned == MTCNN(bgr_warning=False).detect_faces(bgr)
