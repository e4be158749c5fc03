"""The training objective, OHEM, SGD, the crops, and trained weights in the detector."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import read_rgb

from mtcnn_np import MTCNN
from mtcnn_np.boxes import regress
from mtcnn_np.landmarks import decode_landmarks
from mtcnn_np.training import data as D
from mtcnn_np.training import losses as LS
from mtcnn_np.training.ohem import hard_count, hard_sample_mask
from mtcnn_np.training.optim import SGD
from mtcnn_np.training.train import (
    copy_params,
    evaluate,
    export_weights,
    head_layers,
    init_params,
    loss_and_gradients,
    train,
)
from mtcnn_np.weights import load_weights

NEG, POS, PART, MARK = LS.NEGATIVE, LS.POSITIVE, LS.PART, LS.LANDMARK


# -- losses by hand ------------------------------------------------------------------------------

def test_cross_entropy_by_hand():
    logits = np.array([[0.0, 0.0], [0.0, math.log(3)], [0.0, math.log(3)], [1000.0, -1000.0]])
    labels = np.array([1, 1, 0, 0])
    losses, grad = LS.softmax_cross_entropy(logits, labels)
    # p(face) = 1/2, 3/4, 3/4, ~0: the losses are −log p of the true class.
    np.testing.assert_allclose(losses, [math.log(2), -math.log(3 / 4), -math.log(1 / 4), 0],
                               atol=1e-12)
    # The gradient is softmax − one-hot.
    np.testing.assert_allclose(grad, [[0.5, -0.5], [0.25, -0.25], [-0.75, 0.75], [0, 0]],
                               atol=1e-12)
    # Far-apart scores, wrong label: finite, not inf or NaN (log-softmax, not log of softmax).
    assert LS.softmax_cross_entropy(np.array([[1000.0, -1000.0]]), np.array([1]))[0][0] == 2000


def test_euclidean_loss_by_hand():
    losses, grad = LS.euclidean_loss(np.array([[1.0, 2, 3, 4], [0.5, 0, 0, 0]]), np.zeros((2, 4)))
    assert losses.tolist() == [30.0, 0.25]                 # squared norms, eqs. (2) and (3)
    assert grad.tolist() == [[2, 4, 6, 8], [1, 0, 0, 0]]


def test_task_masks_follow_the_paper():
    masks = LS.task_masks(np.array([NEG, POS, PART, MARK]))
    assert masks["det"].tolist() == [True, True, False, False]       # negatives and positives
    assert masks["box"].tolist() == [False, True, True, False]       # positives and part faces
    assert masks["landmark"].tolist() == [False, False, False, True]  # landmark faces


def test_task_weights_are_the_papers():
    assert LS.TASK_WEIGHTS["pnet"] == LS.TASK_WEIGHTS["rnet"] == {
        "det": 1.0, "box": 0.5, "landmark": 0.5}
    assert LS.TASK_WEIGHTS["onet"] == {"det": 1.0, "box": 0.5, "landmark": 1.0}


def batch_of_each_kind():
    kinds = np.array([NEG, POS, PART, MARK])
    outputs = {"det": np.array([[0.0, math.log(3)], [0.0, math.log(3)], [5.0, 1.0], [2.0, 2.0]]),
               "box": np.array([[9.0, 9, 9, 9], [0.1, 0, 0, 0], [0, 0.2, 0, 0], [9, 9, 9, 9]]),
               "landmark": np.vstack([np.full((3, 10), 7.0), np.full((1, 10), 0.5)])}
    targets = {"box": np.zeros((4, 4)), "landmark": np.zeros((4, 10))}
    return outputs, kinds, targets


def test_multitask_loss_by_hand():
    outputs, kinds, targets = batch_of_each_kind()
    weights = {"det": 1.0, "box": 0.5, "landmark": 1.0}
    total, parts, grads = LS.multitask_loss(outputs, kinds, targets, weights, ohem_ratio=None)
    # det: the negative (p = 3/4, loss −log 1/4) and the positive (−log 3/4), averaged.
    assert parts["det"] == pytest.approx((-math.log(1 / 4) - math.log(3 / 4)) / 2)
    # box: the positive (0.1² = 0.01) and the part face (0.2² = 0.04); the 9s are ignored.
    assert parts["box"] == pytest.approx((0.01 + 0.04) / 2)
    # landmark: only the landmark face, 10 · 0.5² = 2.5; the 7s are ignored.
    assert parts["landmark"] == pytest.approx(2.5)
    assert total == pytest.approx(parts["det"] + 0.5 * parts["box"] + 1.0 * parts["landmark"])
    # No gradient reaches an output from a sample its task does not apply to (β = 0).
    assert not grads["det"][2:].any() and not grads["box"][[0, 3]].any()
    assert not grads["landmark"][:3].any()
    np.testing.assert_allclose(grads["box"][1], 0.5 * 2 * np.array([0.1, 0, 0, 0]) / 2)


def test_multitask_loss_without_landmark_head():
    outputs, kinds, targets = batch_of_each_kind()
    del outputs["landmark"]                        # P-Net and R-Net as released have no such head
    total, parts, grads = LS.multitask_loss(outputs, kinds, targets, LS.TASK_WEIGHTS["rnet"])
    assert set(parts) == set(grads) == {"det", "box"}


# -- online hard sample mining -------------------------------------------------------------------

def test_ohem_keeps_exactly_the_hardest_70_percent():
    rng = np.random.default_rng(5)
    losses = rng.permutation(20).astype(float)               # distinct losses 0..19
    keep = hard_sample_mask(losses)
    assert keep.sum() == 14 == hard_count(20)
    assert sorted(losses[keep]) == list(range(6, 20))        # the 14 largest, no other


def test_ohem_only_among_eligible_samples_and_ties():
    losses = np.array([5.0, 1.0, 9.0, 2.0, 2.0, 3.0, 100.0])
    eligible = np.array([True, True, True, True, True, True, False])   # the last: not det
    keep = hard_sample_mask(losses, eligible)
    # 6 eligible → round(4.2) = 4 kept: 9, 5, 3 and the first of the two 2s (stable ties).
    assert keep.tolist() == [True, False, True, True, False, True, False]
    assert hard_count(3) == 2 and hard_count(1) == 1 and hard_count(0) == 0
    with pytest.raises(ValueError):
        hard_count(10, 0.0)


def test_multitask_loss_mines_classification_only():
    outputs, kinds, targets = batch_of_each_kind()
    kinds = np.array([NEG, POS, NEG, POS])
    outputs["det"] = np.array([[0.0, 3.0], [0.0, 2.0], [0.0, -1.0], [0.0, 0.5]])
    _, parts, grads = LS.multitask_loss(outputs, kinds, targets, LS.TASK_WEIGHTS["onet"],
                                        ohem_ratio=0.5)
    # Losses: sample 0 (negative scored face) is hardest, then sample 3, 2, 1; keep 2 of 4.
    each, _ = LS.softmax_cross_entropy(outputs["det"], np.array([0, 1, 0, 1]))
    assert parts["det"] == pytest.approx((each[0] + each[3]) / 2)
    assert grads["det"][[0, 3]].any(axis=1).all() and not grads["det"][[1, 2]].any()


# -- SGD -----------------------------------------------------------------------------------------

def test_sgd_momentum_by_hand():
    params = {"fc": {"weight": np.array([1.0]), "bias": np.array([1.0])}}
    grads = {"fc": {"weight": np.array([0.5]), "bias": np.array([0.5])}}
    opt = SGD(params, lr=0.1, momentum=0.9, weight_decay=0.1)
    opt.step(grads)
    # weight: v = −0.1·(0.5 + 0.1·1) = −0.06; bias has no decay: v = −0.05.
    assert params["fc"]["weight"][0] == pytest.approx(0.94)
    assert params["fc"]["bias"][0] == pytest.approx(0.95)
    opt.step(grads)
    # bias: v = 0.9·(−0.05) − 0.05 = −0.095.
    assert params["fc"]["bias"][0] == pytest.approx(0.855)
    with pytest.raises(ValueError):
        SGD(params, lr=0.1, momentum=1.0)


def tiny_problem(size: int, n: int = 16, seed: int = 0) -> D.CropSet:
    """Faces = a bright disc in the middle, with box and landmark targets that depend on it."""
    rng = np.random.default_rng(seed)
    kinds = np.array([NEG, POS, PART, MARK] * (n // 4), np.int8)
    yy, xx = np.mgrid[:size, :size]
    disc = ((yy - size / 2) ** 2 + (xx - size / 2) ** 2 < (size / 4) ** 2).astype(np.float32)
    images = rng.normal(0, 0.3, (n, 3, size, size)).astype(np.float32)
    images[kinds != NEG] += disc
    boxes = rng.uniform(-0.2, 0.2, (n, 4)).astype(np.float32)
    marks = rng.uniform(0.2, 0.8, (n, 10)).astype(np.float32)
    return D.CropSet(images, kinds, boxes, marks)


@pytest.mark.parametrize("net,size,lr", [("pnet", 12, 0.02), ("rnet", 24, 0.005),
                                         ("onet", 48, 0.002)])
def test_a_few_sgd_steps_reduce_the_loss(net, size, lr):
    data = tiny_problem(size)
    params = init_params(net, np.random.default_rng(1))
    before = loss_and_gradients(net, params, data, ohem_ratio=None)[0]
    history = train(net, params, data, steps=15, batch_size=len(data), lr=lr)
    after = loss_and_gradients(net, params, data, ohem_ratio=None)[0]
    assert np.isfinite(after) and after < 0.5 * before, (before, after)
    assert set(history[0]) == {"total", *head_layers(net)}


def test_init_params_match_the_weights_layout():
    params = init_params("onet", np.random.default_rng(0))
    pretrained = load_weights("onet")
    assert {k: {n: a.shape for n, a in p.items()} for k, p in params.items()} == {
        k: {n: a.shape for n, a in p.items()} for k, p in pretrained.items()}
    assert all(a.dtype == np.float32 for p in params.values() for a in p.values())
    assert head_layers("pnet") == {"det": "conv4-1", "box": "conv4-2"}
    assert head_layers("onet") == {"det": "conv6-1", "box": "conv6-2", "landmark": "conv6-3"}


# -- crops labelled by IoU -----------------------------------------------------------------------

def test_iou_matrix_by_hand():
    a = np.array([[1.0, 1, 10, 10], [1, 1, 5, 10]])        # 10×10 and 5×10 pixels (inclusive)
    b = np.array([[1.0, 1, 10, 10], [21, 21, 30, 30]])
    np.testing.assert_allclose(D.iou_matrix(a, b), [[1.0, 0.0], [0.5, 0.0]])


def test_label_crops_by_the_papers_thresholds():
    face = np.array([[1.0, 1, 100, 100]])
    # Crops 100 px wide shifted right by d: IoU = (100 − d) / (100 + d).
    shifts = np.array([0, 20, 30, 50, 60, 90])              # IoU 1, .67, .54, .33, .25, .05
    crops = np.stack([1 + shifts, np.ones(6), 100 + shifts, np.full(6, 100.0)], axis=1)
    kinds, nearest = D.label_crops(crops, face)
    assert kinds.tolist() == [POS, POS, PART, D.UNUSED, NEG, NEG]
    assert not nearest.any()
    assert D.label_crops(crops, np.zeros((0, 4)))[0].tolist() == [NEG] * 6


def test_targets_invert_the_detectors_decoding():
    crops = np.array([[11.0, 21, 34, 44], [1, 1, 48, 48]])          # sides 24 and 48
    faces = np.array([[13.5, 19.0, 30.2, 47.0], [0.0, 4.0, 40.0, 50.5]])
    np.testing.assert_allclose(regress(crops, D.box_targets(crops, faces)), faces, atol=1e-5)
    points = np.random.default_rng(0).uniform(10, 40, (2, 5, 2))
    decoded = decode_landmarks(crops, D.landmark_targets(crops, points), canonical=False)
    np.testing.assert_allclose(decoded, points, atol=1e-4)


def test_make_crop_set_on_a_known_face():
    rng = np.random.default_rng(3)
    image = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    face = np.array([[60.0, 30.0, 99.0, 79.0]])
    points = np.array([[[70.0, 45], [90, 45], [80, 55], [72, 68], [88, 68]]])
    counts = {"negative": 30, "positive": 10, "part": 10, "landmark": 5}
    crops = D.make_crop_set(rng, image, face, points, 24, counts)
    assert crops.counts() == counts
    assert crops.images.shape == (55, 3, 24, 24) and crops.images.dtype == np.float32
    assert np.abs(crops.images).max() <= 1.0
    # Positives and parts carry box targets; negatives none; landmark faces carry landmarks.
    has_box = np.abs(crops.boxes).sum(axis=1) > 0
    assert has_box[(crops.kinds == POS) | (crops.kinds == PART)].all()
    assert not has_box[(crops.kinds == NEG) | (crops.kinds == MARK)].any()
    assert (crops.landmarks[crops.kinds == MARK] > 0).all()
    # An image with no face gives negatives only.
    empty = D.make_crop_set(rng, image, np.zeros((0, 4)), None, 12, {"negative": 8, "positive": 4})
    assert empty.counts() == {"negative": 8, "positive": 0, "part": 0, "landmark": 0}


def test_pretrained_nets_agree_with_the_labels(detector):
    """The crops' conventions are the detector's: the released R-Net and O-Net, which never saw
    these crops, classify them, and their box and landmark outputs land near our targets."""
    image = read_rgb("astronaut_small.png")
    faces, points = D.faces_from_detector(detector, image)
    assert len(faces) == 1
    counts = {"negative": 60, "positive": 20, "part": 20, "landmark": 20}
    rng = np.random.default_rng(0)
    rnet = evaluate("rnet", load_weights("rnet"), D.make_crop_set(rng, image, faces, None, 24,
                                                                 counts))
    onet = evaluate("onet", load_weights("onet"), D.make_crop_set(rng, image, faces, points, 48,
                                                                 counts))
    assert rnet["accuracy"] > 0.9 and onet["accuracy"] > 0.9, (rnet, onet)
    assert rnet["box_error"] < 0.08 and onet["box_error"] < 0.08, (rnet, onet)
    # Measured 0.004 of the crop's side; a one-pixel slip of convention (≈ 1/45) would be 0.02.
    assert onet["landmark_error"] < 0.01, onet


# -- trained weights in the detector -------------------------------------------------------------

def test_exported_weights_load_into_the_detector(tmp_path):
    rnet = init_params("rnet", np.random.default_rng(7))
    folder = export_weights(tmp_path / "trained", {"rnet": rnet})
    assert sorted(p.name for p in folder.iterdir()) == ["onet.h5", "pnet.h5", "rnet.h5"]
    detector = MTCNN(weights=folder)
    for name, p in rnet.items():
        for key, value in p.items():
            np.testing.assert_array_equal(detector.rnet.params[name][key], value)
    np.testing.assert_array_equal(detector.onet.params["conv6-3"]["weight"],
                                  load_weights("onet")["conv6-3"]["weight"])


def test_round_trip_gives_the_same_detections(tmp_path, detector):
    # Fine-tuning starts from load_weights; saving untouched params must change nothing.
    folder = export_weights(tmp_path / "same", {"rnet": copy_params(load_weights("rnet"))})
    image = read_rgb("astronaut_small.png")
    assert MTCNN(weights=folder).detect_faces(image) == detector.detect_faces(image)
