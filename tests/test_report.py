"""The stage report: ``python -m mtcnn_np explain PHOTO --html FILE`` (``mtcnn_np/report/``)."""

from __future__ import annotations

import base64
import io
import re
import shutil

import numpy as np
import pytest
from browser import NO_CHROMIUM, find_chromium, render
from conftest import IMAGES
from PIL import Image

from mtcnn_np import MTCNN
from mtcnn_np.__main__ import main
from mtcnn_np.report import SECTIONS, explain, pictures, stages
from mtcnn_np.report.page import PHOTO_SIDE

IMG = re.compile(r'<img[^>]*\ssrc="([^"]*)"')
SECTION = re.compile(r'<section id="([^"]+)">\s*<h2>')


@pytest.fixture(scope="module")
def group_page(detector):
    return explain(IMAGES / "group_small.png", detector, title="group_small.png")


def decoded_images(page: str) -> list:
    """Every <img> of the page as a PIL image; fails if one is not an inlined PNG."""
    pictures_found = []
    for src in IMG.findall(page):
        assert src.startswith("data:image/png;base64,"), src[:60]
        data = base64.b64decode(src.split(",", 1)[1], validate=True)
        pictures_found.append(Image.open(io.BytesIO(data)))
        assert pictures_found[-1].format == "PNG"
    return pictures_found


def test_every_section_once_in_order(group_page):
    assert SECTION.findall(group_page) == [key for key, _ in SECTIONS]
    assert group_page.startswith("<!DOCTYPE html>") and group_page.rstrip().endswith("</html>")


def test_self_contained(group_page):
    images = decoded_images(group_page)
    assert len(images) > 20                                  # levels, photos and crops
    assert "<script" not in group_page and "url(" not in group_page
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", group_page)
    assert not re.search(r"https?:|//|file:", text)
    assert all(h.startswith("#") for h in re.findall(r'href="([^"]*)"', group_page))
    assert all(s.startswith("data:") for s in re.findall(r'src="([^"]*)"', group_page))


def test_crop_fates_reproduce_the_next_stage(detector):
    result = detector.detect(IMAGES / "group_small.png", trace=True)
    trace = result.trace
    rnet = stages.rnet_crops(trace, detector.steps_threshold, detector.nms_thresholds)
    onet = stages.onet_crops(trace, detector.steps_threshold, detector.nms_thresholds)
    assert rnet.count("kept") == len(trace["stage2/boxes"]) == len(onet.scores)
    assert onet.count("kept") == len(result) == 7
    assert rnet.count("threshold") > 0 and rnet.count("nms") > 0 and onet.count("nms") > 0
    assert (rnet.scores[rnet.fates == "threshold"] <= detector.steps_threshold[1]).all()
    assert rnet.pixels.shape == (len(rnet.scores), 24, 24, 3) and rnet.pixels.dtype == np.uint8


def test_funnel_counts_and_page(detector, group_page):
    trace = detector.detect(IMAGES / "group_small.png", trace=True).trace
    rows = stages.funnel(trace, detector.steps_threshold)
    counts = [count for _, count, _ in rows]
    assert counts == sorted(counts, reverse=True) and counts[-1] == 7
    windows = sum(trace[k].shape[-1] * trace[k].shape[-2] for k in trace if k.endswith("prob1")
                  and k.startswith("pnet/"))
    assert counts[0] == windows > 1000
    funnel = group_page.split('<section id="funnel">')[1]
    for label, count, _ in rows:
        assert f"<td class=text>{label}</td><td>{count:,}</td>" in funnel.replace("&gt;", ">")


def test_faces_section_lists_the_detections(detector, group_page):
    faces = detector.detect_faces(IMAGES / "group_small.png")
    section = group_page.split('<section id="faces">')[1].split("</section>")[0]
    assert section.count("<tr>") == len(faces) + 1
    assert all(str(face["box"]) in section for face in faces)


def test_no_face_is_a_valid_report_saying_so(detector):
    page = explain(IMAGES / "coffee.jpg", detector)
    assert SECTION.findall(page) == [key for key, _ in SECTIONS]
    faces = page.split('<section id="faces">')[1]
    assert "No face found" in faces and "O-Net &gt; t3" in faces   # 2 reach O-Net, none pass
    decoded_images(page)
    tiny = explain(np.zeros((8, 8, 3), np.uint8), detector)
    assert "smaller than P-Net" in tiny and "No face found" in tiny
    assert SECTION.findall(tiny) == [key for key, _ in SECTIONS]


