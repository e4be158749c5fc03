"""The command line: ``python -m mtcnn_np PHOTO [--out FILE] [options]``."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import IMAGES, REFERENCE
from PIL import Image

from mtcnn_np.__main__ import main

GROUP = [e for e in json.loads((REFERENCE / "detections_m011.json").read_text())["entries"]
         if e["name"] == "group"][0]


def test_prints_mtcnn_json_and_draws(tmp_path, capsys):
    out = tmp_path / "annotated.png"
    assert main([str(IMAGES / "group.png"), "--out", str(out)]) == 0
    faces = json.loads(capsys.readouterr().out)
    assert [f["box"] for f in faces] == [f["box"] for f in GROUP["faces"]]
    drawn = np.asarray(Image.open(out).convert("RGB"))
    original = np.asarray(Image.open(IMAGES / "group.png").convert("RGB"))
    assert drawn.shape == original.shape
    x, y, w, h = faces[0]["box"]
    assert (drawn[y, x:x + w] != original[y, x:x + w]).any()       # the box's top edge is drawn
    assert (drawn[:5, :5] == original[:5, :5]).all()                # far from any face: untouched


def test_options_reach_the_detector(capsys):
    assert main([str(IMAGES / "group.png"), "--min-face-size", "80"]) == 0
    faces = json.loads(capsys.readouterr().out)
    assert len(faces) == 5
    assert main([str(IMAGES / "group.png"), "--thresholds", "0.6", "0.7", "0.99995"]) == 0
    assert all(f["confidence"] > 0.99995 for f in json.loads(capsys.readouterr().out))


def test_float_output(capsys):
    assert main([str(IMAGES / "grace_hopper_small.png"), "--float"]) == 0
    face = json.loads(capsys.readouterr().out)[0]
    assert len(face["box_xyxy"]) == 4 and isinstance(face["keypoints"]["nose"][0], float)


def test_no_face_prints_empty_list(capsys):
    assert main([str(IMAGES / "coffee.jpg")]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_errors_are_messages_not_tracebacks(tmp_path, capsys):
    assert main([str(tmp_path / "missing.jpg")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main([str(IMAGES / "group.png"), "--scale-factor", "1.5"]) == 2
    assert "scale_factor" in capsys.readouterr().err


def test_runs_as_module():
    command = [sys.executable, "-m", "mtcnn_np", str(IMAGES / "grace_hopper_small.png")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 1


def test_batch_options_switch_one_photo_to_json_lines(tmp_path, capsys):
    photo = str(IMAGES / "grace_hopper_small.png")
    assert main([photo, "--draw", str(tmp_path)]) == 0
    (line,) = capsys.readouterr().out.splitlines()           # one JSON line, not a list
    record = json.loads(line)
    assert record["image"] == photo and len(record["faces"]) == 1
    assert (tmp_path / "grace_hopper_small.png").is_file()


def test_threads_option_reaches_the_detectors(monkeypatch, capsys):
    import mtcnn_np.__main__ as cli
    from mtcnn_np import get_blas_threads
    from mtcnn_np.batch import Summary

    seen, batches = [], []
    stage1 = cli.MTCNN.stage1_proposals

    def recording_stage1(self, *args):
        seen.append((self.threads, get_blas_threads()))
        return stage1(self, *args)

    def fake_run_batch(inputs, jsonl, options, **kwargs):
        batches.append(options)                  # what every worker builds its MTCNN from
        return Summary()

    monkeypatch.setattr(cli.MTCNN, "stage1_proposals", recording_stage1)
    monkeypatch.setattr(cli, "run_batch", fake_run_batch)
    photo = str(IMAGES / "grace_hopper_small.png")
    assert main([photo, "--threads", "2"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 1
    # two threads for the detection, BLAS at one meanwhile (None: NumPy's BLAS can't be read)
    assert seen[0][0] == 2 and seen[0][1] in (1, None)
    assert main([photo, photo, "--jobs", "2", "--threads", "3"]) == 0
    assert batches[0].detector["threads"] == 3
    assert main([photo, "--threads", "0"]) == 0                # 0: all cores
    assert seen[-1][0] == 0
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main([photo, "--threads", "-1"])


def test_parallel_processes_from_the_command_line(capsys):
    # Run as a module, as users do: the worker process starts and the faces are those of one
    # thread.
    photo = str(IMAGES / "group.png")
    command = [sys.executable, "-m", "mtcnn_np", photo, "--threads", "2",
               "--parallel", "processes"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert main([photo]) == 0
    assert json.loads(done.stdout) == json.loads(capsys.readouterr().out)
    assert main([photo, photo, "--jobs", "2", "--parallel", "processes"]) == 2
    assert "--parallel processes works without --jobs" in capsys.readouterr().err
