"""Determinism and thread safety: the same input gives the same bits — run after run, with 1 or
2 BLAS threads, and from 8 threads sharing one detector."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import IMAGES, read_rgb

from mtcnn_np import MTCNN

NAMES = ["group_small.png", "grace_hopper_small.png"]


@pytest.fixture(scope="module")
def images():
    return {name: read_rgb(name) for name in NAMES}


def fingerprint(result) -> bytes:
    """Every output array's bytes (shape and dtype included), so equality means bit-identical."""
    parts = [result.boxes, result.scores, result.landmarks, result.canonical_landmarks]
    return b"|".join(f"{a.shape}{a.dtype}".encode() + np.ascontiguousarray(a).tobytes()
                     for a in parts)


def trace_digest(result) -> str:
    h = hashlib.sha256()
    for name in result.trace:
        h.update(name.encode())
        h.update(np.ascontiguousarray(result.trace[name]).tobytes())
    return h.hexdigest()


def test_same_input_same_bits(detector, images):
    another = MTCNN()
    for image in images.values():
        first = detector.detect(image, trace=True)
        assert len(first) > 0
        again = detector.detect(image, trace=True)
        fresh = another.detect(image.copy(), trace=True)          # another detector and array
        assert fingerprint(first) == fingerprint(again) == fingerprint(fresh)
        assert trace_digest(first) == trace_digest(again) == trace_digest(fresh)


def state_of(obj) -> dict:
    """Attribute name → identity, plus a digest of every parameter array of a net."""
    state = {name: id(value) for name, value in vars(obj).items()}
    for name, value in vars(obj).items():
        if hasattr(value, "params"):
            h = hashlib.sha256()
            for layer in value.params.values():
                for array in layer.values():
                    h.update(array.tobytes())
            state[f"{name}.params"] = h.hexdigest()
            state[f"{name}.vars"] = sorted(vars(value))
    return state


def test_detect_keeps_no_state_on_self(detector, images):
    before = state_of(detector)
    for image in images.values():
        detector.detect(image, trace=True)
    detector.detect_faces(list(images.values()))
    assert state_of(detector) == before


def test_one_detector_shared_by_eight_threads(detector, images):
    expected = {name: fingerprint(detector.detect(image)) for name, image in images.items()}
    start = threading.Barrier(8)

    def work(worker: int) -> tuple:
        name = NAMES[worker % len(NAMES)]             # half the threads on each image
        traced = worker % 3 == 0                      # some with a trace: it must stay per call
        start.wait()                                  # all threads detect at the same time
        result = detector.detect(images[name], trace=traced)
        if traced:
            np.testing.assert_array_equal(result.trace["input/image"], images[name])
            np.testing.assert_array_equal(result.trace["final/boxes"], result.boxes)
        return name, fingerprint(result)

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(work, range(8)))
    assert len(outcomes) == 8
    for name, bits in outcomes:
        assert bits == expected[name], name


# -- BLAS threads: set before NumPy loads, so each count runs in its own process --------------

SCRIPT = """
import hashlib, os, sys
import numpy as np
from PIL import Image
from mtcnn_np import MTCNN
rgb = np.asarray(Image.open(sys.argv[1]).convert("RGB"))
# "none": threads=None keeps the env var's BLAS count; "default": MTCNN() holds BLAS at one.
result = MTCNN(**({"threads": None} if sys.argv[2] == "none" else {})).detect(rgb, trace=True)
np.save(sys.argv[3], np.column_stack([result.boxes, result.scores]))
h = hashlib.sha256()
for name in result.trace:
    h.update(name.encode())
    h.update(np.ascontiguousarray(result.trace[name]).tobytes())
threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else -1
print(h.hexdigest(), threads)
"""

THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS")


def run_with_blas_threads(count: int, hash_seed: str, image, setting: str, out) -> tuple:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    env.update(dict.fromkeys(THREAD_VARIABLES, str(count)))
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(image), setting, str(out)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    digest, threads = done.stdout.split()
    return digest, int(threads)


def test_the_default_holds_blas_at_one_thread_and_keeps_the_bits(detector, tmp_path):
    # group.png (480×640): its P-Net matrix products are big enough for OpenBLAS to split.
    image = IMAGES / "group.png"
    here = trace_digest(detector.detect(read_rgb("group.png"), trace=True))
    one, threads_one = run_with_blas_threads(1, "0", image, "default", tmp_path / "1.npy")
    two, _ = run_with_blas_threads(2, "1", image, "default", tmp_path / "2.npy")  # another seed
    if threads_one != -1:
        assert threads_one == 1                         # the setting took effect
    assert one == two == here


def test_two_blas_threads_agree_to_float_rounding(tmp_path):
    # threads=None leaves BLAS at the env var's count. A multithreaded BLAS cuts a product
    # differently, and some kernels round a value by its place in a product (OpenBLAS's Haswell
    # kernels on an AMD Zen 5), so only the rounding may differ: same faces, same boxes to 1e-3.
    image = IMAGES / "group.png"
    run_with_blas_threads(1, "0", image, "none", tmp_path / "1.npy")
    run_with_blas_threads(2, "1", image, "none", tmp_path / "2.npy")
    one, two = np.load(tmp_path / "1.npy"), np.load(tmp_path / "2.npy")
    assert one.shape == two.shape and len(one) == 7
    np.testing.assert_allclose(two, one, rtol=0, atol=1e-3)
