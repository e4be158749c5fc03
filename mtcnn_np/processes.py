"""One detection on several cores with worker processes: ``MTCNN(threads=N, parallel="processes")``.

Why processes, when ``parallel.py`` has threads: the threads share one interpreter lock, and a
detection is thousands of NumPy calls, most of them small. Each call that releases the lock
hands it to the other thread and then waits to get it back; on a 640×480 photo two threads made
about 900 such hand-offs per detection, spent 8 ms in the kernel, and ran no faster than one
thread. Processes each have their own lock, so two of them really run at once.

How, per detection (:class:`Team`):

1. the image is copied once into shared memory, which every worker maps;
2. each worker is sent its share of the work — some pyramid levels, then a run of the R-Net
   boxes, then of the O-Net boxes — while this process computes its own share;
3. the results come back in the serial order.

A worker runs exactly the code of the one-thread path (``MTCNN._level_candidates``,
``MTCNN._run_on_crops``) on a copy of the same nets, BLAS at one thread, so every piece has
the same bits, and the output is bit-identical to ``threads=1`` (tested).

Costs and rules: the N − 1 workers start on the first detection (a new Python that imports
NumPy: about a second) and stop with the detector or at exit. They are started with
``multiprocessing``'s "spawn", so — as for any ``multiprocessing`` program — a script must
create the detector under ``if __name__ == "__main__":``. A detector's workers serve one
detection at a time: a second thread detecting meanwhile runs on its own thread instead.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np


class Processes:
    """A detector's worker processes: made on the first detection that needs them, shared by
    the copies ``with_settings`` makes, stopped when the last of those is gone.

    count : participants per detection (``threads``), this process included.
    """

    def __init__(self, count: int):
        self.count = count
        self._team: Team | None = None
        self._lock = threading.Lock()
        self._held = threading.local()           # .team: the team this thread detects with

    @contextmanager
    def hold(self, nets: dict, rgb: np.ndarray):
        """Inside the block, :meth:`team` gives this thread the team, the image shared; or
        None when another thread holds it (this detection then runs on its own thread)."""
        team = self._take(nets)
        if team is not None:
            try:
                team.share(rgb)
            except BaseException:
                team.unlock()
                raise
        self._held.team = team
        try:
            yield team
        finally:
            self._held.team = None
            if team is not None:
                team.unlock()

    def team(self) -> Team | None:
        return getattr(self._held, "team", None)

    def _take(self, nets: dict) -> Team | None:
        with self._lock:
            if self._team is not None:
                if not self._team.try_lock():
                    return None                   # another thread is detecting with it
                if self._team.alive():
                    return self._team
                self._team.unlock()
                self._team.close()                # a worker died, or a job was cut short
            self._team = Team(nets, self.count - 1)
            self._team.try_lock()
            return self._team

    def close(self) -> None:
        """Stop the workers now (they are started again when needed)."""
        with self._lock:
            if self._team is not None:
                self._team.close()
                self._team = None


class WorkerError(RuntimeError):
    """A worker process failed or stopped; the message carries its error."""


class Team:
    """This process plus ``workers`` worker processes, each holding a copy of the nets.

    nets : {"pnet": Network, "rnet": Network, "onet": Network}, sent once to each worker.
    """

    def __init__(self, nets: dict, workers: int):
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        self.size = workers + 1                    # participants, this process included
        self._lock = threading.Lock()
        self._memories: list = []                  # the image's SharedMemory block (0 or 1),
                                                   # a list the finalizer sees change
        self._broken = False                       # a job's replies were left unread
        self._pipes, self._processes = [], []
        for _ in range(workers):
            here, there = context.Pipe()
            process = context.Process(target=_serve, args=(there, nets), daemon=True,
                                      name="mtcnn_np worker")
            process.start()
            there.close()
            self._pipes.append(here)
            self._processes.append(process)
        self._finalizer = weakref.finalize(self, _stop, self._pipes, self._processes,
                                           self._memories)

    def try_lock(self) -> bool:
        """Take the team for one detection; False when another thread has it."""
        return self._lock.acquire(blocking=False)

    def unlock(self) -> None:
        self._lock.release()

    def share(self, rgb: np.ndarray) -> None:
        """Put the image (H, W, 3) uint8 where the workers can read it."""
        from multiprocessing import shared_memory

        if self._memories and self._memories[0].size < rgb.nbytes:
            _free(self._memories.pop())           # the workers switch to the new block
        if not self._memories:
            self._memories.append(shared_memory.SharedMemory(create=True,
                                                             size=max(rgb.nbytes, 1)))
        memory = self._memories[0]
        np.ndarray(rgb.shape, np.uint8, buffer=memory.buf)[...] = rgb
        self._image = (memory.name, rgb.shape)

    def scatter(self, kind: str, settings: dict, shares: list, local: Callable) -> list:
        """Send ``shares[1:]`` to the workers as ``kind`` jobs, run ``local(shares[0])`` here
        meanwhile, and return the ``size`` results in share order.

        kind : "levels" (a share is a list of scales) or "rnet"/"onet" (a share is (k, 4) boxes).
        settings : the detector attributes a job needs (thresholds, ...).
        """
        # Until every reply is read the pipes are out of step: if anything interrupts this
        # (an error here, Ctrl-C), the team is marked broken and replaced at the next detection,
        # so no later job can ever read this job's reply.
        self._broken = True
        try:
            for pipe, share in zip(self._pipes, shares[1:]):
                pipe.send((kind, self._image, settings, share))
        except OSError as error:
            raise WorkerError(f"mtcnn_np worker process stopped ({error!r})") from None
        results = [local(shares[0])]
        failure = None
        for pipe in self._pipes[:len(shares) - 1]:  # every reply, even after a failure
            try:
                ok, value = pipe.recv()
            except (EOFError, OSError) as error:
                ok, value = False, f"the worker process stopped ({error!r})"
            if not ok and failure is None:
                failure = value
            results.append(value)
        self._broken = False                       # every reply read: in step again
        if failure is not None:
            raise WorkerError(f"mtcnn_np worker process failed: {failure}")
        return results

    def alive(self) -> bool:
        """Every worker running, and the pipes in step (see :meth:`scatter`)."""
        return not self._broken and all(process.is_alive() for process in self._processes)

    def close(self) -> None:
        """Stop the workers and free the shared memory (also done at exit)."""
        self._finalizer()


def _stop(pipes: list, processes: list, memories: list) -> None:
    for pipe in pipes:
        try:
            pipe.send(None)
        except (OSError, ValueError):
            pass
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.terminate()
    for memory in memories:
        _free(memory)


def _free(memory) -> None:
    memory.close()
    try:
        memory.unlink()
    except FileNotFoundError:
        pass


def _serve(pipe, nets: dict) -> None:
    """A worker's loop: jobs in, (True, result) or (False, message) out, until None."""
    from .detector import MTCNN
    from .threads import blas_threads

    detector = MTCNN.__new__(MTCNN)               # the nets, no loading, one thread
    detector.pnet, detector.rnet, detector.onet = nets["pnet"], nets["rnet"], nets["onet"]
    detector.threads, detector.parallel, detector._processes = 1, "threads", None
    memory = None
    with blas_threads(1, warn=False):
        while True:
            job = pipe.recv()
            if job is None:
                break
            kind, (name, shape), settings, share = job
            try:
                if memory is None or memory.name != name:
                    if memory is not None:
                        memory.close()
                    memory = _attach(name)
                rgb = np.ndarray(shape, np.uint8, buffer=memory.buf)
                pipe.send((True, _work(detector, kind, settings, share, rgb)))
            except Exception as error:            # reported to the caller, who raises it
                pipe.send((False, f"{type(error).__name__}: {error}"))
    if memory is not None:
        memory.close()


