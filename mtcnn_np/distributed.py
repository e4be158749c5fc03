"""The folder job on a Dask cluster: the same JSON lines as ``batch/``, from many machines.

``python -m mtcnn_np DIR… --jsonl out.jsonl --dask tcp://scheduler:8786`` (or ``run_dask`` here)
sends the images to the cluster's workers and writes their records, in input order, into one
JSON Lines file on the machine that runs the command. Needs the ``[dask]`` extra
(``dask[bag]``, ``distributed``).

* The per-image work is ``batch.record_for(job, options)``: read the file, detect, write the crops
  and drawing, return the JSON record. Nothing is re-implemented here, so a Dask run gives the
  same file as a serial one.
* One detector per worker process, built on its first task and then kept (``worker_detector``);
  only the picklable ``Options`` travel with the tasks. Start workers with one thread each
  (``dask worker ADDRESS --nthreads 1``) and scale with processes: NumPy's BLAS is kept at
  ``--threads`` (default 1) threads per detector.
* Resume is ``batch.run_batch``'s: paths already in the output file are not sent at all.
* Paths must be readable by the workers under the same names (a shared file system), and
  ``--crops``/``--draw`` folders are written by the workers, so they must be shared too.

``records_bag`` gives the same records as a ``dask.bag`` for pipelines of your own (write shards
with ``.map(json.dumps).to_textfiles("out/*.jsonl")``; no resume there).
"""

from __future__ import annotations

from collections.abc import Iterator

from .batch import Job, Options, Results, Summary, find_images, record_for, run_batch

NEEDS_DASK = ('the Dask executor needs dask and distributed: pip install "dask[bag]" distributed '
              '(in a clone: pip install ".[dask]")')


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(NEEDS_DASK) from exc
    return distributed


def dask_results(client, chunk_size: int = 4) -> Results:
    """An executor for ``run_batch(..., results=...)`` that runs on ``client``'s cluster.

    Jobs go out as tasks of ``chunk_size`` images (fewer, larger tasks: less scheduler
    overhead per image); the records come back in input order, each chunk as soon as it and
    those before it are done, so the output file grows (and resumes) as in a local run.
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a whole number ≥ 1; got {chunk_size!r}")

    def results(jobs: list, options: Options) -> Iterator[dict]:
        chunks = [jobs[i:i + chunk_size] for i in range(0, len(jobs), chunk_size)]
        # pure=False: the tasks write files, so Dask must never reuse an earlier result.
        futures = client.map(records_for, chunks, options=options, pure=False)
        try:
            for future in futures:
                yield from future.result()
        finally:                                     # interrupted or failed: stop the rest
            client.cancel(futures)
    return results


def records_for(jobs: list, options: Options) -> list:
    """``record_for`` over a chunk of jobs (the function each Dask task runs)."""
    return [record_for(job, options) for job in jobs]


def run_dask(inputs: list, jsonl: str | None, options: Options, address: str | None = None,
             client=None, chunk_size: int = 4, timeout: float = 30, **kwargs) -> Summary:
    """``run_batch`` on a Dask cluster: connect to ``address`` (a scheduler such as
    ``tcp://host:8786``; ValueError if it does not answer within ``timeout`` seconds) or use
    ``client``; other keyword arguments go to ``run_batch``."""
    distributed = _import_distributed()
    if (address is None) == (client is None):
        raise ValueError("run_dask needs either a scheduler address or a client, not both")
    own = client is None
    if own:
        try:
            client = distributed.Client(address, timeout=timeout)
        except OSError as exc:                       # refused, unknown host, timed out
            raise ValueError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
    try:
        return run_batch(inputs, jsonl, options, results=dask_results(client, chunk_size),
                         **kwargs)
    finally:
        if own:
            client.close()


def records_bag(inputs: list, options: Options, npartitions: int | None = None):
    """A ``dask.bag`` of the records of every image of ``inputs`` (in input order)."""
    try:
        import dask.bag as db
    except ImportError as exc:
        raise ImportError(NEEDS_DASK) from exc
    jobs: list[Job] = find_images(inputs)
    bag = db.from_sequence(jobs, npartitions=npartitions or min(len(jobs), 100) or 1)
    return bag.map_partitions(records_for, options)
