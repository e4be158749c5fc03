"""Many photos at once: detect in every image of some folders, one JSON line per image.

``python -m mtcnn_np DIR_OR_FILES… --jsonl out.jsonl [--crops DIR] [--draw DIR] [--jobs N]``
(the argument parsing is in ``mtcnn_np.__main__``; the work is here, one module per idea:
``jobs`` finds the images, ``workers`` does one image and runs the pool, ``resume`` reads and
rewrites earlier output, ``runner`` is the run, ``progress`` its bar).

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
* ``--crops DIR``: aligned 112×112 crops (``mtcnn_np.align``), or plain square crops; ``--draw
  DIR``: the photos with boxes and landmarks drawn. Both mirror the input folders' structure;
  the line records the files written (``"crops": [...]``, ``"drawing": ...``). Two inputs with
  the same name (``a.jpg`` and ``a.png``, or one name under two input folders) get distinct
  names, decided by input order alone (``jobs._unique_jobs``), so a rerun of the same command
  picks the same names.
* Other executors: ``record_for(job, options)`` is the whole per-image job (a path in, a JSON
  record out, one detector per process); ``run_batch(..., results=...)`` lets another engine
  produce the records (``mtcnn_np.distributed``: Dask) while resume and writing stay here.

Every name is importable from ``mtcnn_np.batch`` itself, as when this was one module.
"""

from __future__ import annotations

from .jobs import (
    DRAWING_FORMATS,
    IMAGE_EXTENSIONS,
    Job,
    Options,
    find_images,
    output_paths,
)
from .progress import Progress
from .resume import done_images, done_records, lacks_outputs, replace_lines
from .runner import Results, Summary, describe, run_batch
from .workers import (
    BLAS_THREAD_VARIABLES,
    float_faces,
    process_image,
    record_for,
    worker_detector,
)
from .workers import _worker as _worker  # this process's detector (tests/test_distributed.py)

__all__ = [
    "BLAS_THREAD_VARIABLES", "DRAWING_FORMATS", "IMAGE_EXTENSIONS",
    "Job", "Options", "Progress", "Results", "Summary",
    "describe", "done_images", "done_records", "find_images", "float_faces", "lacks_outputs",
    "output_paths", "process_image", "record_for", "replace_lines", "run_batch",
    "worker_detector",
]
