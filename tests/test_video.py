"""Video: the frame loop, sources, writers and the ``python -m mtcnn_np.video`` program.

The clip is built here from a bundled photo (a window panning across it, then a frame without a
face), stored as an animated PNG so that it is lossless and needs only Pillow. Only the test of
OpenCV's capture and writer is skipped when OpenCV is missing.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from conftest import read_rgb
from PIL import Image, ImageSequence

from mtcnn_np.results import Detections
from mtcnn_np.video import (
    FrameSource,
    annotate,
    detect_stream,
    main,
    open_writer,
    rescale_detections,
    run,
)


@pytest.fixture(scope="module")
def frames() -> list:
    """Six 160×160 RGB frames: the astronaut's face moving, then coffee (no face)."""
    photo = read_rgb("astronaut_small.png")                           # 200×200
    clip = [photo[y:y + 160, x:x + 160] for x, y in [(0, 0), (8, 4), (16, 8), (24, 12),
                                                      (32, 16)]]
    clip.append(np.asarray(Image.fromarray(read_rgb("coffee.jpg")).resize((160, 160))))
    return [np.ascontiguousarray(f) for f in clip]


@pytest.fixture(scope="module")
def expected(frames, detector) -> list:
    return [detector.detect(f) for f in frames]


@pytest.fixture()
def clip_file(frames, tmp_path):
    path = tmp_path / "clip.png"
    pictures = [Image.fromarray(f) for f in frames]
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=40, loop=0)
    return path


def assert_same(a: Detections, b: Detections) -> None:
    np.testing.assert_array_equal(a.boxes, b.boxes)
    np.testing.assert_array_equal(a.landmarks, b.landmarks)


# -- the loop ---------------------------------------------------------------------------------

def test_every_frame_gets_the_detectors_result(frames, expected, detector):
    results = list(detect_stream(iter(frames), detector))
    assert [r.index for r in results] == list(range(len(frames)))
    assert all(r.fresh for r in results)
    for result, truth, frame in zip(results, expected, frames):
        assert_same(result.detections, truth)
        np.testing.assert_array_equal(result.rgb, frame)
    assert [len(r.detections) for r in results] == [1, 1, 1, 1, 1, 0]


def test_every_kth_frame_reuses_the_last_faces(frames, expected, detector):
    results = list(detect_stream(frames, detector, every=3))
    assert [r.fresh for r in results] == [True, False, False, True, False, False]
    for result in results:
        source = expected[result.index - result.index % 3]        # the last detected frame
        assert_same(result.detections, source)
        assert (result.seconds > 0) == result.fresh


@pytest.mark.parametrize("ahead", [1, 2])
def test_a_pipelined_stream_gives_the_same_results_in_order(frames, expected, detector, ahead):
    import threading

    seen = set()
    detect = detector.detect

    def recording(*args, **kwargs):
        seen.add(threading.current_thread().name)
        return detect(*args, **kwargs)

    detector.detect = recording                                    # this instance only
    try:
        results = list(detect_stream(iter(frames * 2), detector, every=2, ahead=ahead))
    finally:
        del detector.detect
    assert [r.index for r in results] == list(range(2 * len(frames)))
    assert [r.fresh for r in results] == [i % 2 == 0 for i in range(2 * len(frames))]
    for result in results:
        assert_same(result.detections, expected[(result.index - result.index % 2) % len(frames)])
    assert seen and all(name.startswith("mtcnn_np-frames") for name in seen)


def test_a_pipelined_stream_stopped_early_and_bad_ahead(frames, detector):
    stream = detect_stream(frames, detector, ahead=2)
    assert next(stream).index == 0
    stream.close()                                                # no hang, the pool shuts down
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="ahead"):
            next(detect_stream(frames, detector, ahead=bad))


def test_downscaled_detection_is_mapped_back(detector):
    frame = read_rgb("grace_hopper.jpg")                          # 512×600, one 180 px face
    full = detector.detect(frame)
    (half,) = [r.detections for r in detect_stream([frame], detector, downscale=0.5)]
    assert len(full) == len(half) == 1
    x1, y1, x2, y2 = full.boxes[0]
    a1, b1, a2, b2 = half.boxes[0]
    overlap = max(0, min(x2, a2) - max(x1, a1)) * max(0, min(y2, b2) - max(y1, b1))
    union = (x2 - x1) * (y2 - y1) + (a2 - a1) * (b2 - b1) - overlap
    assert overlap / union > 0.85                                 # same face, full-frame pixels
    assert np.abs(half.landmarks - full.landmarks).max() < 5      # ≈ 1 px at the half scale


def test_rescale_uses_edges_for_boxes_and_centres_for_points():
    small = Detections(np.array([[10.0, 20, 30, 50]]), np.array([0.9], np.float32),
                       np.full((1, 5, 2), 4.0), np.full((1, 5, 2), 3.0, np.float32))
    big = rescale_detections(small, 2.0, 3.0)
    np.testing.assert_array_equal(big.boxes, [[20, 60, 60, 150]])
    # The centre of pixel 4 of the small image is the centre of pixels 8–9 (8.5) when doubled.
    np.testing.assert_array_equal(big.landmarks[0, 0], [8.5, 13.0])
    np.testing.assert_allclose(big.canonical_landmarks[0, 0], [7.5, 12.0])   # still 1 px less
    assert big.to_mtcnn()[0]["box"] == [20, 60, 40, 90]


