"""facenet-pytorch's ``MTCNN`` habits, through ``mtcnn_np.facenet`` (no torch needed).

Written for mtcnn_np from what facenet-pytorch's README and tests check: ``detect`` with and
without landmarks, ``None`` for an image without faces, ``keep_all``, the selection methods,
batches, ``return_prob``, post-processed 160×160 crops, ``margin`` and ``save_path``.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import IMAGES, read_rgb
from PIL import Image

from mtcnn_np import MTCNN
from mtcnn_np.facenet import FacenetMTCNN, extract_face, fixed_image_standardization


@pytest.fixture(scope="module")
def group():
    with Image.open(IMAGES / "group.png") as im:
        return im.convert("RGB")


@pytest.fixture(scope="module")
def empty():
    with Image.open(IMAGES / "coffee.jpg") as im:
        return im.convert("RGB")


@pytest.fixture(scope="module")
def mtcnn(detector):
    return FacenetMTCNN(keep_all=True, detector=detector)


def test_detect_layout_and_values(mtcnn, detector, group):
    boxes, probs, points = mtcnn.detect(group, landmarks=True)
    assert boxes.shape == (7, 4) and probs.shape == (7,) and points.shape == (7, 5, 2)
    ours = detector.detect(group)
    areas = (ours.boxes[:, 2] - ours.boxes[:, 0]) * (ours.boxes[:, 3] - ours.boxes[:, 1])
    order = np.argsort(areas)[::-1]                       # select_largest: largest first
    np.testing.assert_array_equal(boxes.astype(float), ours.boxes[order])
    np.testing.assert_array_equal(probs.astype(float), ours.scores[order])
    np.testing.assert_array_equal(points.astype(float), ours.canonical_landmarks[order])
    assert len(mtcnn.detect(group)) == 2                  # (boxes, probs) without landmarks


def test_probability_order_without_select_largest(detector, group):
    _, probs = FacenetMTCNN(select_largest=False, keep_all=True, detector=detector).detect(group)
    assert list(probs.astype(float)) == sorted(probs.astype(float), reverse=True)


def test_no_face_gives_none(mtcnn, empty):
    boxes, probs, points = mtcnn.detect(empty, landmarks=True)
    assert boxes is None and points is None and probs.tolist() == [None]
    assert mtcnn(empty) is None
    faces, prob = FacenetMTCNN(detector=mtcnn.detector)(empty, return_prob=True)
    assert faces is None and prob is None


def test_keep_all_crops_are_post_processed(mtcnn, group):
    faces = mtcnn(group)
    assert faces.shape == (7, 3, 160, 160) and faces.dtype == np.float32
    assert -1 <= faces.min() < 0 < faces.max() <= 1            # (x − 127.5) / 128
    raw = FacenetMTCNN(keep_all=True, post_process=False, detector=mtcnn.detector)(group)
    assert raw.max() > 1 and raw.min() >= 0
    np.testing.assert_allclose(fixed_image_standardization(raw), faces)


def test_one_face_by_default(detector, group):
    single = FacenetMTCNN(detector=detector)
    face, prob = single(group, return_prob=True)
    boxes, probs = single.detect(group)
    assert face.shape == (3, 160, 160)
    assert prob == probs[0]                                     # the largest face's probability


def test_selection_methods_on_handmade_boxes(mtcnn):
    image = np.zeros((100, 200, 3), np.uint8)
    boxes = np.array([[0, 0, 60, 60], [90, 40, 110, 60], [150, 0, 190, 40]], float)
    probs = np.array([0.8, 0.99, 0.95])
    points = np.zeros((3, 5, 2))
    pick = {}
    for method in ("probability", "largest", "largest_over_threshold", "center_weighted_size"):
        box, prob, _ = mtcnn.select_boxes(boxes, probs, points, image, method=method)
        pick[method] = box[0].tolist()
    assert pick["probability"] == [90, 40, 110, 60]
    assert pick["largest"] == [0, 0, 60, 60]
    assert pick["largest_over_threshold"] == [150, 0, 190, 40]      # 0.8 is below 0.9
    assert pick["center_weighted_size"] == [90, 40, 110, 60]        # in the middle of the image
    none = mtcnn.select_boxes(boxes, probs * 0.5, points, image, method="largest_over_threshold")
    assert none[0] is None and none[1] is None


def test_batches_list_and_stacked(detector, group, empty):
    fn = FacenetMTCNN(detector=detector)
    array = np.asarray(group)
    boxes, probs = fn.detect([group, empty])
    assert len(boxes) == 2 and boxes[0].shape == (7, 4) and boxes[1] is None
    stacked_boxes, _ = fn.detect(np.stack([array, array]))
    assert stacked_boxes.shape[0] == 2
    faces = fn([group, empty])
    assert faces[0].shape == (3, 160, 160) and faces[1] is None


def test_margin_is_in_output_pixels():
    # facenet's definition: margin · side / (size − margin) photo pixels, half on each side.
    image = np.arange(200 * 200 * 3, dtype=np.uint32).reshape(200, 200, 3).astype(np.uint8)
    plain = extract_face(image, [50, 50, 130, 130], image_size=80, margin=0)
    np.testing.assert_array_equal(plain, image[50:130, 50:130].transpose(2, 0, 1))
    grown = extract_face(image, [50, 50, 130, 130], image_size=80, margin=16)
    # 16 · 80 / 64 = 20 px more: 10 on each side → the 100 × 100 window 40…140, shrunk to 80
    from mtcnn_np.resize import resize_area
    np.testing.assert_array_equal(grown, resize_area(image[40:140, 40:140], 80, 80)
                                  .transpose(2, 0, 1))
    edge = extract_face(image, [-30, -30, 50, 250], image_size=40)    # cut at the border
    assert edge.shape == (3, 40, 40)


def test_pil_crops_use_pillows_bilinear(group):
    box = [100.7, 50.2, 180.9, 140.4]
    face = extract_face(group, box, image_size=160)
    expected = np.asarray(group.crop((100, 50, 180, 140)).resize((160, 160), Image.BILINEAR))
    np.testing.assert_array_equal(face, expected.transpose(2, 0, 1))


def test_save_path_writes_each_face(mtcnn, group, tmp_path):
    mtcnn(group, save_path=str(tmp_path / "face.png"))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names[0] == "face.png" and "face_7.png" in names and len(names) == 7
    with Image.open(tmp_path / "face.png") as im:
        assert im.size == (160, 160)


def test_facenet_argument_names_and_errors(group):
    fn = FacenetMTCNN(min_face_size=40, thresholds=[0.6, 0.7, 0.8], factor=0.6, device="cpu")
    assert (fn.detector.min_face_size, fn.detector.steps_threshold, fn.detector.scale_factor) \
        == (40, (0.6, 0.7, 0.8), 0.6)
    with pytest.raises(ValueError, match="CPU only"):
        FacenetMTCNN(device="cuda:0")
    with pytest.raises(ValueError, match="selection_method"):
        FacenetMTCNN(selection_method="nearest")
    assert isinstance(fn.detector, MTCNN)
    assert read_rgb("group.png").shape == np.asarray(group).shape
