"""``bgr=`` in the helpers: BGR(A) arrays in, BGR arrays out; the default follows the detector."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import IMAGES, read_rgb
from PIL import Image

from mtcnn_np import MTCNN
from mtcnn_np.align import align_faces, crop_faces
from mtcnn_np.batch import Job, Options, process_image
from mtcnn_np.colour import LikelyBGRWarning
from mtcnn_np.draw import draw_detections
from mtcnn_np.image import wants_bgr
from mtcnn_np.video import FolderWriter, annotate, detect_downscaled, detect_stream


@pytest.fixture(scope="module")
def rgb():
    return read_rgb("astronaut_small.png")


@pytest.fixture(scope="module")
def bgr(rgb):
    return np.ascontiguousarray(rgb[:, :, ::-1])


@pytest.fixture(scope="module")
def bgr_detector():
    """A detector built for OpenCV's frames."""
    return MTCNN(channel_order="bgr")


def test_default_follows_the_detector():
    assert wants_bgr(None) is False and wants_bgr(None, object()) is False
    assert wants_bgr(None, SimpleNamespace(channel_order="bgr")) is True
    assert wants_bgr(None, SimpleNamespace(channel_order="rgb")) is False
    assert wants_bgr(True, SimpleNamespace(channel_order="rgb")) is True     # explicit wins
    assert wants_bgr(False, SimpleNamespace(channel_order="bgr")) is False
    with pytest.raises(TypeError, match="bgr must be"):
        wants_bgr("yes")


def test_crops_in_and_out_in_bgr(detector, rgb, bgr):
    faces = detector.detect(rgb)
    for crop in (align_faces, crop_faces):
        expected = crop(rgb, faces)
        assert np.array_equal(crop(rgb, faces, bgr=False), expected)
        out = crop(bgr, faces, bgr=True)
        assert out.flags.c_contiguous and np.array_equal(out, expected[..., ::-1])
        bgra = np.concatenate([bgr, np.full(bgr.shape[:2] + (1,), 7, np.uint8)], axis=2)
        assert np.array_equal(crop(bgra, faces, bgr=True), out)          # alpha dropped
        assert not np.array_equal(crop(bgr, faces), expected)            # the flag matters
    with pytest.raises(ValueError, match="arrays only"):
        align_faces(IMAGES / "astronaut_small.png", faces, bgr=True)


def test_drawing_in_bgr_keeps_the_colours(detector, rgb, bgr):
    faces = detector.detect_faces(rgb)
    expected = np.asarray(draw_detections(rgb, faces))
    out = draw_detections(bgr, faces, bgr=True)
    assert isinstance(out, np.ndarray) and out.dtype == np.uint8 and out.shape == rgb.shape
    assert np.array_equal(out, expected[..., ::-1])
    x, y = faces[0]["box"][:2]
    assert list(out[y, x + 5]) == [0x30, 0x30, 0xFF]                    # red box: (B, G, R)
    assert isinstance(draw_detections(rgb, faces), Image.Image)          # default unchanged


def test_video_stream_with_a_bgr_detector(detector, bgr_detector, rgb, bgr, tmp_path):
    plain = list(detect_stream([rgb, rgb], detector, every=2))
    swapped = list(detect_stream([bgr, bgr], bgr_detector, every=2))    # default: detector's
    for a, b in zip(plain, swapped):
        assert b.bgr and not a.bgr
        assert a.detections.to_mtcnn() == b.detections.to_mtcnn() and len(a.detections) == 1
        assert np.array_equal(b.rgb, rgb) and np.array_equal(b.frame, bgr)
        assert np.array_equal(annotate(b, fps=5.0), annotate(a, fps=5.0)[..., ::-1])
        assert np.array_equal(annotate(b, bgr=False), annotate(a))
    explicit = next(detect_stream([bgr], detector, bgr=True))
    assert explicit.detections.to_mtcnn() == plain[0].detections.to_mtcnn()
    small = detect_downscaled(detector, rgb, 0.5)
    assert detect_downscaled(bgr_detector, bgr, 0.5).to_mtcnn() == small.to_mtcnn()
    assert detect_downscaled(bgr_detector, rgb, 0.5, bgr=False).to_mtcnn() == small.to_mtcnn()
    writer = FolderWriter(tmp_path, bgr=True)                            # BGR frames in
    writer.write(bgr)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "frame_000000.png")), rgb)


def test_folder_job_reads_files_as_rgb_whatever_the_detector(detector, bgr_detector):
    job = Job(str(IMAGES / "astronaut_small.png"), "astronaut_small", ".png")
    assert process_image(job, bgr_detector, Options()) == process_image(job, detector, Options())


def test_plots_show_bgr_in_the_right_colours(rgb, bgr):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from mtcnn_np.plotting import show_crops, show_image

    assert np.array_equal(show_image(bgr, bgr=True).images[0].get_array(), rgb)
    figure = show_crops(bgr[None, :40, :40], bgr=True)
    assert np.array_equal(figure.axes[0].images[0].get_array(), rgb[:40, :40])
    matplotlib.pyplot.close("all")


def test_a_bgr_detector_reads_bgr_frames_with_no_per_call_flag(detector, bgr_detector, rgb, bgr):
    # The webcam loop: detect_faces(frame) on OpenCV's frames, as they come.
    expected = detector.detect_faces(rgb)
    assert expected
    assert bgr_detector.detect_faces(bgr) == expected
    assert bgr_detector.detect_faces(bgr, bgr=True) == expected            # explicit agrees
    assert bgr_detector.detect_faces(rgb, bgr=False) == expected           # explicit wins
    assert bgr_detector.detect_faces([bgr, bgr]) == [expected, expected]
    assert bgr_detector.detect_faces(str(IMAGES / "astronaut_small.png")) == expected  # files: RGB
    with pytest.warns(LikelyBGRWarning):                # the trap: BGR read as RGB, flagged
        assert detector.detect_faces(bgr) != expected


def test_channel_order_is_checked_and_shown():
    assert MTCNN(channel_order="BGR").channel_order == "bgr"
    assert "channel_order='bgr'" in repr(MTCNN(channel_order="bgr"))
    assert "channel_order" not in repr(MTCNN())
    with pytest.raises(ValueError, match="channel_order must be 'rgb' or 'bgr'"):
        MTCNN(channel_order="bgra")
