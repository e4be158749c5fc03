"""One detection on several threads (``MTCNN(threads=N)``, ``parallel.py``): the same bits as
one thread, and the work really spread over the threads."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import read_rgb

import mtcnn_np.detector as detector_module
from mtcnn_np import MTCNN
from mtcnn_np.parallel import core_count, ordered_map, workers_for


def tiled(names: list, rows: int, cols: int) -> np.ndarray:
    """The photos, cropped to a common size and tiled: many faces, so many R-Net/O-Net boxes."""
    images = [read_rgb(name) for name in names]
    h = min(im.shape[0] for im in images)
    w = min(im.shape[1] for im in images)
    tiles = [images[k % len(images)][:h, :w] for k in range(rows * cols)]
    return np.vstack([np.hstack(tiles[r * cols:(r + 1) * cols]) for r in range(rows)])


@pytest.fixture(scope="module")
def photos():
    return {"group": read_rgb("group.png"), "hopper": read_rgb("grace_hopper_small.png"),
            "tiled": tiled(["group.png", "astronaut.jpg", "coffee.jpg"], 2, 2)}


def arrays(result) -> list:
    return [result.boxes, result.scores, result.landmarks, result.canonical_landmarks]


@pytest.fixture(scope="module")
def serial(photos):
    detector = MTCNN(threads=1)
    return {name: detector.detect(rgb) for name, rgb in photos.items()}


@pytest.mark.parametrize("threads", [2, 3, 0])
def test_several_threads_give_the_bits_of_one(photos, serial, threads):
    detector = MTCNN(threads=threads)
    for name, rgb in photos.items():
        result = detector.detect(rgb)
        for a, b in zip(arrays(serial[name]), arrays(result)):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a, b, err_msg=name)


def test_the_tiled_photo_needs_several_chunks(serial, photos):
    # So that the test above compares chunked R-Net/O-Net runs, not one chunk: the tiled photo
    # has hundreds of R-Net boxes and tens of faces.
    result = MTCNN(threads=1).detect(photos["tiled"], trace=True)
    assert len(result.trace["stage1/boxes"]) > 2 * 32
    assert len(serial["tiled"]) >= 8


def test_the_work_runs_on_the_pool_threads(photos, monkeypatch):
    seen = {"levels": set(), "crops": set()}
    level, crop = MTCNN._level_candidates, detector_module.crop_and_resize

    def record_level(self, *args):
        seen["levels"].add(threading.current_thread().name)
        return level(self, *args)

    def record_crop(*args):
        seen["crops"].add(threading.current_thread().name)
        return crop(*args)

    monkeypatch.setattr(MTCNN, "_level_candidates", record_level)
    monkeypatch.setattr(detector_module, "crop_and_resize", record_crop)
    MTCNN(threads=2).detect(photos["tiled"])
    for where, names in seen.items():
        assert len(names) == 2 and all(n.startswith("mtcnn_np") for n in names), where
    for where in seen.values():
        where.clear()
    MTCNN(threads=1).detect(photos["tiled"])                # one thread: the caller's own
    assert seen["levels"] == seen["crops"] == {threading.current_thread().name}


def test_several_threads_with_trace_record_the_same(photos):
    one = MTCNN(threads=1).detect(photos["group"], trace=True)
    two = MTCNN(threads=2).detect(photos["group"], trace=True)
    assert list(one.trace) == list(two.trace)
    for name in one.trace:
        np.testing.assert_array_equal(one.trace[name], two.trace[name], err_msg=name)


def test_no_face_and_tiny_images(photos):
    for rgb in (np.zeros((200, 300, 3), np.uint8), photos["hopper"][:11, :40]):
        assert MTCNN(threads=2).detect_faces(rgb) == []


@pytest.mark.parametrize("callers", ["own threads", "the pool"])
def test_detectors_sharing_the_pool_from_several_threads(photos, serial, callers):
    # Caller threads sharing a threads=2 detector (and so its pool), even callers that are
    # themselves pool threads: no deadlock, and each call gets its serial bits.
    detector = MTCNN(threads=2)
    names = ["group", "tiled"] * 2
    if callers == "the pool":
        results = ordered_map(lambda name: detector.detect(photos[name]), names, 2)
    else:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda name: detector.detect(photos[name]), names))
    for name, result in zip(names, results):
        for a, b in zip(arrays(serial[name]), arrays(result)):
            np.testing.assert_array_equal(a, b)


def test_workers_for():
    assert workers_for(None) == 1 and workers_for(1) == 1 and workers_for(3) == 3
    assert workers_for(0) == core_count() >= 1


def test_ordered_map_keeps_the_order():
    assert ordered_map(lambda x: x * x, range(20), 3) == [x * x for x in range(20)]
    assert ordered_map(lambda x: x, [], 2) == []


def test_a_batch_runs_its_images_on_the_threads(photos, serial, monkeypatch):
    names = ["group", "hopper", "tiled", "group"]
    threads_seen = set()
    level = MTCNN._level_candidates

    def record_level(self, *args):
        threads_seen.add(threading.current_thread().name)
        return level(self, *args)

    monkeypatch.setattr(MTCNN, "_level_candidates", record_level)
    batch = MTCNN(threads=2).detect_faces([photos[name] for name in names])
    assert len(threads_seen) == 2
    one = MTCNN(threads=1)
    assert batch == [one.detect_faces(photos[name]) for name in names]
