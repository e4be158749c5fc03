"""Many photos at once: detect in every image of some folders, one JSON line per image.

``python -m mtcnn_np DIR_OR_FILES… --jsonl out.jsonl [--crops DIR] [--draw DIR] [--jobs N]``
(the argument parsing is in ``__main__.py``; the work is here).

* Inputs: files are taken as given; folders are walked (sorted, recursively) for files with an
  image extension (``IMAGE_EXTENSIONS``), so a stray ``notes.txt`` is not an error.
* Output: JSON Lines, one object per image, in input order —
  ``{"image": path, "faces": [...]}`` with the faces in the ``mtcnn`` format (or the float form
  with ``--float``), and ``{"image": path, "faces": [], "error": "why"}`` for a file that could
  not be read (a warning names it on stderr and the run carries on).
* Resumable: images that already have a line in the output file are skipped, so rerunning the
  same command after an interruption finishes the job. Each line is flushed when written; a
  half-written last line (the run was killed) is dropped and redone. An image whose line lacks
  an output asked for now (``--crops``/``--draw`` added, or its files deleted) is detected
  again and its line is *replaced* (the file is rewritten at the end of the run), never repeated.
* ``--jobs N`` runs N worker processes, each with its own detector and (by default) one BLAS thread;
  results come back in input order, so the output is the same as with one process. (Workers
  are *spawned*: a script calling ``run_batch`` with several processes needs the usual
  ``if __name__ == "__main__":`` guard.)
* ``--crops DIR``: aligned 112×112 crops (``align.py``), or plain square crops; ``--draw DIR``:
  the photos with boxes and landmarks drawn. Both mirror the input folders' structure; the line
  records the files written (``"crops": [...]``, ``"drawing": ...``). Two inputs with the same
  name (``a.jpg`` and ``a.png``, or one name under two input folders) get distinct names, decided
  by input order alone (``_unique_jobs``), so a rerun of the same command picks the same names.
* Other executors: ``record_for(job, options)`` is the whole per-image job (a path in, a JSON
  record out, one detector per process); ``run_batch(..., results=...)`` lets another engine
  produce the records (``distributed.py``: Dask) while resume and writing stay here.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .align import align_faces, crop_faces
from .detector import MTCNN
from .draw import draw_detections
from .image import load_image
from .landmarks import NAMES

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff",
                              ".webp", ".ppm", ".pgm", ".pbm"})


@dataclass(frozen=True)
class Job:
    """One image to do: ``path`` as written to the output, ``stem`` for its crop/drawing files
    (relative, no extension, unique within a run), ``suffix`` its extension."""

    path: str
    stem: str
    suffix: str


@dataclass(frozen=True)
class Options:
    """What each worker needs to know (picklable: sent once to every process)."""

    detector: dict = field(default_factory=dict)   # MTCNN(**detector)
    float_output: bool = False                     # float boxes and accurate landmarks
    crops: str | None = None                       # folder for crops
    plain_crops: bool = False                      # square crops instead of aligned ones
    crop_size: int | None = None                   # default: 112 aligned, 160 plain
    margin: float = 0.2                            # plain crops: fraction of the box per side
    draw: str | None = None                        # folder for annotated images


@dataclass
class Summary:
    """Counts of one run: ``total`` images found, ``skipped`` (already in the output), ``done``
    now, ``errors`` (unreadable, among ``done``), ``faces`` found now, ``seconds``."""

    total: int = 0
    skipped: int = 0
    done: int = 0
    errors: int = 0
    faces: int = 0
    seconds: float = 0.0


# -- finding the images ------------------------------------------------------------------------

def find_images(inputs: list) -> list:
    """Jobs for the files and folders in ``inputs``, in order; folders walked recursively.

    Raises ValueError for an input that does not exist.
    """
    found = []                                      # (path, relative name)
    for item in map(Path, inputs):
        if item.is_dir():
            for root, dirs, files in os.walk(item):
                dirs.sort()
                for name in sorted(files):
                    if Path(name).suffix.lower() in IMAGE_EXTENSIONS:
                        path = Path(root) / name
                        found.append((str(path), path.relative_to(item)))
        elif item.exists():
            found.append((str(item), Path(item.name)))
        else:
            raise ValueError(f"no such file or folder: {item}")
    return _unique_jobs(found)


def _unique_jobs(found: list) -> list:
    """Drop repeated paths and give every image its own output stem: ``a/b`` for ``a/b.jpg``,
    then ``a/b_png`` for a later ``a/b.png``, then ``…_2``, ``…_3``: the first comes first in
    input order (folders sorted), so the names depend on the inputs only. Stems are compared
    case-folded, so ``A.jpg`` and ``a.png`` do not overwrite each other on macOS or Windows."""
    jobs, seen_paths, taken = [], set(), set()
    for path, rel in found:
        if path in seen_paths:
            continue
        seen_paths.add(path)
        plain = rel.with_suffix("").as_posix()
        alternative = plain + rel.suffix.replace(".", "_")
        stem, n = (plain if plain.casefold() not in taken else alternative), 2
        while stem.casefold() in taken:
            stem, n = f"{alternative}_{n}", n + 1
        taken.add(stem.casefold())
        jobs.append(Job(path, stem, rel.suffix.lower()))
    return jobs


# -- resuming ---------------------------------------------------------------------------------

def done_images(jsonl: Path, warn=None) -> set:
    """Paths that already have a line in ``jsonl`` (see ``done_records``)."""
    return set(done_records(jsonl, warn))


def done_records(jsonl: Path, warn=None) -> dict:
    """The records already in ``jsonl``, by image path (empty if the file does not exist).

    A last line without its newline was cut off mid-write: it is removed from the file so that
    appending starts on a fresh line, and that image is done again.
    """
    if not jsonl.exists():
        return {}
    data = jsonl.read_bytes()
    complete = data[:data.rfind(b"\n") + 1]
    if len(complete) != len(data):
        with open(jsonl, "r+b") as f:
            f.truncate(len(complete))
    done = {}
    for number, line in enumerate(complete.decode("utf-8", "replace").splitlines(), 1):
        try:
            record = json.loads(line)
            done[record["image"]] = record
        except (ValueError, KeyError, TypeError):
            if line.strip() and warn:
                warn(f"warning: {jsonl}:{number} is not a result line; ignored")
    return done


def lacks_outputs(record: dict, job: Job, options: Options) -> bool:
    """True when ``record`` (a line from an earlier run) misses a file asked for now.

    We detect again rather than crop from the line's faces: the line holds the ``mtcnn``
    format's integer keypoints (or rounded floats), from which aligned crops would differ by up
    to a pixel from those of a fresh run. Detection is deterministic, so the faces are the same.
    Unreadable images (an ``"error"`` line) have nothing to add.
    """
    if "error" in record or not isinstance(record.get("faces"), list):
        return False
    wanted = output_paths(job, options, len(record["faces"]))
    for key, paths in wanted.items():
        if record.get(key) != paths or not all(map(os.path.exists, _as_list(paths))):
            return True
    return False


def _as_list(paths) -> list:
    return paths if isinstance(paths, list) else [paths]


def output_paths(job: Job, options: Options, faces: int) -> dict:
    """The files an image with ``faces`` faces gets: ``{"crops": [...], "drawing": path}``,
    only the keys asked for (``"crops": []`` for no face). These are the line's extra keys."""
    paths = {}
    if options.crops:
        base = Path(options.crops) / job.stem
        paths["crops"] = [f"{base}_{k}.png" for k in range(faces)]   # k = 0 is the best face
    if options.draw:
        # Keep the photo's format when Pillow writes it as RGB; otherwise PNG.
        suffix = job.suffix if job.suffix in DRAWING_FORMATS else ".png"
        paths["drawing"] = str(Path(options.draw) / (job.stem + suffix))
    return paths