def _attach(name: str):
    """Map the caller's block without taking it over: the caller unlinks it. (Before Python
    3.13 there is no ``track=False``; the registration then goes to the resource tracker this
    process shares with the caller, which forgets it when the caller unlinks the block.)"""
    from multiprocessing import shared_memory

    try:
        return shared_memory.SharedMemory(name=name, track=False)
    except TypeError:
        return shared_memory.SharedMemory(name=name)


def _work(detector, kind: str, settings: dict, share, rgb: np.ndarray):
    """One job: the one-thread code of the detector on this worker's share."""
    for name, value in settings.items():
        setattr(detector, name, value)
    if kind == "levels":
        return [detector._level_candidates(rgb, scale, False) for scale in share]
    return detector._run_on_crops(getattr(detector, kind), rgb, share, None)


def split_levels(costs: list, parts: int) -> list:
    """Pyramid levels dealt to ``parts`` participants so that their total costs are about
    equal: each level, dearest first, to the least loaded. Returns ``parts`` lists of level
    indices. See :func:`level_cost` for the costs."""
    shares: list = [[] for _ in range(parts)]
    loads = [0.0] * parts
    for index in sorted(range(len(costs)), key=lambda i: -costs[i]):
        least = loads.index(min(loads))
        shares[least].append(index)
        loads[least] += costs[index]
    return shares


def level_cost(height: int, width: int, scale: float) -> float:
    """The time of one level (resize + P-Net + NMS) in ms, roughly; only the ratios matter.

    A least-squares fit to the levels of 640×480 and 1920×1080 photos (``benchmarks``, 2-core
    AMD EPYC): 44 ms per million level pixels (P-Net's work), 19 ms per thousand pixels of the
    level's height + width (what is paid per row and per column: P-Net's bands, the resize's
    row and tap loops), 0.3 ms per million image pixels (the resize reads the whole image) and
    0.7 ms for every level (Python and small NumPy calls). A model of the area alone gave the
    worker the many small levels and 15 % too much work at 1080p.
    """
    level_pixels = height * width * scale * scale
    return (44e-6 * level_pixels + 19e-3 * scale * (height + width)
            + 0.3e-6 * height * width + 0.7)


def split_boxes(count: int, parts: int) -> list:
    """``parts`` consecutive runs of ``count`` boxes, as equal as possible. Returns slices.

    Any cut is safe: a crop's net output does not depend on which crops share its batch
    (``layers.conv.product``; tested in ``tests/test_memory.py``).
    """
    bounds = [count * k // parts for k in range(parts + 1)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
