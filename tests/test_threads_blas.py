"""BLAS threads set from Python: ``mtcnn_np.threads`` and ``MTCNN(threads=...)``."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
from conftest import read_rgb

import mtcnn_np
from mtcnn_np import MTCNN, blas_threads, get_blas_threads, set_blas_threads
from mtcnn_np import threads as blas
from mtcnn_np.threads import blas_threads_available


def numpy_blas_name() -> str:
    """The BLAS NumPy was built with, from its build configuration ('' when not reported)."""
    try:
        config = np.show_config(mode="dicts")
        return str(config["Build Dependencies"]["blas"]["name"]).lower()
    except (TypeError, KeyError, ValueError):          # NumPy < 1.26: no mode="dicts"
        return ""


def has_threadpoolctl() -> bool:
    try:
        import threadpoolctl  # noqa: F401
    except ImportError:
        return False
    return True


OPENBLAS = "openblas" in numpy_blas_name()
needs_openblas = pytest.mark.skipif(
    not (OPENBLAS and has_threadpoolctl()),
    reason=f"NumPy's BLAS is {numpy_blas_name() or 'unknown'} and threadpoolctl is "
           f"{'' if has_threadpoolctl() else 'not '}installed: run-time control needs "
           "OpenBLAS and threadpoolctl (mtcnn_np[fast])")


@pytest.fixture(autouse=True)
def keep_blas_threads():
    """Every test leaves the process's BLAS thread count as it found it."""
    before = get_blas_threads()
    yield
    if before is not None and blas_threads_available():
        set_blas_threads(before)


@pytest.fixture(scope="module")
def hopper():
    return read_rgb("grace_hopper_small.png")


def outputs(result) -> list:
    return [result.boxes, result.scores, result.landmarks, result.canonical_landmarks]


def test_exported_from_the_package():
    for name in ("set_blas_threads", "get_blas_threads", "blas_threads"):
        assert name in mtcnn_np.__all__ and getattr(mtcnn_np, name) is getattr(blas, name)


@needs_openblas
def test_control_is_found_for_numpys_openblas():
    assert blas_threads_available()
    assert "openblas" in blas._find_control().path.lower()
    assert isinstance(get_blas_threads(), int) and get_blas_threads() >= 1


@needs_openblas
def test_set_and_get_round_trip():
    before = get_blas_threads()
    assert set_blas_threads(1) == before
    assert get_blas_threads() == 1
    assert set_blas_threads(np.int64(2)) == 1                 # NumPy ints are ints too
    assert get_blas_threads() == 2


@needs_openblas
def test_context_manager_restores_even_on_error():
    set_blas_threads(2)
    with blas_threads(1):
        assert get_blas_threads() == 1
    assert get_blas_threads() == 2
    with pytest.raises(KeyError), blas_threads(3):
        assert get_blas_threads() == 3
        raise KeyError("boom")
    assert get_blas_threads() == 2


@needs_openblas
def test_nested_and_overlapping_blocks():
    set_blas_threads(2)
    with blas_threads(1):
        with blas_threads(3):
            assert get_blas_threads() == 3
        assert get_blas_threads() == 1                      # the enclosing block's count again
    assert get_blas_threads() == 2
    # Overlapping, as two Python threads may do: the latest block still inside decides.
    first, second = blas_threads(1), blas_threads(3)
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert get_blas_threads() == 3
    second.__exit__(None, None, None)
    assert get_blas_threads() == 2


@needs_openblas
def test_none_leaves_the_count_alone():
    set_blas_threads(3)
    with blas_threads(None):
        assert get_blas_threads() == 3
        set_blas_threads(2)
    assert get_blas_threads() == 2                          # nothing restored either