DRAWING_FORMATS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})


# -- one image (runs in the worker processes) -----------------------------------------------------

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


# -- the run ----------------------------------------------------------------------------------

Results = Callable[[list, Options], Iterator[dict]]


def run_batch(inputs: list, jsonl: str | None, options: Options, processes: int = 1,
              stderr: TextIO | None = None, stdout: TextIO | None = None,
              progress: bool | None = None, detector: MTCNN | None = None,
              results: Results | None = None) -> Summary:
    """Process every image of ``inputs``; append a line per image to ``jsonl`` (or ``stdout``).

    ``progress``: show a progress bar on ``stderr`` (default: only when it is a terminal).
    ``detector``: reuse this one in the single-process case. ``results``: another executor,
    ``results(jobs, options)`` yielding ``record_for(job, options)`` for each job *in order*
    (e.g. ``distributed.dask_results(client)``); ``processes`` is then ignored.
    Raises ValueError for a missing input or when no image is found.
    """
    stderr = stderr or sys.stderr
    started = time.perf_counter()
    jobs = find_images(inputs)
    if not jobs:
        raise ValueError("no images found (extensions: " + " ".join(sorted(IMAGE_EXTENSIONS)) + ")")
    summary = Summary(total=len(jobs))
    out_path = Path(jsonl) if jsonl else None
    done = done_records(out_path, lambda message: print(message, file=stderr)) if out_path else {}
    redo = {job.path for job in jobs if job.path in done and lacks_outputs(done[job.path], job,
                                                                           options)}
    todo = [job for job in jobs if job.path not in done or job.path in redo]
    summary.skipped = len(jobs) - len(todo)
    bar = Progress(len(jobs), stderr, enabled=progress, initial=summary.skipped)
    bar.update(0)
    produce = results or (lambda todo, options: _results(todo, options, processes, detector))
    replaced = {}                                    # path → new record for a line to rewrite
    if out_path:
        out_path.parent.mkdir(parents=True, exist_ok=True)
    out = open(out_path, "a", encoding="utf-8") if out_path else (stdout or sys.stdout)
    try:
        for record in produce(todo, options):
            if record["image"] in redo:
                replaced[record["image"]] = record
            else:
                out.write(json.dumps(record) + "\n")
                out.flush()                          # a line on disk is a finished image
            summary.done += 1
            summary.faces += len(record["faces"])
            if "error" in record:
                summary.errors += 1
                bar.write(f"warning: skipped {record['image']}: {record['error']}")
            bar.update()
    finally:
        bar.close()
        if out_path:
            out.close()
            replace_lines(out_path, replaced)        # also after Ctrl-C: keep what was redone
    summary.seconds = time.perf_counter() - started
    return summary


