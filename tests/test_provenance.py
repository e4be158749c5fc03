"""The shipped weights are the authors' own Caffe models, converted (issue 13's provenance).

``tests/reference/caffe_blobs.json`` was written by ``tools/convert_caffe.py --hashes`` from the
authors' ``det1``–``det4.caffemodel`` (kpzhang93/MTCNN_face_detection_alignment, MIT): the
SHA-256 of every converted array, and of each caffemodel file. Here every array of the shipped
``weights/*.h5`` is hashed the same way and must match — one flipped bit in one weight fails.
(The caffemodels themselves are not needed: the hashes stand in for them.)
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from conftest import REFERENCE

from mtcnn_np import weights as W
from mtcnn_np.nets.spec import ALL_SPECS, parameter_shapes

RECORD = json.loads((REFERENCE / "caffe_blobs.json").read_text())


def array_digest(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array, "<f4").tobytes()).hexdigest()


def digests(params: dict) -> dict:
    return {f"{layer}/{name}": array_digest(a) for layer, g in params.items() for name, a in
            g.items()}


def test_every_net_and_caffemodel_is_recorded():
    assert set(RECORD) == set(ALL_SPECS) == {"pnet", "rnet", "onet", "lnet"}
    models = {net: RECORD[net]["caffemodel"] for net in RECORD}
    assert models == {"pnet": "det1.caffemodel", "rnet": "det2.caffemodel",
                      "onet": "det3.caffemodel", "lnet": "det4.caffemodel"}
    for net, entry in RECORD.items():
        assert len(entry["caffemodel_sha256"]) == 64
        expected = {f"{layer}/{p}" for layer, shapes in parameter_shapes(ALL_SPECS[net]).items()
                    for p in shapes}
        assert set(entry["arrays"]) == expected


@pytest.mark.parametrize("net", sorted(ALL_SPECS))
def test_shipped_arrays_are_the_authors(net):
    assert digests(W.load_weights(net)) == RECORD[net]["arrays"]


def test_one_changed_weight_is_caught():
    params = W.load_weights("onet")
    params["conv6-3"]["weight"] = params["conv6-3"]["weight"].copy()
    params["conv6-3"]["weight"][3, 7] = np.nextafter(params["conv6-3"]["weight"][3, 7],
                                                     np.float32(1))
    changed = digests(params)
    assert changed != RECORD["onet"]["arrays"]
    assert [k for k in changed if changed[k] != RECORD["onet"]["arrays"][k]] == ["conv6-3/weight"]
