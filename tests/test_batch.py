"""Folders of photos: ``python -m mtcnn_np DIR… --jsonl out.jsonl [--crops] [--draw] [--jobs]``."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import IMAGES
from PIL import Image

from mtcnn_np.__main__ import main
from mtcnn_np.batch import Progress, find_images

READABLE = ["astronaut_small.png", "coffee.jpg", "grace_hopper_small.png",
            "sub/astronaut_small.png"]
UNREADABLE = ["corrupt.jpg", "fake.png"]


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    """A folder like a user's: photos, a subfolder, a truncated JPEG, text named .png, notes."""
    folder = tmp_path_factory.mktemp("photos")
    (folder / "sub").mkdir()
    for name in READABLE:
        shutil.copy(IMAGES / Path(name).name, folder / name)
    (folder / "corrupt.jpg").write_bytes((IMAGES / "coffee.jpg").read_bytes()[:3000])
    (folder / "fake.png").write_text("not an image\n")
    (folder / "notes.txt").write_text("holiday photos\n")
    return folder


@pytest.fixture(scope="module")
def first_run(photos, tmp_path_factory):
    """One run over the folder with crops and drawings: (output folder, stderr text)."""
    out = tmp_path_factory.mktemp("out")
    capture = io.StringIO()
    old, sys.stderr = sys.stderr, capture
    try:
        code = main([str(photos), "--jsonl", str(out / "faces.jsonl"), "--crops",
                     str(out / "crops"), "--draw", str(out / "drawn")])
    finally:
        sys.stderr = old
    assert code == 0, capture.getvalue()
    return out, capture.getvalue()


def read_lines(path: Path) -> list:
    return [json.loads(line) for line in path.read_text().splitlines()]


def without_files(path: Path) -> str:
    """The file's lines as a run without --crops/--draw writes them."""
    records = [{k: v for k, v in r.items() if k not in ("crops", "drawing")}
               for r in read_lines(path)]
    return "".join(json.dumps(r) + "\n" for r in records)


def test_one_line_per_image_in_mtcnn_format(photos, first_run, detector):
    out, stderr = first_run
    records = read_lines(out / "faces.jsonl")
    expected = sorted(READABLE + UNREADABLE, key=lambda n: (n.count("/"), n))
    assert [r["image"] for r in records] == [str(photos / n) for n in expected]  # no notes.txt
    for record in records:
        name = Path(record["image"]).relative_to(photos).as_posix()
        if name in UNREADABLE:
            assert record["faces"] == [] and name.split("/")[-1] in record["error"]
            assert f"warning: skipped {record['image']}" in stderr      # named on stderr
        else:
            assert "error" not in record
            faces = json.loads(json.dumps(detector.detect_faces(photos / name)))
            assert record["faces"] == faces
    counts = {Path(r["image"]).name: len(r["faces"]) for r in records}
    assert counts["astronaut_small.png"] == 1 and counts["coffee.jpg"] == 0
    assert "6 images: 6 processed (2 unreadable)" in stderr
    assert "\r" not in stderr                               # no progress bar off a terminal


def test_crops_and_drawings_are_written(photos, first_run):
    out, _ = first_run
    crops = sorted(p.relative_to(out / "crops").as_posix() for p in (out / "crops").rglob("*.png"))
    assert crops == ["astronaut_small_0.png", "grace_hopper_small_0.png",
                     "sub/astronaut_small_0.png"]
    crop = np.asarray(Image.open(out / "crops" / crops[0]))
    assert crop.shape == (112, 112, 3)
    drawn = sorted(p.relative_to(out / "drawn").as_posix() for p in (out / "drawn").rglob("*.*"))
    assert drawn == ["astronaut_small.png", "coffee.jpg", "grace_hopper_small.png",
                     "sub/astronaut_small.png"]
    original = np.asarray(Image.open(photos / "astronaut_small.png").convert("RGB"))
    annotated = np.asarray(Image.open(out / "drawn" / "astronaut_small.png").convert("RGB"))
    assert annotated.shape == original.shape and (annotated != original).any()