def replace_lines(jsonl: Path, records: dict) -> None:
    """Rewrite ``jsonl`` with the line of each path in ``records`` replaced by its new record.

    Written to a temporary file, then renamed over the old one: an interruption leaves either
    the old file or the new one, never a mix, and never two lines for one image.
    """
    if not records:
        return
    lines = jsonl.read_text(encoding="utf-8").splitlines(keepends=True)
    temporary = jsonl.with_name(jsonl.name + ".tmp")
    written = set()
    with open(temporary, "w", encoding="utf-8") as f:
        for line in lines:
            try:
                path = json.loads(line)["image"]
            except (ValueError, KeyError, TypeError):
                path = None
            if not (isinstance(path, str) and path in records):
                f.write(line)
            elif path not in written:                # an older duplicate line goes too
                f.write(json.dumps(records[path]) + "\n")
                written.add(path)
    os.replace(temporary, jsonl)


def describe(summary: Summary, jsonl: str | None) -> str:
    """One line for stderr at the end of a run."""
    where = f" → {jsonl}" if jsonl else ""
    rate = summary.done / summary.seconds if summary.seconds > 0 else 0.0
    return (f"{summary.total} images: {summary.done} processed ({summary.errors} unreadable), "
            f"{summary.skipped} already done; {summary.faces} faces; "
            f"{summary.seconds:.1f} s ({rate:.2f} images/s){where}")


# -- a tiny progress bar ----------------------------------------------------------------------

class Progress:
    """``[#######.......]  12/40  30%  2.1/s  ETA 0:13`` redrawn in place on a terminal.

    ``enabled`` defaults to ``stream.isatty()``: nothing is drawn into logs or pipes. ``write``
    prints a line above the bar (warnings), ``close`` ends the bar's line.
    """

    def __init__(self, total: int, stream: TextIO, enabled: bool | None = None,
                 initial: int = 0, width: int = 30, every: float = 0.1):
        self.total, self.stream, self.width, self.every = total, stream, width, every
        self.enabled = _is_terminal(stream) if enabled is None else enabled
        self.count = self.initial = initial          # ``initial``: done before; not in the rate
        self.started = time.perf_counter()
        self.drawn_at = -1.0

    def update(self, n: int = 1) -> None:
        self.count += n
        now = time.perf_counter()
        if self.enabled and (now - self.drawn_at >= self.every or self.count >= self.total):
            self.drawn_at = now
            self.stream.write("\r" + self.line(now - self.started))
            self.stream.flush()

    def line(self, elapsed: float) -> str:
        """The bar's text for ``count`` of ``total`` after ``elapsed`` seconds."""
        fraction = self.count / self.total if self.total else 1.0
        filled = int(self.width * fraction)
        rate = (self.count - self.initial) / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.count) / rate if rate > 0 else 0.0
        eta = f"ETA {int(left // 60)}:{int(left % 60):02d}" if rate > 0 else "ETA -:--"
        count = f"{self.count:>{len(str(self.total))}}/{self.total}"
        return (f"[{'#' * filled}{'.' * (self.width - filled)}] {count} {fraction:4.0%} "
                f"{rate:5.2f}/s {eta}")

    def write(self, message: str) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")            # clear the bar's line, then redraw below
        self.stream.write(message + "\n")
        if self.enabled and self.drawn_at >= 0:
            self.stream.write(self.line(time.perf_counter() - self.started))
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.drawn_at >= 0:
            self.stream.write("\n")
            self.stream.flush()


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
