"""One detection on worker processes (``MTCNN(threads=N, parallel="processes")``,
``processes.py``): the bits of one thread, the work really done by the workers, and clean
errors and shutdown."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import read_rgb
from test_parallel import arrays, tiled

from mtcnn_np import MTCNN
from mtcnn_np.processes import WorkerError, level_cost, split_boxes, split_levels


@pytest.fixture(scope="module")
def photos():
    return {"group": read_rgb("group.png"), "hopper": read_rgb("grace_hopper_small.png"),
            "tiled": tiled(["group.png", "astronaut.jpg", "coffee.jpg"], 2, 2),
            "blank": np.zeros((200, 300, 3), np.uint8), "tiny": np.zeros((11, 40, 3), np.uint8)}


@pytest.fixture(scope="module")
def serial(photos):
    detector = MTCNN(threads=1)
    return {name: detector.detect(rgb) for name, rgb in photos.items()}


@pytest.fixture(scope="module")
def on_processes():
    detector = MTCNN(threads=2, parallel="processes")
    yield detector
    detector._processes.close()


def nets(detector) -> dict:
    return {"pnet": detector.pnet, "rnet": detector.rnet, "onet": detector.onet}


def assert_same(one, other, name):
    for a, b in zip(arrays(one), arrays(other)):
        assert a.dtype == b.dtype and a.shape == b.shape, name
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_processes_give_the_bits_of_one_thread(photos, serial, on_processes):
    for name, rgb in photos.items():
        assert_same(serial[name], on_processes.detect(rgb), name)
    # A bigger image after smaller ones: the shared block is replaced, the bits still equal.
    big = np.vstack([photos["tiled"], photos["tiled"]])
    assert_same(MTCNN(threads=1).detect(big), on_processes.detect(big), "big")


def test_the_workers_do_a_share_of_every_stage(photos, on_processes, monkeypatch):
    # Spy on what is sent: every stage sends the worker a non-empty share.
    sent = []
    team = on_processes._processes._take(nets(on_processes))
    team.unlock()
    scatter = type(team).scatter

    def spy(self, kind, settings, shares, local):
        sent.append((kind, len(shares[1])))
        return scatter(self, kind, settings, shares, local)

    monkeypatch.setattr(type(team), "scatter", spy)
    on_processes.detect(photos["tiled"])
    kinds = dict(sent)
    assert set(kinds) == {"levels", "rnet", "onet"} and all(n > 0 for n in kinds.values())


def test_settings_of_a_call_reach_the_workers(photos, on_processes):
    one = MTCNN(threads=1)
    for options in ({"min_face_size": 40}, {"threshold_pnet": 0.8, "threshold_onet": 0.9}):
        assert (on_processes.detect_faces(photos["tiled"], **options)
                == one.detect_faces(photos["tiled"], **options))


def test_a_batch_and_several_caller_threads(photos, serial, on_processes):
    names = ["group", "tiled", "hopper", "group"]
    assert (on_processes.detect_faces([photos[n] for n in names])
            == [MTCNN().detect_faces(photos[n]) for n in names])
    # Two threads at once: one gets the workers, the other runs on its own; same bits.
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda n: on_processes.detect(photos[n]), names))
    for name, result in zip(names, results):
        assert_same(serial[name], result, name)


def stream_boxes(frames, detector, **options) -> list:
    from mtcnn_np.video import detect_stream
    return [(r.index, r.fresh, r.detections.boxes.tolist(), r.detections.landmarks.tolist())
            for r in detect_stream(frames, detector, **options)]


def test_a_stream_on_processes_gives_the_frames_of_one_thread(photos, on_processes):
    frames = [photos[n] for n in ("group", "hopper", "tiled", "blank", "group", "hopper")]
    options = {"every": 2, "downscale": 0.8}
    expected = stream_boxes(frames, MTCNN(), **options)
    for ahead in (1, 3):
        assert stream_boxes(frames, on_processes, ahead=ahead, **options) == expected, ahead


def test_whole_images_go_to_the_workers_in_a_batch(photos, on_processes, monkeypatch):
    sent = []
    team = on_processes._processes._take(nets(on_processes))
    team.unlock()
    start = type(team).start
    monkeypatch.setattr(type(team), "start", lambda self, worker, kind, settings, share:
                        sent.append(kind) or start(self, worker, kind, settings, share))
    names = ["tiled", "group", "tiled", "group"]
    assert (on_processes.detect_faces([photos[n] for n in names])
            == [MTCNN().detect_faces(photos[n]) for n in names])
    assert sent and set(sent) == {"image"}


def test_a_failing_image_in_a_flow_raises_in_order_and_the_team_recovers(photos, serial):
    from mtcnn_np.processes import flow

    detector = MTCNN(threads=2, parallel="processes")
    team = detector._processes._take(nets(detector))
    bad = "not an image"                                  # fails wherever it runs

    def here(image):
        if image is bad:
            raise RuntimeError("local failure")
        return detector._cascade(image, None)

    items = [(k, image) for k, image in enumerate([photos["group"], bad, photos["group"]] * 2)]
    got = []
    try:
        with pytest.raises((WorkerError, RuntimeError)):
            for key, _result, _seconds in flow(team, detector._image_settings(), items, 4, here):
                got.append(key)
    finally:
        team.unlock()
    assert got == [0]                                     # results before the error, in order
    assert team.alive()                                   # every reply was read
    assert_same(serial["hopper"], detector.detect(photos["hopper"]), "next")
    detector._processes.close()


def test_a_stream_stopped_early_leaves_the_team_in_step(photos, serial):
    from mtcnn_np.video import detect_stream

    detector = MTCNN(threads=2, parallel="processes")
    for result in detect_stream([photos["group"]] * 8, detector, ahead=3):
        if result.index == 1:
            break
    team = detector._processes._team
    assert_same(serial["tiled"], detector.detect(photos["tiled"]), "after the stream")
    assert detector._processes._team is team and team.alive()
    detector._processes.close()


def test_a_failing_worker_raises_a_clear_error(photos, on_processes):
    team = on_processes._processes._take(nets(on_processes))
    try:
        team.share(photos["group"])
        with pytest.raises(WorkerError, match="worker process failed: .*Error"):
            team.scatter("rnet", {}, [None, "not boxes"], lambda share: None)
    finally:
        team.unlock()
    assert len(on_processes.detect(photos["group"])) == len(MTCNN().detect(photos["group"]))


def test_closed_or_killed_workers_start_again(photos, serial):
    detector = MTCNN(threads=2, parallel="processes")
    assert_same(serial["group"], detector.detect(photos["group"]), "first")
    detector._processes.close()
    assert_same(serial["group"], detector.detect(photos["group"]), "after close")
    team = detector._processes._team
    team._processes[0].kill()
    team._processes[0].join()
    assert_same(serial["group"], detector.detect(photos["group"]), "after kill")
    assert detector._processes._team is not team
    detector._processes.close()


def test_parallel_is_checked_and_shown():
    with pytest.raises(ValueError, match="parallel must be 'threads' or 'processes'"):
        MTCNN(parallel="fork")
    assert "parallel='processes'" in repr(MTCNN(threads=2, parallel="processes"))
    assert MTCNN(threads=1, parallel="processes")._processes is None   # nothing to share
    assert "parallel" not in repr(MTCNN())


def test_no_worker_starts_before_a_detection():
    detector = MTCNN(threads=2, parallel="processes")
    assert detector._processes._team is None


def test_split_levels_balances_the_cost():
    costs = [level_cost(1080, 1920, 0.6 * 0.709 ** k) for k in range(12)]
    shares = split_levels(costs, 2)
    assert sorted(shares[0] + shares[1]) == list(range(12))
    loads = [sum(costs[i] for i in share) for share in shares]
    assert max(loads) / min(loads) < 1.1
    assert split_levels([5.0], 3) == [[0], [], []]


def test_split_boxes_cuts_even_runs():
    assert split_boxes(100, 2) == [slice(0, 50), slice(50, 100)]
    assert split_boxes(3, 2) == [slice(0, 1), slice(1, 3)]
    parts = split_boxes(1000, 3)
    assert parts[0].start == 0 and parts[-1].stop == 1000
    assert all(p.stop == q.start for p, q in zip(parts, parts[1:]))
    assert max(p.stop - p.start for p in parts) - min(p.stop - p.start for p in parts) <= 1


def test_split_boxes_cuts_between_batches_only():
    # Every crop must meet the net in the batch (and place) it has on one thread.
    assert split_boxes(100, 2, 32) == [slice(0, 64), slice(64, 100)]   # 2 + 2 batches
    assert split_boxes(20, 2, 8) == [slice(0, 8), slice(8, 20)]
    assert split_boxes(8, 2, 8) == [slice(0, 0), slice(0, 8)]
    for count, parts, batch in [(1000, 3, 32), (77, 2, 8), (9, 4, 8)]:
        cuts = split_boxes(count, parts, batch)
        assert cuts[0].start == 0 and cuts[-1].stop == count and len(cuts) == parts
        assert all(p.stop == q.start and p.stop % batch == 0 for p, q in zip(cuts, cuts[1:]))


def test_an_error_in_this_process_leaves_no_reply_behind(photos, serial):
    # If this process's own share fails while a worker works, the worker's reply is never
    # read: the team must not hand that reply to the next job, so it is replaced.
    detector = MTCNN(threads=2, parallel="processes")
    assert_same(serial["group"], detector.detect(photos["group"]), "first")
    team = detector._processes._team

    def failing(share):
        raise RuntimeError("local failure")

    assert team.try_lock()
    try:
        with pytest.raises(RuntimeError, match="local failure"):
            team.scatter("levels", detector._team_settings(), [[], [0.3]], failing)
    finally:
        team.unlock()
    assert not team.alive()
    assert_same(serial["tiled"], detector.detect(photos["tiled"]), "next")
    assert detector._processes._team is not team
    detector._processes.close()


def test_a_traced_detection_runs_here_and_starts_no_worker(photos):
    detector = MTCNN(threads=2, parallel="processes")
    traced = detector.detect(photos["group"], trace=True)
    one = MTCNN(threads=1).detect(photos["group"], trace=True)
    assert list(traced.trace) == list(one.trace)
    for name in one.trace:
        np.testing.assert_array_equal(traced.trace[name], one.trace[name], err_msg=name)
    assert detector._processes._team is None
