"""NumPy's BLAS thread count, set at run time.

OpenBLAS reads ``OPENBLAS_NUM_THREADS`` (or ``OMP_NUM_THREADS``) once, when NumPy is first
imported; after that only its own ``openblas_set_num_threads`` changes the count. This module
finds the OpenBLAS that NumPy loaded and calls that function through ``ctypes``:

* NumPy's wheels bundle it: ``<site-packages>/numpy.libs/libscipy_openblas64_*.so`` (Linux),
  ``numpy.libs/*.dll`` (Windows), ``numpy/.dylibs/*.dylib`` (macOS); older wheels ``libopenblas*``.
* On Linux, any loaded library named ``*openblas*`` (``/proc/self/maps``) covers other installs.

With another BLAS (MKL, Accelerate) there is no control here: :func:`set_blas_threads` raises
``RuntimeError`` and :func:`blas_threads` warns once and does nothing, so the environment
variables (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``) set before
Python starts remain the way to choose the count.

>>> from mtcnn_np import blas_threads, get_blas_threads   # doctest: +SKIP
>>> with blas_threads(1):                                  # doctest: +SKIP
...     get_blas_threads()
1
"""

from __future__ import annotations

import ctypes
import functools
import numbers
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["blas_threads", "blas_threads_available", "get_blas_threads", "set_blas_threads"]

ENV_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

# (setter, getter) pairs, most specific first: NumPy 2.x's scipy-openblas (64-bit ints, symbols
# renamed), older 64-bit builds, plain OpenBLAS. All take and return a C int by value (the
# ``..._64_`` spellings are the Fortran ones, taking a pointer: not used).
_SYMBOLS = (
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
)

_NO_CONTROL = ("no OpenBLAS with a thread-count function was found in this process (NumPy may "
               "use MKL or Accelerate); set the BLAS threads with an environment variable "
               "before starting Python: " + ", ".join(f"{name}=N" for name in ENV_VARIABLES))


@dataclass(frozen=True)
class _Control:
    """The two functions of one OpenBLAS, and the file they came from."""

    set: Callable[[int], None]
    get: Callable[[], int]
    path: str


# -- finding the library -----------------------------------------------------------------------

def _bundled_libraries() -> list:
    """OpenBLAS files shipped inside NumPy's wheel (Linux/Windows numpy.libs, macOS .dylibs)."""
    package = Path(np.__file__).resolve().parent
    found = []
    for folder in (package.parent / "numpy.libs", package / ".dylibs"):
        if folder.is_dir():
            found += sorted(str(p) for p in folder.iterdir() if _is_openblas(p.name))
    return found


def _loaded_libraries() -> list:
    """Linux: files named ``*openblas*`` mapped into this process (NumPy has loaded its BLAS)."""
    try:
        lines = Path("/proc/self/maps").read_text().splitlines()
    except OSError:                      # not Linux, or no /proc
        return []
    fields = (line.split(maxsplit=5) for line in lines)     # address perms offset dev inode path
    paths = (f[5] for f in fields if len(f) == 6 and f[5].startswith("/"))
    return [path for path in paths if _is_openblas(Path(path).name)]


def _is_openblas(name: str) -> bool:
    name = name.lower()
    return "openblas" in name and (".so" in name or name.endswith((".dll", ".dylib")))


def _open(path: str) -> _Control | None:
    """The thread-count functions of the library at ``path``, or None. dlopen of a library
    that is already loaded returns that same library, so the count set is NumPy's."""
    try:
        library = ctypes.CDLL(path)
    except OSError:
        return None
    for set_name, get_name in _SYMBOLS:
        try:
            setter, getter = getattr(library, set_name), getattr(library, get_name)
        except AttributeError:
            continue
        setter.argtypes, setter.restype = [ctypes.c_int], None
        getter.argtypes, getter.restype = [], ctypes.c_int
        return _Control(setter, getter, path)
    return None


@functools.cache
def _find_control() -> _Control | None:
    """NumPy's OpenBLAS thread control, or None; looked up once per process."""
    candidates = _bundled_libraries()
    if sys.platform.startswith("linux"):
        candidates += _loaded_libraries()
    for path in dict.fromkeys(candidates):          # unique, in order
        control = _open(path)
        if control is not None:
            return control
    return None


# -- the public functions ----------------------------------------------------------------------

def blas_threads_available() -> bool:
    """True when NumPy's BLAS thread count can be read and set from Python (OpenBLAS found)."""
    return _find_control() is not None


def get_blas_threads() -> int | None:
    """The number of threads NumPy's BLAS uses now; None when it cannot be read (not OpenBLAS)."""
    control = _find_control()
    return None if control is None else int(control.get())


def set_blas_threads(n: int) -> int:
    """Make NumPy's BLAS use ``n`` threads (≥ 1) from now on; return the previous count.

    OpenBLAS caps ``n`` at its build's maximum (64 in NumPy's wheels). Inside a
    :func:`blas_threads` block the new count lasts until the block ends.

    Raises TypeError if ``n`` is not an int (bools are refused), ValueError if ``n`` < 1, and
    RuntimeError when NumPy's BLAS offers no control (use ``OPENBLAS_NUM_THREADS``,
    ``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS`` then).
    """
    n = thread_count(n)
    control = _find_control()
    if control is None:
        raise RuntimeError(_NO_CONTROL)
    with _lock:
        previous = int(control.get())
        control.set(n)
    return previous


@contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """NumPy's BLAS uses ``n`` threads inside the ``with`` block; the count before the block
    comes back at its end (also on an exception). ``None`` leaves the count alone.

    Safe from several Python threads at once, but the count is one per process: the first
    thread to enter saves the count and the last to leave restores it; meanwhile the most
    recent entry still inside decides, so a concurrent block with a different ``n`` simply
    takes effect for everyone. Nested blocks restore the enclosing block's ``n``.

    Without a controllable BLAS (not OpenBLAS) an int ``n`` warns once (``RuntimeWarning``)
    and does nothing: detection never fails for it. TypeError/ValueError for a bad ``n``.
    """
    if n is None:
        yield
        return
    n = thread_count(n)
    control = _find_control()
    if control is None:
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
    warnings.warn(_NO_CONTROL + "; the requested count is ignored", RuntimeWarning, stacklevel=4)


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