def test_annotate_draws_faces_and_the_frame_rate(frames, detector):
    (result,) = detect_stream(frames[:1], detector)
    plain, with_rate = annotate(result), annotate(result, fps=12.5)
    assert plain.shape == frames[0].shape and (plain != frames[0]).any()
    assert (with_rate[:12, :40] != plain[:12, :40]).any()         # the rate, top left
    assert (with_rate[-40:] == plain[-40:]).all()                 # nothing else changed


# -- the program, headless ----------------------------------------------------------------------

def test_headless_run_writes_jsonl_and_an_annotated_clip(clip_file, frames, expected, tmp_path):
    lines, gif = tmp_path / "faces.jsonl", tmp_path / "annotated.gif"
    assert main([str(clip_file), "--jsonl", str(lines), "--out", str(gif), "--every", "2",
                 "--ahead", "1"]) == 0
    records = [json.loads(line) for line in lines.read_text().splitlines()]
    assert [r["frame"] for r in records] == list(range(6))
    assert [r["time"] for r in records] == [0.0, 0.04, 0.08, 0.12, 0.16, 0.2]   # 25 fps
    assert [r["detected"] for r in records] == [True, False] * 3
    for record in records:
        source = expected[record["frame"] - record["frame"] % 2]
        assert record["faces"] == json.loads(json.dumps(source.to_mtcnn()))
    with Image.open(gif) as animation:
        drawn = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(animation)]
    assert len(drawn) == 6 and drawn[0].shape == (160, 160, 3)
    x, y, w, h = records[0]["faces"][0]["box"]
    # The box's top edge is red in the GIF (palette colours are close, not exact).
    top = drawn[0][y, x + 2:x + w - 2].astype(int)
    assert (top[:, 0] > 200).mean() > 0.8 and (top[:, 1] < 90).mean() > 0.8


def test_the_program_on_worker_processes_gives_the_same_faces(clip_file, expected, tmp_path):
    lines = tmp_path / "faces.jsonl"
    assert main([str(clip_file), "--jsonl", str(lines), "--ahead", "3", "--threads", "2",
                 "--parallel", "processes"]) == 0
    records = [json.loads(line) for line in lines.read_text().splitlines()]
    assert [r["frame"] for r in records] == list(range(6))
    for record in records:
        assert record["faces"] == json.loads(json.dumps(expected[record["frame"]].to_mtcnn()))


def test_folder_source_and_folder_output(frames, tmp_path, detector):
    source = tmp_path / "frames"
    source.mkdir()
    for i, frame in enumerate(frames[:3]):
        Image.fromarray(frame).save(source / f"{i:03d}.png")
    (source / "readme.txt").write_text("not a frame")
    read = list(FrameSource(str(source)))
    assert len(read) == 3 and all((a == b).all() for a, b in zip(read, frames))
    writer = open_writer(tmp_path / "annotated", fps=10)
    stats = run(read, detector, writer=writer)
    writer.close()
    written = sorted(p.name for p in (tmp_path / "annotated").iterdir())
    assert written == ["frame_000000.png", "frame_000001.png", "frame_000002.png"]
    assert stats.frames == 3 and stats.detected == 3 and stats.faces == 3


def test_window_quits_on_q_and_max_frames_stops(frames, detector):
    class FakeWindow:                                             # stands in for cv2.imshow
        def __init__(self):
            self.shown = []

        def show(self, rgb):
            self.shown.append(rgb)
            return len(self.shown) < 2                            # "q" pressed on the 2nd frame

    window = FakeWindow()
    stats = run(frames, detector, window=window)
    assert stats.frames == 2 and len(window.shown) == 2
    assert window.shown[0].shape == frames[0].shape
    assert run(frames, detector, every=10, max_frames=4).frames == 4


def test_errors_say_what_is_needed(tmp_path, monkeypatch, capsys, frames, detector):
    assert main([str(tmp_path / "missing.mp4")]) == 2
    assert "no such video" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "cv2", None)                 # as if OpenCV were missing
    (tmp_path / "clip.mp4").write_bytes(b"")
    assert main([str(tmp_path / "clip.mp4"), "--jsonl", str(tmp_path / "x.jsonl")]) == 2
    assert "pip install opencv-python" in capsys.readouterr().err
    assert main(["0", "--jsonl", str(tmp_path / "x.jsonl")]) == 2   # a camera
    assert "needs OpenCV" in capsys.readouterr().err
    for bad in (["--every", "0"], ["--downscale", "1.5"], ["--downscale", "0"],
                ["--ahead", "-1"]):
        assert main([str(tmp_path / "clip.mp4"), *bad]) == 2
        assert "must be" in capsys.readouterr().err
    with pytest.raises(ValueError, match="every"):
        next(detect_stream(frames, detector, every=1.5))


# -- OpenCV (optional) ---------------------------------------------------------------------------

def test_opencv_video_round_trip(frames, expected, tmp_path):
    cv2 = pytest.importorskip("cv2")
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (160, 160))
    assert writer.isOpened()
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[:, :, ::-1]))     # OpenCV wants BGR
    writer.release()
    source = FrameSource(str(path))
    read = list(source)
    source.close()
    assert source.fps == pytest.approx(25) and len(read) == len(frames)
    # Frames come back RGB (not BGR): close to the originals despite the JPEG compression.
    for got, original in zip(read, frames):
        assert np.abs(got.astype(int) - original).mean() < 6
        assert np.abs(got.astype(int) - original[:, :, ::-1]).mean() > 10
    out = tmp_path / "annotated.avi"
    assert main([str(path), "--out", str(out), "--max-frames", "4"]) == 0
    capture = cv2.VideoCapture(str(out))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 4
    capture.release()