@needs_openblas
def test_many_python_threads_at_once():
    set_blas_threads(2)
    start = threading.Barrier(8)
    seen = []

    def work() -> None:
        start.wait()
        for _ in range(50):
            with blas_threads(1):
                seen.append(get_blas_threads())

    workers = [threading.Thread(target=work) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert seen == [1] * 400
    assert get_blas_threads() == 2


@pytest.mark.parametrize("value, error", [
    (0, ValueError), (-1, ValueError), (True, TypeError), (1.0, TypeError), ("2", TypeError)])
def test_bad_counts_raise(value, error):
    with pytest.raises(error, match="BLAS threads"):
        set_blas_threads(value)
    with pytest.raises(error, match="BLAS threads"), blas_threads(value):
        pass


@pytest.mark.parametrize("value, error, message", [
    (-1, ValueError, r"threads must be ≥ 0 \(0 = all cores\)"),
    (-2, ValueError, r"threads must be ≥ 0 \(0 = all cores\)"),
    (1.5, TypeError, "threads must be an int"), (True, TypeError, "threads must be an int"),
    ("1", TypeError, "threads must be an int")])
def test_detector_validates_threads(value, error, message):
    with pytest.raises(error, match=message):
        MTCNN(threads=value)


def test_detector_threads_default_and_repr():
    assert MTCNN().threads == 1
    assert MTCNN(threads=None).threads is None
    assert MTCNN(threads=np.int32(2)).threads == 2
    assert "threads=3" in repr(MTCNN(threads=3))
    assert MTCNN(threads=0).threads == 0 and "threads=0" in repr(MTCNN(threads=0))
    assert "threads=1" in repr(MTCNN())


def record_blas_threads(detector: MTCNN) -> list:
    """Wrap the detector's P-Net so that every forward pass records the BLAS thread count."""
    seen: list = []
    forward = detector.pnet.forward

    def recording(*args, **kwargs):
        seen.append(get_blas_threads())
        return forward(*args, **kwargs)

    detector.pnet.forward = recording                       # this instance only
    return seen


@needs_openblas
# threads=N > 1 runs the work on N Python threads (parallel.py) and keeps BLAS at one.
@pytest.mark.parametrize("threads, expected", [(1, 1), (2, 1), (0, 1), (None, 3)])
def test_detect_runs_with_the_requested_count_and_restores(hopper, threads, expected):
    set_blas_threads(3)
    detector = MTCNN(threads=threads)
    seen = record_blas_threads(detector)
    assert len(detector.detect(hopper)) == 1
    assert seen and set(seen) == {expected}
    assert get_blas_threads() == 3


@pytest.mark.parametrize("name", ["grace_hopper_small.png", "group.png"])
def test_same_result_with_one_and_two_threads(name):
    # With trace=True: every intermediate array is the same (stage 1 runs its levels on two
    # threads then; tests/test_parallel.py checks the untraced path, chunks and all).
    image = read_rgb(name)
    one = MTCNN(threads=1).detect(image, trace=True)
    two = MTCNN(threads=2).detect(image, trace=True)
    assert len(one) > 0
    for a, b in zip(outputs(one), outputs(two)):
        np.testing.assert_array_equal(a, b)
    assert list(one.trace) == list(two.trace)
    for name in one.trace:
        np.testing.assert_array_equal(one.trace[name], two.trace[name], err_msg=name)


def test_without_threadpoolctl_the_message_says_to_install_it(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_threadpoolctl(name, *args, **kwargs):
        if name == "threadpoolctl":
            raise ImportError("No module named 'threadpoolctl'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_threadpoolctl)
    assert blas._find_control.__wrapped__() is None
    assert "pip install threadpoolctl" in blas._no_control_message()
    assert "OPENBLAS_NUM_THREADS" in blas._no_control_message()


def test_without_blas_control_warns_once_and_still_detects(hopper, monkeypatch):
    expected = MTCNN(threads=None).detect(hopper)
    monkeypatch.setattr(blas, "_find_control", lambda: None)   # as with MKL or Accelerate
    monkeypatch.setattr(blas._state, "warned", False)
    assert not blas_threads_available() and get_blas_threads() is None
    with pytest.raises(RuntimeError, match="OPENBLAS_NUM_THREADS"):
        set_blas_threads(1)
    detector = MTCNN(threads=1)
    with pytest.warns(RuntimeWarning, match="OPENBLAS_NUM_THREADS.*MKL_NUM_THREADS"):
        first = detector.detect(hopper)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # a second warning would raise
        second = detector.detect(hopper)
        with blas_threads(None):                            # None never warns
            pass
    for result in (first, second):
        for a, b in zip(outputs(result), outputs(expected)):
            np.testing.assert_array_equal(a, b)


def test_the_default_count_does_not_warn_without_blas_control(hopper, monkeypatch):
    # MTCNN() without threadpoolctl (a plain `pip install`): nobody asked for a count, so no
    # warning; the environment variables decide.
    monkeypatch.setattr(blas, "_find_control", lambda: None)
    monkeypatch.setattr(blas._state, "warned", False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(MTCNN().detect(hopper)) == 1
