"""The work on one image (``record_for``: a path in, a JSON record out, crops and drawing
written) and the pool of spawned worker processes that runs it, one detector per process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..align import align_faces, crop_faces
from ..detector import MTCNN
from ..draw import draw_detections
from ..image import load_image
from ..landmarks import NAMES
from .jobs import Job, Options, output_paths


def record_for(job: Job, options: Options) -> dict:
    """The whole job for one image in any worker: this process's detector (built on first use,
    then kept) and ``process_image``. Every executor (this module's pool, Dask, …) calls it."""
    return process_image(job, worker_detector(options.detector), options)


def worker_detector(settings: dict) -> MTCNN:
    """One detector per process and per set of ``MTCNN`` keyword arguments, built lazily: the
    weights are read from the installed package in each worker instead of being pickled with
    every task (``pickle.dumps(MTCNN())`` works too, but is ~2 MB)."""
    key = repr(sorted(settings.items()))
    if _worker.get("key") != key:
        _worker["detector"], _worker["key"] = MTCNN(**settings), key
    return _worker["detector"]


def process_image(job: Job, detector: MTCNN, options: Options) -> dict:
    """Detect in one image, write its crops and drawing; return its output record."""
    try:
        rgb = load_image(job.path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is reported, never fatal
        return {"image": job.path, "faces": [], "error": str(exc) or type(exc).__name__}
    result = detector.detect(rgb, bgr=False)        # files decode to RGB, whatever the detector
    faces = result.to_mtcnn()
    record = {"image": job.path, "faces": float_faces(result) if options.float_output else faces}
    paths = output_paths(job, options, len(result))
    if paths.get("crops"):
        _write_crops(rgb, result, paths["crops"], options)
    if "drawing" in paths:
        _write_drawing(rgb, faces, paths["drawing"])
    record.update(paths)
    return record


def float_faces(result) -> list:
    """The array form as JSON-friendly dicts: [x1, y1, x2, y2] floats, accurate landmarks."""
    return [{"box_xyxy": [round(float(v), 3) for v in box], "confidence": float(score),
             "keypoints": {n: [round(float(a), 3) for a in p] for n, p in zip(NAMES, points)}}
            for box, score, points in zip(result.boxes, result.scores, result.landmarks)]


def _write_crops(rgb, result, targets: list, options: Options) -> None:
    from PIL import Image

    if options.plain_crops:
        crops = crop_faces(rgb, result, options.crop_size or 160, options.margin)
    else:
        crops = align_faces(rgb, result, options.crop_size or 112)
    Path(targets[0]).parent.mkdir(parents=True, exist_ok=True)
    for crop, target in zip(crops, targets):
        Image.fromarray(crop).save(target)


def _write_drawing(rgb, faces: list, target: str) -> None:
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    extra = {"quality": 95} if target.lower().endswith((".jpg", ".jpeg")) else {}
    draw_detections(rgb, faces).save(target, **extra)


_worker: dict = {}


def _init_worker(options: Options) -> None:
    """Pool initializer: one detector per process, built once."""
    _worker["options"] = options
    worker_detector(options.detector)


def _work(job: Job) -> dict:
    return record_for(job, _worker["options"])


def _results(jobs: list, options: Options, processes: int, detector: MTCNN | None
             ) -> Iterator[dict]:
    """Records in input order, from this process or from a pool of ``processes``."""
    if processes <= 1 or len(jobs) <= 1:
        detector = detector or worker_detector(options.detector)
        for job in jobs:
            yield process_image(job, detector, options)
        return
    # "spawn": fresh interpreters that read the BLAS settings below when they import NumPy
    # (forked ones would inherit the parent's BLAS threads).
    context = multiprocessing.get_context("spawn")
    with _one_blas_thread_each():
        pool = context.Pool(min(processes, len(jobs)), _init_worker, (options,))
    with pool:
        yield from pool.imap(_work, jobs, chunksize=1)


BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def _one_blas_thread_each():
    """Workers start with one BLAS thread each (unless the user set a count): N processes with
    several BLAS threads apiece would fight over the cores and run slower than one process."""
    saved = {name: os.environ.get(name) for name in BLAS_THREAD_VARIABLES}
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
