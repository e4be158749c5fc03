"""The folder run: find the images, skip those already done, have them processed (here, by a
pool of processes, or by another executor), append one JSON line each, and count.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..detector import MTCNN
from .jobs import IMAGE_EXTENSIONS, Options, find_images
from .progress import Progress
from .resume import done_records, lacks_outputs, replace_lines
from .workers import _results


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


def describe(summary: Summary, jsonl: str | None) -> str:
    """One line for stderr at the end of a run."""
    where = f" → {jsonl}" if jsonl else ""
    rate = summary.done / summary.seconds if summary.seconds > 0 else 0.0
    return (f"{summary.total} images: {summary.done} processed ({summary.errors} unreadable), "
            f"{summary.skipped} already done; {summary.faces} faces; "
            f"{summary.seconds:.1f} s ({rate:.2f} images/s){where}")
