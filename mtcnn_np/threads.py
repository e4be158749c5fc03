"""NumPy's BLAS thread count, set at run time, through ``threadpoolctl``.

OpenBLAS reads ``OPENBLAS_NUM_THREADS`` (or ``OMP_NUM_THREADS``) once, when NumPy is first
imported; after that only its own ``openblas_set_num_threads`` changes the count (MKL and BLIS
likewise have their own). Finding the library NumPy loaded and calling that function is what
the well-kept, pure-Python ``threadpoolctl`` does, for OpenBLAS, MKL and BLIS alike; this
module adds what the detector needs on top: a checked count, a ``with`` block that restores
the count afterwards even when several Python threads enter at once, and one clear warning.

``threadpoolctl`` is optional (``pip install threadpoolctl``, or the ``[fast]`` extra; the
runtime dependencies stay NumPy, Pillow and h5py). Without it, or with a BLAS it cannot
control (Accelerate), :func:`set_blas_threads` raises ``RuntimeError`` and
:func:`blas_threads` warns once and does nothing, so the environment variables
(``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``) set before Python starts
remain the way to choose the count.

>>> from mtcnn_np import blas_threads, get_blas_threads   # doctest: +SKIP
>>> with blas_threads(1):                                  # doctest: +SKIP
...     get_blas_threads()
1
"""

from __future__ import annotations

import functools
import numbers
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["blas_threads", "blas_threads_available", "get_blas_threads", "set_blas_threads"]

ENV_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

_ENV_ADVICE = ("set the BLAS threads with an environment variable before starting Python: "
               + ", ".join(f"{name}=N" for name in ENV_VARIABLES))
_NO_THREADPOOLCTL = ("threadpoolctl is not installed, so NumPy's BLAS thread count cannot be "
                     "changed from Python (pip install threadpoolctl, or the [fast] extra); or "
                     + _ENV_ADVICE)
_NO_BLAS = ("threadpoolctl found no BLAS it can control in this process (NumPy may use "
            "Accelerate); " + _ENV_ADVICE)


@dataclass(frozen=True)
class _Control:
    """Get and set NumPy's BLAS thread count, and the library file they act on."""

    set: Callable[[int], None]
    get: Callable[[], int]
    path: str


# -- finding the library: threadpoolctl --------------------------------------------------------

@functools.cache
def _find_control() -> _Control | None:
    """NumPy's BLAS thread control, or None (no threadpoolctl, or no BLAS it knows); looked up
    once per process."""
    try:
        import threadpoolctl
    except ImportError:
        return None
    libraries = threadpoolctl.ThreadpoolController().select(user_api="blas").lib_controllers
    if not libraries:
        return None
    # Several BLAS may be loaded (SciPy's own OpenBLAS, say): set them all, read NumPy's.
    numpy_folder = str(Path(np.__file__).resolve().parent.parent)
    mine = [lib for lib in libraries if str(lib.filepath).startswith(numpy_folder)]
    first = (mine or libraries)[0]

    def set_all(n: int) -> None:
        for library in libraries:
            # threadpoolctl ≥ 3.6 lets only the first Python thread that sets an OpenBLAS
            # (pthreads) count set it again, silently ignoring the others. Our own lock
            # (_lock) already makes one thread at a time the setter, so hand it control.
            release = getattr(type(library), "clear_controlling_thread", None)
            if release is not None:
                release(force=True)
            library.set_num_threads(n)

    return _Control(set_all, first.get_num_threads, str(first.filepath))


def _no_control_message() -> str:
    try:
        import threadpoolctl  # noqa: F401
    except ImportError:
        return _NO_THREADPOOLCTL
    return _NO_BLAS


# -- the public functions ----------------------------------------------------------------------

def blas_threads_available() -> bool:
    """True when NumPy's BLAS thread count can be read and set from Python (threadpoolctl
    installed and a BLAS it controls loaded: OpenBLAS, MKL or BLIS)."""
    return _find_control() is not None


def get_blas_threads() -> int | None:
    """The number of threads NumPy's BLAS uses now; None when it cannot be read (see
    :func:`blas_threads_available`)."""
    control = _find_control()
    return None if control is None else int(control.get())


def set_blas_threads(n: int) -> int:
    """Make NumPy's BLAS use ``n`` threads (≥ 1) from now on; return the previous count.

    OpenBLAS caps ``n`` at its build's maximum (64 in NumPy's wheels). Inside a
    :func:`blas_threads` block the new count lasts until the block ends.

    Raises TypeError if ``n`` is not an int (bools are refused), ValueError if ``n`` < 1, and
    RuntimeError when NumPy's BLAS cannot be controlled (threadpoolctl missing, or a BLAS it
    does not know: use ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS``).
    """
    n = thread_count(n)
    control = _find_control()
    if control is None:
        raise RuntimeError(_no_control_message())
    with _lock:
        previous = int(control.get())
        control.set(n)
    return previous


@contextmanager
def blas_threads(n: int | None, *, warn: bool = True) -> Iterator[None]:
    """NumPy's BLAS uses ``n`` threads inside the ``with`` block; the count before the block
    comes back at its end (also on an exception). ``None`` leaves the count alone.

    Safe from several Python threads at once, but the count is one per process: the first
    thread to enter saves the count and the last to leave restores it; meanwhile the most
    recent entry still inside decides, so a concurrent block with a different ``n`` simply
    takes effect for everyone. Nested blocks restore the enclosing block's ``n``.

    Without a controllable BLAS (no threadpoolctl, or Accelerate) an int ``n`` warns once
    (``RuntimeWarning``) and does nothing: detection never fails for it. TypeError or
    ValueError for a bad ``n``. ``warn=False``: not even that warning (``MTCNN``'s default
    count, which nobody asked for).
    """
    if n is None:
        yield
        return
    n = thread_count(n)
    control = _find_control()
    if control is None:
        if warn:
            _warn_no_control()
        yield
        return
    token = object()
    _enter(control, token, n)
    try:
        yield
    finally:
        _leave(control, token)


# -- the shared state behind blas_threads ------------------------------------------------------

@dataclass
class _State:
    active: dict = field(default_factory=dict)   # token → n of every block inside, by entry
    saved: int = 0                               # the count before the outermost block
    warned: bool = False                         # the no-control warning was given


_lock = threading.Lock()        # guards _state and every get/set of the count
_state = _State()


def _enter(control: _Control, token: object, n: int) -> None:
    with _lock:
        if not _state.active:                       # the outermost block: remember the count
            _state.saved = int(control.get())
        _state.active[token] = n
        _apply(control, n)


def _leave(control: _Control, token: object) -> None:
    with _lock:
        del _state.active[token]
        # The most recent block still inside decides; after the last one, the saved count.
        active = list(_state.active.values())
        _apply(control, active[-1] if active else _state.saved)


def _apply(control: _Control, n: int) -> None:
    if control.get() != n:              # a set costs ~15 µs (a get far less): skip it if equal
        control.set(n)


def _warn_no_control() -> None:
    with _lock:
        if _state.warned:
            return
        _state.warned = True
    warnings.warn(_no_control_message() + "; the requested count is ignored", RuntimeWarning,
                  stacklevel=4)


def thread_count(value, name: str = "the number of BLAS threads", allow_none: bool = False
                 ) -> int | None:
    """``value`` as an int ≥ 1 (or None when ``allow_none``); TypeError for a non-int (bools
    are refused), ValueError below 1, each message naming ``name``. Shared with ``MTCNN``."""
    if value is None and allow_none:
        return None
    either = " or None" if allow_none else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int ≥ 1{either}, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be ≥ 1{either}, got {value}")
    return int(value)
