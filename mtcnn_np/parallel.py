"""One detection on several cores: the thread pool the cascade hands its independent work to.

``MTCNN(threads=N)`` splits one detection into pieces that need nothing from each other — the
pyramid levels (resize + P-Net + NMS within the scale, each from the original image) and runs
of R-Net/O-Net boxes (crops + net) — and runs them on N threads. NumPy releases Python's global
interpreter lock inside BLAS and inside its array loops, so the threads really run at once;
BLAS itself is held at one thread meanwhile (two levels of threads would fight for the cores).

Why the output stays bit-identical to one thread: every piece computes exactly what the serial
loop computed for it (the same level from the same image, the same net batches — see
``detector._run_on_crops``), and :func:`ordered_map` returns the results in the serial order, so
every later step (concatenation, NMS) sees the same arrays.
"""

from __future__ import annotations

import numbers
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

_pools: dict = {}                 # workers → ThreadPoolExecutor, made on first use
_pools_lock = threading.Lock()
_inside = threading.local()      # .pool: this thread is running a piece


def core_count() -> int:
    """The cores this process may run on (its CPU affinity where the OS says, else all)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:          # macOS, Windows
        return os.cpu_count() or 1


class _DefaultCount(int):
    """The int 1, told apart from a 1 the caller passed: a count nobody asked for does not
    warn when NumPy's BLAS cannot be set (``threads.blas_threads``)."""

    def __repr__(self) -> str:
        return "1"


#: MTCNN's default ``threads``: one thread, BLAS included.
DEFAULT_THREADS = _DefaultCount(1)


def check_threads(value) -> int | None:
    """MTCNN's ``threads``: None, 0 (all cores) or an int ≥ 1; TypeError for a non-int (bools
    are refused), ValueError below 0, each message naming ``threads``."""
    if value is None or value is DEFAULT_THREADS:
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"threads must be an int ≥ 0 (0 = all cores) or None, got {value!r}")
    if value < 0:
        raise ValueError(f"threads must be ≥ 0 (0 = all cores) or None, got {value}")
    return int(value)


def blas_count(threads: int | None) -> int | None:
    """The BLAS thread count while detecting: one whenever we choose the threads (the pool
    does the parallel work), None (leave NumPy's setting) for ``threads=None``."""
    return None if threads is None else 1


def workers_for(threads: int | None) -> int:
    """Threads one detection runs on: ``threads`` itself, all cores for 0, one for None."""
    if threads is None:
        return 1
    return core_count() if threads == 0 else threads


def ordered_map(function: Callable, items: Sequence, workers: int) -> list:
    """``[function(item) for item in items]``, computed on ``workers`` threads.

    Items are started in their order (put the biggest first, so the others fill in around it)
    and the results come back in that order. With one worker or one item, a plain loop in
    the calling thread. The pools are shared by every detector and kept for the process;
    a call from inside a pool thread runs as a plain loop too, so that no piece ever waits
    for a place in the pool it holds (a deadlock).
    """
    if workers <= 1 or len(items) <= 1 or getattr(_inside, "pool", False):
        return [function(item) for item in items]

    return list(_pool(workers).map(lambda item: alone(function, item), items))


def alone(function: Callable, *args):
    """``function(*args)`` with every :func:`ordered_map` inside it run as a plain loop: for
    work that already has a thread of its own (a video frame in flight, ``video/loop.py``)."""
    was = getattr(_inside, "pool", False)
    _inside.pool = True
    try:
        return function(*args)
    finally:
        _inside.pool = was


def _pool(workers: int) -> ThreadPoolExecutor:
    with _pools_lock:
        if workers not in _pools:
            _pools[workers] = ThreadPoolExecutor(workers, thread_name_prefix="mtcnn_np")
        return _pools[workers]
