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

Many images — a batch, or video frames in flight — go through the team differently
(:func:`flow`): each process detects whole images, taking the next one as soon as it is free.
Nothing inside a detection is then split or waited for (measured on two cores: 1.7–1.9× the
images per second of one process, where splitting each image gives about 1.6×).

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
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator
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
    def hold(self, nets: dict, rgb: np.ndarray | None):
        """The team for this thread, or None when another thread holds it (the work then runs
        on this thread alone). With ``rgb``, one image is split: it is shared, and inside the
        block :meth:`team` gives the stages the team. With None, whole images are sent
        (:func:`flow`) and :meth:`team` stays None, so that the image this process detects
        meanwhile is not split too."""
        team = self._take(nets)
        if team is not None and rgb is not None:
            try:
                team.share(rgb)
            except BaseException:
                team.unlock()
                raise
        self._held.team = team if rgb is not None else None
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
        self._unread = 0                           # jobs sent whose replies are not read yet
        self._count_lock = threading.Lock()        # flow's threads send and read at once
        self._image = None                         # (block name, shape) of the shared image
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

        kind : "levels" (a share is a list of scales), "rnet"/"onet" (a share is (k, 4)
            boxes) or "image" (a share is a whole (H, W, 3) uint8 image, sent with the job).

        settings : the detector attributes a job needs (thresholds, ...).
        """
        for worker, share in enumerate(shares[1:]):
            self.start(worker, kind, settings, share)
        results = [local(shares[0])]
        failure = None
        for worker in range(len(shares) - 1):      # every reply, even after a failure
            try:
                results.append(self.finish(worker))
            except WorkerError as error:
                failure = failure or error
        if failure is not None:
            raise failure
        return results

    def start(self, worker: int, kind: str, settings: dict, share) -> None:
        """Send one job to worker ``worker`` (0 … size − 2); :meth:`finish` reads its reply.

        Until every reply is read the pipes are out of step: if anything interrupts the caller
        in between (an error, Ctrl-C), the team stays marked broken and is replaced at the
        next detection, so no later job can ever read this job's reply.
        """
        with self._count_lock:
            self._broken = True
            self._unread += 1
        try:
            self._pipes[worker].send((kind, self._image, settings, share))
        except OSError as error:
            raise WorkerError(f"mtcnn_np worker process stopped ({error!r})") from None

    def finish(self, worker: int):
        """The result of worker ``worker``'s job, waiting for it; WorkerError if it failed."""
        try:
            ok, value = self._pipes[worker].recv()
        except (EOFError, OSError) as error:
            raise WorkerError(f"mtcnn_np worker process stopped ({error!r})") from None
        with self._count_lock:
            self._unread -= 1
            self._broken = self._unread > 0       # every reply read: in step again
        if not ok:
            raise WorkerError(f"mtcnn_np worker process failed: {value}")
        return value

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
    detector.lnet = nets.get("lnet")
    detector.threads, detector.parallel, detector._processes = 1, "threads", None
    memory = None
    with blas_threads(1, warn=False):
        while True:
            job = pipe.recv()
            if job is None:
                break
            kind, image, settings, share = job
            try:
                rgb = None                        # whole-image jobs carry their own image
                if kind != "image":
                    name, shape = image
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
    if kind == "image":
        start = time.perf_counter()
        return detector._cascade(share, None), time.perf_counter() - start
    return detector._run_on_crops(getattr(detector, kind), rgb, share, None)


class _Job:
    """One item of :func:`flow`: its key and image (None: nothing to detect), then its result,
    the seconds its detection took, or the error it raised."""

    def __init__(self, key, image: np.ndarray | None):
        self.key, self.image = key, image
        self.result, self.seconds, self.error = None, 0.0, None
        self.started = self.done = image is None


def flow(team: Team, settings: dict, items: Iterable, depth: int, local: Callable) -> Iterator:
    """Whole images through the team as they come: (key, image or None) in, (key, result or
    None, seconds) out, in the order they came.

    Up to ``depth`` items are read ahead (here, in the caller's thread). Each worker has a
    thread here that sends it the oldest image nobody has taken, waits for the result (the
    interpreter lock is free meanwhile) and takes the next; this process detects the oldest
    one left itself (``local(image)``), or waits for the oldest one still out. So every
    process takes the next image as soon as it is free, and a slow image holds up only its
    own place in the order. The results are those of the one-thread code, image by image.
    """
    queue: deque = deque()
    changed = threading.Condition()
    closing = False

    def oldest_waiting() -> _Job | None:        # call with `changed` held
        return next((job for job in queue if not job.started), None)

    def run(job: _Job, detect: Callable) -> None:
        try:
            job.result, job.seconds = detect(job.image)
        except BaseException as error:          # raised in the caller's thread, in order
            job.error = error
        with changed:
            job.done = True
            changed.notify_all()

    def remote(worker: int) -> Callable:
        def detect(image):
            team.start(worker, "image", settings, image)
            return team.finish(worker)
        return detect

    def lane(worker: int) -> None:
        while True:
            with changed:
                changed.wait_for(lambda: closing or oldest_waiting() is not None)
                job = None if closing else oldest_waiting()
                if job is None:
                    return
                job.started = True
            run(job, remote(worker))

    def here(image):
        start = time.perf_counter()
        return local(image), time.perf_counter() - start

    lanes = [threading.Thread(target=lane, args=(worker,), daemon=True,
                              name="mtcnn_np-lane") for worker in range(team.size - 1)]
    for thread in lanes:
        thread.start()
    items = iter(items)
    more = True
    try:
        while more or queue:
            while more and len(queue) < depth:
                item = next(items, None)
                more = item is not None
                if more:
                    with changed:
                        queue.append(_Job(*item))
                        changed.notify_all()
            with changed:
                mine = oldest_waiting()
                if mine is not None:
                    mine.started = True
            if mine is not None:
                run(mine, here)
            with changed:
                changed.wait_for(lambda: not queue or queue[0].done)
                finished = []
                while queue and queue[0].done:
                    finished.append(queue.popleft())
            for job in finished:
                if job.error is not None:
                    raise job.error
                yield job.key, job.result, job.seconds
    finally:                                     # every lane ends after the job it is on
        with changed:
            closing = True
            changed.notify_all()
        for thread in lanes:
            thread.join()


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


def split_boxes(count: int, parts: int, batch: int = 1) -> list:
    """``parts`` consecutive runs of ``count`` boxes, as equal as possible in whole batches of
    ``batch`` boxes (the last batch may be short). Returns slices.

    Cut between batches only: every crop then goes through the net in the same batch, at the
    same place, as on one thread. A BLAS may round a crop differently elsewhere (OpenBLAS's
    Haswell kernels do, seen on an AMD Zen 5), so any other cut could change the bits.
    """
    batches = -(-count // batch)
    bounds = [min(count, batch * (batches * k // parts)) for k in range(parts + 1)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
