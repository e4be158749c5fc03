"""End to end against the canonical detector: `mtcnn` 0.1.1 on TensorFlow, run by someone else's
code on the same pixels (tests/reference/detections_m011.json, made by tools/make_reference.py).

Agreement required: the same faces; boxes and landmarks within 1 px; confidence within 1e-4.
(In practice every integer is equal.) The canonical port's single-cell bug is fixed here; the
last tests show it is the only difference, stage by stage.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import REFERENCE, read_rgb

from mtcnn_np import MTCNN

REF = json.loads((REFERENCE / "detections_m011.json").read_text())
ARRAYS = np.load(REFERENCE / "detections_m011_arrays.npz")
ENTRIES = {e["name"]: e for e in REF["entries"]}
BUGGY = [name for name, e in ENTRIES.items() if e.get("flip_bug", {}).get("changes_stage1")]


def run(entry: dict, reproduce_bug: bool = False):
    params = entry["params"]
    detector = MTCNN(min_face_size=params["min_face_size"], scale_factor=params["scale_factor"],
                     steps_threshold=tuple(params["steps_threshold"]))
    detector.reproduce_single_cell_bug = reproduce_bug
    return detector.detect(read_rgb(entry["image"]), trace=True)


@pytest.fixture(scope="module")
def results():
    return {name: run(entry) for name, entry in ENTRIES.items()}


def test_reference_covers_faces_and_no_faces():
    counts = [len(e["faces"]) for e in ENTRIES.values()]
    assert 0 in counts and max(counts) >= 5 and len(counts) >= 8


@pytest.mark.parametrize("name", ENTRIES)
def test_faces_match_canonical(results, name):
    ours = results[name].to_mtcnn()
    theirs = ENTRIES[name]["faces"]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert np.max(np.abs(np.subtract(a["box"], b["box"]))) <= 1
        for key in a["keypoints"]:
            assert np.max(np.abs(np.subtract(a["keypoints"][key], b["keypoints"][key]))) <= 1
        assert abs(a["confidence"] - b["confidence"]) <= 1e-4


@pytest.mark.parametrize("name", ENTRIES)
def test_integers_are_identical(results, name):
    ours = results[name].to_mtcnn()
    theirs = ENTRIES[name]["faces"]
    for a, b in zip(ours, theirs):
        assert a["box"] == b["box"]
        assert {k: list(v) for k, v in a["keypoints"].items()} == b["keypoints"]


def fixed_arrays(name: str, stage: str) -> np.ndarray:
    """0.1.1's arrays with only the single-cell bug corrected (the plain ones where it is moot)."""
    key = f"{name}.flip_fixed.{stage}"
    return ARRAYS[key] if key in ARRAYS else ARRAYS[f"{name}.{stage}"]


def rows_sorted(a: np.ndarray) -> np.ndarray:
    return a[np.lexsort(a.T[::-1])]


def assert_stages_equal(trace, name: str, lookup) -> None:
    # stage 1: whole-pixel boxes, compared exactly. Their order is NMS's pick order, and exactly
    # equal P-Net scores do occur (saturated probabilities at different scales); 0.1.1 orders
    # those by NumPy's unstable sort, we by a stable one, so compare the boxes as a set.
    theirs = lookup(name, "stage1")
    np.testing.assert_array_equal(rows_sorted(trace["stage1/boxes"]), rows_sorted(theirs[:, :4]))
    # ... and the score sequence is the same, so any reordering is among equal scores only.
    np.testing.assert_allclose(trace["stage1/after_nms"][:, 4], theirs[:, 4], atol=1e-5)
    # stage 2: float boxes (float32 nets differ from TensorFlow's by ~1e-6) and R-Net scores
    np.testing.assert_allclose(trace["stage2/boxes"], lookup(name, "stage2"), atol=1e-3)
    final = lookup(name, "total_boxes")
    np.testing.assert_allclose(trace["final/boxes"], final[:, :4], atol=1e-3)
    np.testing.assert_allclose(trace["final/scores"], final[:, 4], atol=1e-4)
    points = lookup(name, "points").T                              # (K, 10) x1..x5, y1..y5
    canonical = np.concatenate([trace["final/landmarks"][:, :, 0] - 1,
                                trace["final/landmarks"][:, :, 1] - 1], axis=1)
    np.testing.assert_allclose(canonical, points, atol=1e-3)


@pytest.mark.parametrize("name", ENTRIES)
def test_every_stage_matches_with_the_bug_fixed(results, name):
    assert_stages_equal(results[name].trace, name, fixed_arrays)


@pytest.mark.parametrize("name", BUGGY)
def test_single_cell_bug_is_the_only_difference(name):
    # Reproducing the bug reproduces 0.1.1's own arrays at every stage ...
    buggy = run(ENTRIES[name], reproduce_bug=True)
    assert_stages_equal(buggy.trace, name, lambda n, stage: ARRAYS[f"{n}.{stage}"])
    # ... and those differ from the fixed ones (else this test would show nothing).
    assert not np.array_equal(ARRAYS[f"{name}.stage1"], ARRAYS[f"{name}.flip_fixed.stage1"])


def test_some_entries_exercise_the_bug():
    assert len(BUGGY) >= 2
