"""The folder job on Dask (``distributed.py``): a 2-worker local cluster gives the serial file."""

from __future__ import annotations

import io
import json

import pytest
from conftest import IMAGES

from mtcnn_np.__main__ import main
from mtcnn_np.batch import Options, run_batch
from mtcnn_np.distributed import dask_results, records_bag, run_dask

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    """Two worker processes with one thread each; closed after the module's tests."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The serial run over the bundled images, with crops: (its JSONL text, crops folder)."""
    folder = tmp_path_factory.mktemp("serial")
    options = Options(crops=str(folder / "crops"))
    run_batch([IMAGES], str(folder / "faces.jsonl"), options, stderr=io.StringIO())
    return (folder / "faces.jsonl").read_text(), options


def test_dask_run_equals_the_serial_run(client, serial, tmp_path, capsys):
    text, options = serial
    target = tmp_path / "faces.jsonl"
    # The command-line form; the workers write the crops into the same folder.
    assert main([str(IMAGES), "--jsonl", str(target), "--crops", options.crops,
                 "--dask", client.scheduler.address]) == 0
    assert "7 images: 7 processed" in capsys.readouterr().err
    assert target.read_text() == text
    assert len(text.splitlines()) == 7 and '"crops": ["' in text


def test_dask_run_resumes(client, serial, tmp_path):
    text, options = serial
    target = tmp_path / "faces.jsonl"
    lines = text.splitlines(keepends=True)
    target.write_text("".join(lines[:3]) + lines[3][:40])        # interrupted: 3 and a half
    summary = run_dask([IMAGES], str(target), options, client=client, chunk_size=2,
                       stderr=io.StringIO())
    assert (summary.skipped, summary.done) == (3, 4)
    assert target.read_text() == text


def test_records_bag_and_executor_give_the_serial_records(client, serial):
    text, options = serial
    expected = [json.loads(line) for line in text.splitlines()]
    records = records_bag([IMAGES], options, npartitions=3).compute()
    assert json.loads(json.dumps(records)) == expected                # tuples → lists
    with pytest.raises(ValueError, match="chunk_size"):
        dask_results(client, chunk_size=0)
    with pytest.raises(ValueError, match="address or a client"):
        run_dask([IMAGES], None, options)


def _detector_id():
    from mtcnn_np import batch

    detector = batch._worker.get("detector")
    return None if detector is None else id(detector)


def test_each_worker_keeps_one_detector(client, serial, tmp_path):
    _, options = serial
    run_dask([IMAGES], str(tmp_path / "a.jsonl"), options, client=client, chunk_size=1,
             stderr=io.StringIO())
    before = client.run(_detector_id)
    run_dask([IMAGES], str(tmp_path / "b.jsonl"), options, client=client, chunk_size=1,
             stderr=io.StringIO())
    assert client.run(_detector_id) == before           # reused by later tasks, not rebuilt
    assert None not in before.values()                  # both workers did some of the work


def test_unreachable_scheduler_is_a_message(tmp_path):
    with pytest.raises(ValueError, match="cannot reach the Dask scheduler"):
        run_dask([IMAGES], None, Options(), "tcp://127.0.0.1:1", timeout=1)
