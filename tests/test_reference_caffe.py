"""Every layer of every net against the authors' own Caffe models run by OpenCV 4's Caffe
importer (tests/reference/caffe/, made by tools/make_caffe_reference.py).

A second independent reference beside facenet-pytorch (test_reference_nets.py): a different
engine (OpenCV's dnn) running the original prototxt + caffemodel, with the original layout. The
stored blobs are Caffe's, (N, C, x, y): Matlab feeds the nets transposed images. Our nets take
the image as it is, so the inputs are transposed back before our forward pass, and our 4-D
activations are transposed to Caffe's layout before comparing. Agreement checks our layers, the
weights (against the authors' files, not a copy of a copy) and the transposition done once in
tools/convert_weights.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import REFERENCE

from mtcnn_np.nets import load_lnet, load_onet, load_pnet, load_rnet
from mtcnn_np.nets.spec import ALL_SPECS

FILES = sorted((REFERENCE / "caffe").glob("*.npz"))
LOADERS = {"pnet": load_pnet, "rnet": load_rnet, "onet": load_onet,
           "lnet": load_lnet}
ACTIVATION_TOL = 1e-4
OUTPUT_TOL = 1e-5
# Caffe's Concat layer is named "concat" in det4.prototxt; its output blob is called "conv3".
ALIASES = {"concat": ("concat", "conv3")}


def read(path) -> tuple[dict, dict]:
    with np.load(path) as ref:
        arrays = {k: ref[k] for k in ref.files if k != "meta"}
        meta = json.loads(str(ref["meta"]))
    return arrays, meta


def to_ours(blob: np.ndarray) -> np.ndarray:
    """Caffe's (N, C, x, y) ↔ our (N, C, y, x); dense (N, D) blobs are the same in both."""
    return blob.transpose(0, 1, 3, 2) if blob.ndim == 4 else blob


def our_activations(net_name: str, caffe_input: np.ndarray) -> dict:
    record: dict = {}
    LOADERS[net_name]().forward(np.ascontiguousarray(to_ours(caffe_input)), record=record)
    return record


def compare(net_name: str, reference: dict, meta: dict, ours: dict) -> dict:
    """Max |ours − Caffe| per stored layer; a stored blob is the leading corner of the full one."""
    errors = {}
    for name in meta["layers"]:
        key = next((k for k in ALIASES.get(name, (name,)) if k in ours), None)
        assert key is not None, f"our {net_name} has no layer {name!r} (Caffe's name)"
        mine = to_ours(ours[key])                     # now in Caffe's layout, like the reference
        assert list(mine.shape) == meta["full_shapes"][name], name
        stored = reference[name]
        corner = mine[tuple(slice(0, s) for s in stored.shape)]
        errors[name] = float(np.max(np.abs(corner - stored)))
    return errors


def test_reference_set_is_complete():
    names = {f.stem.split("_")[0] for f in FILES}
    assert names == {"pnet", "rnet", "onet", "lnet"}
    for path in FILES:
        reference, meta = read(path)
        assert meta["caffemodel_sha256"] and meta["layers"]
        assert set(meta["layers"]) <= set(reference)
        assert set(meta["outputs"]) <= set(meta["layers"])
        assert len(reference["input"]) >= 2 or meta["net"] == "pnet"   # a few samples each


@pytest.mark.parametrize("net_name", ["pnet", "rnet", "onet", "lnet"])
def test_caffe_covers_all_our_layers(net_name):
    """Every layer of our spec is checked (flatten is ours only: Caffe's InnerProduct flattens;
    L-Net's slices are views of the input, which is compared)."""
    path = next(f for f in FILES if f.stem.startswith(net_name))
    _, meta = read(path)
    ours = {layer.name for layer in ALL_SPECS[net_name]
            if layer.op not in ("flatten", "slice")}
    assert ours <= set(meta["layers"])


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_every_layer_matches_caffe(path):
    reference, meta = read(path)
    net_name = meta["net"]
    ours = our_activations(net_name, reference["input"])
    errors = compare(net_name, reference, meta, ours)
    table = "\n".join(f"{k:<10} {v:.2e}" for k, v in errors.items())
    for name, err in errors.items():
        tol = OUTPUT_TOL if name in meta["outputs"] else ACTIVATION_TOL
        assert err <= tol, f"{path.name}: {name} differs by {err:.2e} (> {tol})\n{table}"


def test_a_wrong_weight_is_caught():
    """The comparison can fail: one O-Net conv2 weight off by 0.01 shows from conv2 on."""
    reference, meta = read(REFERENCE / "caffe" / "onet_crops.npz")
    net = load_onet()
    net.params["conv2"]["weight"] = net.params["conv2"]["weight"].copy()
    net.params["conv2"]["weight"][5, 3, 1, 2] += 0.01
    record: dict = {}
    net.forward(np.ascontiguousarray(to_ours(reference["input"])), record=record)
    errors = compare("onet", reference, meta, record)
    assert errors["conv1"] <= ACTIVATION_TOL
    assert errors["conv2"] > ACTIVATION_TOL
    assert min(errors["conv6-2"], errors["conv6-3"]) > OUTPUT_TOL


def test_a_missing_transposition_is_caught():
    """Feeding R-Net Caffe's (x, y) crops as they are (square, so no shape error) fails."""
    reference, meta = read(REFERENCE / "caffe" / "rnet_crops.npz")
    record: dict = {}
    load_rnet().forward(reference["input"], record=record)
    errors = compare("rnet", reference, meta, record)
    assert errors["conv1"] > ACTIVATION_TOL and errors["conv5-2"] > OUTPUT_TOL
