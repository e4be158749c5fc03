"""The behaviour ``mtcnn`` 1.0's tests and docs describe, run against mtcnn_np.

Written for mtcnn_np from 1.0's documented semantics (``mtcnn/mtcnn.py``, ``utils/bboxes.py``):
paths, raw bytes and lists as input; ``box_format``, ``output_type="numpy"``'s (n, 16) layout,
``fit_to_image``/``limit_boundaries_landmarks`` clipping to ``[0, W-1] × [0, H-1]``, per-call
thresholds; ``stages``/``device``. Defaults stay 0.1.1's (the canonical output).
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import IMAGES, read_rgb

from mtcnn_np.compat import MTCNN, InvalidImage

GROUP = str(IMAGES / "group.png")


@pytest.fixture(scope="module")
def mtcnn():
    return MTCNN(stages="face_and_landmarks_detection", device="CPU:0")


def test_path_bytes_and_array_give_the_same_faces(mtcnn):
    from_path = mtcnn.detect_faces(GROUP)
    assert len(from_path) == 7
    assert mtcnn.detect_faces((IMAGES / "group.png").read_bytes()) == from_path
    assert mtcnn.detect_faces(read_rgb("group.png")) == from_path


def test_a_list_is_a_batch_of_results(mtcnn):
    results = mtcnn.detect_faces([GROUP, str(IMAGES / "coffee.jpg")])
    assert len(results) == 2 and len(results[0]) == 7 and results[1] == []


def test_invalid_bytes_raise_invalid_image(mtcnn):
    with pytest.raises(InvalidImage):
        mtcnn.detect_faces(b"definitely not an image")


def test_box_format_xyxy_is_xywh_summed(mtcnn):
    xywh = mtcnn.detect_faces(GROUP)
    xyxy = mtcnn.detect_faces(GROUP, box_format="xyxy")
    for a, b in zip(xywh, xyxy):
        x, y, w, h = a["box"]
        assert b["box"] == [x, y, x + w, y + h]
        assert a["keypoints"] == b["keypoints"] and a["confidence"] == b["confidence"]


def test_numpy_output_layout(mtcnn):
    rows = mtcnn.detect_faces(GROUP, output_type="numpy", box_format="xyxy")
    assert rows.shape == (7, 16) and rows.dtype == np.float64
    result = mtcnn.detect(GROUP)
    np.testing.assert_array_equal(rows[:, 0], 0)                       # image index
    np.testing.assert_array_equal(rows[:, 1:5], result.boxes)          # x1, y1, x2, y2
    np.testing.assert_array_equal(rows[:, 5], result.scores)
    np.testing.assert_array_equal(rows[:, 6:11], result.landmarks[:, :, 0])   # x of 5 points
    np.testing.assert_array_equal(rows[:, 11:16], result.landmarks[:, :, 1])  # then y
    wh = mtcnn.detect_faces(GROUP, output_type="numpy")                # default "xywh"
    np.testing.assert_allclose(wh[:, 3:5], result.boxes[:, 2:] - result.boxes[:, :2])


def test_numpy_output_of_a_batch_is_one_array_with_image_indices(mtcnn):
    rows = mtcnn.detect_faces([str(IMAGES / "coffee.jpg"), GROUP, GROUP], output_type="numpy")
    assert rows.shape == (14, 16)
    assert rows[:, 0].tolist() == [1.0] * 7 + [2.0] * 7
    assert mtcnn.detect_faces(str(IMAGES / "coffee.jpg"), output_type="numpy").shape == (0, 16)


def test_fit_to_image_clips_to_the_last_pixel(mtcnn):
    # A face cut by the right border: 0.1.1 lets its box run past the image; 1.0 clips it.
    image = read_rgb("group.png")[:, :300]
    raw = mtcnn.detect(image).boxes
    assert raw[:, 2].max() > 299                       # the canonical box runs past the border
    for face in mtcnn.detect_faces(image, box_format="xyxy", fit_to_image=True):
        x1, y1, x2, y2 = face["box"]
        assert 0 <= x1 <= x2 <= 299 and 0 <= y1 <= y2 <= image.shape[0] - 1
    default = mtcnn.detect_faces(image, box_format="xyxy")
    assert max(face["box"][2] for face in default) > 299


def test_limit_boundaries_landmarks_clips_the_keypoints_too(mtcnn):
    image = read_rgb("group.png")[:, :300]
    rows = mtcnn.detect_faces(image, output_type="numpy", fit_to_image=True,
                              limit_boundaries_landmarks=True)
    assert rows[:, 6:11].max() <= 299 and rows[:, 6:16].min() >= 0
    assert rows[:, 11:16].max() <= image.shape[0] - 1


def test_per_call_thresholds_and_sizes_change_only_that_call(mtcnn):
    assert len(mtcnn.detect_faces(GROUP, threshold_onet=0.99995)) < 7
    assert len(mtcnn.detect_faces(GROUP, min_face_size=60)) < 7
    assert len(mtcnn.detect_faces(GROUP, threshold_pnet=0.6, threshold_rnet=0.7,
                                  threshold_onet=0.7, scale_factor=0.709)) == 7
    assert len(mtcnn.detect_faces(GROUP)) == 7 and mtcnn.steps_threshold == (0.6, 0.7, 0.7)
    assert mtcnn.detect_faces(GROUP, nms_onet=0.7) == mtcnn.detect_faces(GROUP)


def test_per_call_values_are_checked_like_the_constructors(mtcnn):
    with pytest.raises(ValueError, match=r"steps_threshold\[2\]"):
        mtcnn.detect_faces(GROUP, threshold_onet=1.5)
    with pytest.raises(ValueError, match="box_format"):
        mtcnn.detect_faces(GROUP, box_format="cxcywh")
    with pytest.raises(ValueError, match="output_type"):
        mtcnn.detect_faces(GROUP, output_type="tensor")


def test_unsupported_keywords_name_the_equivalent(mtcnn):
    with pytest.raises(TypeError, match="'min_size'.*min_face_size="):
        mtcnn.detect_faces(GROUP, min_size=12)
    with pytest.raises(TypeError, match="'thresholds'.*steps_threshold"):
        mtcnn.detect_faces(GROUP, thresholds=[0.6, 0.7, 0.7])
    with pytest.raises(TypeError, match="'colour'.*It accepts: bgr"):
        mtcnn.detect_faces(GROUP, colour="rgb")


def test_batch_options_of_1_0_change_nothing_here(mtcnn):
    assert mtcnn.detect_faces(GROUP, postprocess=True,
                              batch_stack_justification="topleft") == mtcnn.detect_faces(GROUP)
    with pytest.raises(ValueError, match="never pads"):
        mtcnn.detect_faces(GROUP, postprocess=False)


def test_predict_is_detect_faces(mtcnn):
    assert mtcnn.predict(GROUP, box_format="xyxy") == mtcnn.detect_faces(GROUP, box_format="xyxy")


def test_stages_and_device_say_what_we_do_instead():
    with pytest.raises(ValueError, match="always runs all three nets"):
        MTCNN(stages="face_detection_only")
    with pytest.raises(ValueError, match="CPU only"):
        MTCNN(device="GPU:0")
    with pytest.raises(TypeError, match="pass it as stages="):
        MTCNN("face_detection_only")