def test_resume_skips_what_is_done_and_redoes_a_cut_line(photos, first_run, tmp_path):
    out, _ = first_run
    lines = without_files(out / "faces.jsonl").splitlines(keepends=True)
    # Interrupted run: two complete lines (the first altered, to see it is not recomputed),
    # then a line cut in the middle.
    marked = json.dumps({"image": json.loads(lines[0])["image"], "faces": ["kept"]}) + "\n"
    partial = tmp_path / "faces.jsonl"
    partial.write_text(marked + lines[1] + lines[2][:25])
    capture = io.StringIO()
    old, sys.stderr = sys.stderr, capture
    try:
        assert main([str(photos), "--jsonl", str(partial)]) == 0
        assert main([str(photos), "--jsonl", str(partial)]) == 0          # nothing left to do
    finally:
        sys.stderr = old
    assert partial.read_text() == marked + "".join(lines[1:])
    assert "4 processed (2 unreadable), 2 already done" in capture.getvalue()
    assert "0 processed (0 unreadable), 6 already done" in capture.getvalue()


def test_several_processes_give_the_same_file(photos, first_run, tmp_path):
    out, _ = first_run
    target = tmp_path / "faces.jsonl"
    command = [sys.executable, "-m", "mtcnn_np", str(photos), "--jsonl", str(target),
               "--jobs", "2"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert target.read_text() == without_files(out / "faces.jsonl")
    assert "\r" not in done.stderr and "warning: skipped" in done.stderr


def test_plain_crops_and_output_to_stdout(photos, tmp_path, capsys):
    files = [str(photos / "astronaut_small.png"), str(photos / "coffee.jpg")]
    assert main(files + ["--crops", str(tmp_path), "--plain-crops", "--crop-size", "64"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["image"] for r in records] == files
    crop = np.asarray(Image.open(tmp_path / "astronaut_small_0.png"))
    assert crop.shape == (64, 64, 3)


def test_float_output_in_batch(photos, capsys):
    assert main([str(photos / "sub"), "--float"]) == 0
    face = json.loads(capsys.readouterr().out)["faces"][0]
    assert set(face) == {"box_xyxy", "confidence", "keypoints"}


def test_output_names_stay_unique(tmp_path):
    folder, other = tmp_path / "in", tmp_path / "other"
    (folder / "x").mkdir(parents=True)
    other.mkdir()
    for path in (folder / "a.jpg", folder / "a.png", folder / "b.png", folder / "x" / "a.png",
                 other / "a.png"):
        path.write_bytes(b"")
    jobs = find_images([folder, folder / "b.png", other / "a.png"])   # b.png twice: once
    assert [j.stem for j in jobs] == ["a", "a_png", "b", "x/a", "a_png_2"]
    assert [j.path for j in jobs] == [str(p) for p in (
        folder / "a.jpg", folder / "a.png", folder / "b.png", folder / "x" / "a.png",
        other / "a.png")]


def test_bad_inputs_are_messages(tmp_path, capsys):
    assert main([str(tmp_path / "missing"), "--jsonl", str(tmp_path / "o.jsonl")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert main([str(tmp_path)]) == 2
    assert "no images found" in capsys.readouterr().err
    assert main([str(tmp_path), str(IMAGES / "coffee.jpg"), "--out", "x.png"]) == 2
    assert "--draw" in capsys.readouterr().err


def test_progress_bar():
    stream = io.StringIO()
    bar = Progress(3, stream, enabled=True, initial=1, every=0)
    bar.update()
    bar.write("warning: something")
    bar.update()
    bar.close()
    text = stream.getvalue()
    assert text.startswith("\r[") and "2/3" in text and "3/3 100%" in text
    assert "warning: something\n" in text and text.endswith("\n")
    quiet = io.StringIO()                       # not a terminal: only messages, no bar
    bar = Progress(3, quiet)
    bar.update()
    bar.write("warning: x")
    bar.close()
    assert quiet.getvalue() == "warning: x\n"


def run_quietly(argv: list) -> str:
    """``main(argv)`` with its stderr captured; asserts success and returns the stderr text."""
    capture = io.StringIO()
    old, sys.stderr = sys.stderr, capture
    try:
        code = main(argv)
    finally:
        sys.stderr = old
    assert code == 0, capture.getvalue()
    return capture.getvalue()


def test_lines_record_the_files_they_wrote(photos, first_run):
    out, _ = first_run
    for record in read_lines(out / "faces.jsonl"):
        if "error" in record:                       # nothing written for an unreadable file
            assert "crops" not in record and "drawing" not in record
            continue
        assert len(record["crops"]) == len(record["faces"])
        assert all(Path(p).is_file() and Path(p).parent.is_relative_to(out / "crops")
                   for p in record["crops"])
        assert Path(record["drawing"]).is_file()
        assert Path(record["drawing"]).name == Path(record["image"]).name
    assert read_lines(out / "faces.jsonl")[0]["crops"] == [str(out / "crops" /
                                                               "astronaut_small_0.png")]


def test_resume_adds_outputs_asked_for_later(photos, first_run, tmp_path):
    out, _ = first_run
    jsonl = tmp_path / "faces.jsonl"
    run_quietly([str(photos), "--jsonl", str(jsonl)])
    crops, drawn = tmp_path / "crops", tmp_path / "drawn"
    # Same command plus --crops/--draw: the 4 readable photos are redone, their lines replaced
    # in place (no duplicates); the unreadable ones have nothing to add.
    err = run_quietly([str(photos), "--jsonl", str(jsonl), "--crops", str(crops),
                       "--draw", str(drawn)])
    assert "4 processed (0 unreadable), 2 already done" in err
    expected = (out / "faces.jsonl").read_text().replace(str(out), str(tmp_path))
    assert jsonl.read_text() == expected
    assert not list(tmp_path.glob("*.tmp"))
    err = run_quietly([str(photos), "--jsonl", str(jsonl), "--crops", str(crops),
                       "--draw", str(drawn)])
    assert "0 processed (0 unreadable), 6 already done" in err
    # A deleted crop is written again; only that image is redone.
    (crops / "sub" / "astronaut_small_0.png").unlink()
    err = run_quietly([str(photos), "--jsonl", str(jsonl), "--crops", str(crops)])
    assert "1 processed (0 unreadable), 5 already done" in err
    assert (crops / "sub" / "astronaut_small_0.png").is_file()
    records = read_lines(jsonl)
    assert len(records) == 6 and "drawing" not in records[-1]   # the redone line: this run's


def test_name_collisions_are_resolved_and_recorded(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    shutil.copy(IMAGES / "astronaut_small.png", one / "a.png")
    Image.open(IMAGES / "grace_hopper_small.png").convert("RGB").save(one / "a.jpg")
    shutil.copy(IMAGES / "group_small.png", two / "a.png")
    names = []
    for run in ("first", "second"):                 # same inputs → the same names every time
        target = tmp_path / run
        run_quietly([str(one), str(two), "--jsonl", str(target / "f.jsonl"),
                     "--crops", str(target / "c"), "--draw", str(target / "d")])
        records = read_lines(target / "f.jsonl")
        names.append([([Path(p).relative_to(target).as_posix() for p in r["crops"]],
                       Path(r["drawing"]).relative_to(target).as_posix()) for r in records])
        written = sorted(p.relative_to(target).as_posix() for p in target.rglob("*.*")
                         if p.suffix != ".jsonl")
        recorded = sorted([d for _, d in names[-1]] + [c for cs, _ in names[-1] for c in cs])
        assert written == recorded                  # every file written is in a line, none lost
    assert names[0] == names[1]
    first, second, third = names[0]                 # one/a.jpg, one/a.png, two/a.png
    assert first == (["c/a_0.png"], "d/a.jpg")
    assert second == (["c/a_png_0.png"], "d/a_png.png")
    assert third[1] == "d/a_png_2.png" and third[0][0] == "c/a_png_2_0.png"
    assert len(third[0]) > 1                        # the group photo: several crops


def test_case_insensitive_names_do_not_collide(tmp_path):
    for name in ("A.jpg", "a.png"):
        (tmp_path / name).write_bytes(b"")
    assert [j.stem for j in find_images([tmp_path])] == ["A", "a_png"]


def test_replacing_lines_leaves_one_per_image(tmp_path):
    from mtcnn_np.batch import replace_lines

    jsonl = tmp_path / "f.jsonl"
    old = [{"image": "a", "faces": []}, {"image": "b", "faces": []}, {"image": "a", "faces": []}]
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in old) + "not json\n")
    replace_lines(jsonl, {"a": {"image": "a", "faces": [], "crops": []}})
    assert jsonl.read_text().splitlines() == [
        '{"image": "a", "faces": [], "crops": []}', '{"image": "b", "faces": []}', "not json"]


def test_help_names_the_float_keys(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "'box_xyxy' [x1, y1, x2, y2]" in text and "--dask ADDRESS" in text