def test_big_photo_stays_small(tmp_path):
    big = tmp_path / "big.png"
    Image.open(IMAGES / "group.png").convert("RGB").resize((2560, 1920)).save(big)
    page = explain(big, MTCNN(min_face_size=80), max_crops=10)
    assert len(page) < 3_000_000
    images = decoded_images(page)
    assert max(max(im.size) for im in images) <= PHOTO_SIDE
    assert page.count('class="crop"') <= 20
    assert "Showing 10 of" in page


def test_title_is_escaped(detector):
    page = explain(IMAGES / "grace_hopper_small.png", detector, title="<b>me</b>")
    assert "&lt;b&gt;me&lt;/b&gt;" in page and "<b>me" not in page
    with pytest.raises(ValueError, match="max_crops"):
        explain(IMAGES / "grace_hopper_small.png", detector, max_crops=-1)


def test_heat_map_is_painted_at_the_window_centre():
    prob = np.zeros((4, 5), np.float32)
    prob[2, 3] = 1.0                                # window at level rows 4…15, cols 6…17
    level = np.full((20, 22, 3), 128, np.uint8)
    heat = np.asarray(pictures.heat_over_level(level, prob)).sum(axis=2)
    rows, cols = np.nonzero(heat == heat.max())
    assert set(rows) == {9, 10} and set(cols) == {11, 12}       # centre pixels 2i+5, 2i+6
    assert (pictures.colourise(np.array([0.0, 1.0])).sum(axis=1) == [4, 671]).all()


def test_cli_writes_the_report(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["explain", str(IMAGES / "grace_hopper_small.png"), "--html", str(out),
                 "--min-face-size", "30", "--scale-factor", "0.6",
                 "--thresholds", "0.6", "0.7", "0.9"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "min_face_size 30, scale_factor 0.6, thresholds P/R/O 0.6 / 0.7 / 0.9" in page
    assert "wrote" in capsys.readouterr().err


def test_cli_errors(tmp_path, capsys):
    out = str(tmp_path / "r.html")
    assert main(["explain", str(tmp_path / "missing.jpg"), "--html", out]) == 2
    assert "not found" in capsys.readouterr().err
    photo = str(IMAGES / "grace_hopper_small.png")
    assert main(["explain", photo, "--html", out, "--scale-factor", "2"]) == 2
    assert "scale_factor" in capsys.readouterr().err
    assert main(["explain", photo, "--html", str(tmp_path / "no" / "dir" / "r.html")]) == 2
    assert "cannot write --html" in capsys.readouterr().err
    assert main(["explain", str(IMAGES), "--html", out]) == 2          # a folder is no photo
    assert "not a file" in capsys.readouterr().err
    with pytest.raises(SystemExit):                  # --html is required
        main(["explain", photo])
    assert "--html" in capsys.readouterr().err


def test_a_photo_named_explain_is_reached_as_a_path(tmp_path, monkeypatch, capsys):
    shutil.copy(IMAGES / "grace_hopper_small.png", tmp_path / "explain")
    monkeypatch.chdir(tmp_path)
    assert main(["./explain"]) == 0                  # detection, not the report
    assert '"box"' in capsys.readouterr().out
    with pytest.raises(SystemExit):                  # the word itself is the command
        main(["explain"])


@pytest.mark.skipif(find_chromium() is None, reason=NO_CHROMIUM)
def test_report_renders_in_headless_chromium(tmp_path, group_page):
    page = tmp_path / "report.html"
    page.write_text(group_page, encoding="utf-8")
    shown = render(page, tmp_path / "report.png", width=1280, height=2400)
    assert shown.console == []
    assert re.findall(r'<section id="([^"]+)"', shown.dom) == [key for key, _ in SECTIONS]
    assert len(re.findall(r"<img ", shown.dom)) == len(IMG.findall(group_page))
    pixels = np.asarray(Image.open(shown.png).convert("RGB"))
    assert pixels.shape == (2400, 1280, 3)
    assert pixels.std() > 20                                      # not a blank page
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 1000                                    # photos, not just text
