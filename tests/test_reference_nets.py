"""Every layer of every net against an independent implementation: facenet-pytorch's P/R/O-Net
with its own .pt weights under PyTorch (tests/reference/layers/, made by tools/make_reference.py).

Different framework, different weight file: agreement here checks our layers, our weight
conversion (the transposition, the flatten order) and the pooling round-up at once.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REFERENCE

from mtcnn_np.nets import SPECS, load_onet, load_pnet, load_rnet

FILES = sorted((REFERENCE / "layers").glob("*.npz"))
LOADERS = {"pnet": load_pnet, "rnet": load_rnet, "onet": load_onet}
ACTIVATION_TOL = 1e-4
PROBABILITY_TOL = 1e-5


@pytest.fixture(scope="module")
def nets():
    return {name: load() for name, load in LOADERS.items()}


def test_reference_set_is_complete():
    names = {f.stem for f in FILES}
    assert {n.split("_")[0] for n in names} == {"pnet", "rnet", "onet"}
    assert sum(n.startswith("pnet_random") for n in names) >= 4     # several sizes, odd ones too
    assert any("crops" in n for n in names) and any("grace" in n for n in names)


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_every_layer_matches(nets, path):
    net_name = path.stem.split("_")[0]
    with np.load(path) as ref:
        reference = {k: ref[k] for k in ref.files}
    ours = nets[net_name].activations(reference["input"])
    layer_names = [layer.name for layer in SPECS[net_name]]
    assert set(layer_names) <= set(reference), "reference lacks a layer"
    errors = {}
    for name in layer_names:
        assert ours[name].shape == reference[name].shape, name
        errors[name] = float(np.max(np.abs(ours[name] - reference[name])))
    table = "\n".join(f"{k:<10} {v:.2e}" for k, v in errors.items())
    for name, err in errors.items():
        tol = PROBABILITY_TOL if name == "prob1" else ACTIVATION_TOL
        assert err <= tol, f"{path.name}: {name} differs by {err:.2e} (> {tol})\n{table}"
