"""Weight files: the bundled ones load and match their manifest; damaged ones fail clearly."""

from __future__ import annotations

import shutil

import h5py
import numpy as np
import pytest

from mtcnn_np import weights as W
from mtcnn_np.nets import SPECS, load_pnet, load_rnet, parameter_shapes
from mtcnn_np.nets.spec import ALL_SPECS


@pytest.mark.parametrize("net", ALL_SPECS)
def test_bundled_weights_load_with_expected_shapes(net):
    params = W.load_weights(net)
    for layer, shapes in parameter_shapes(ALL_SPECS[net]).items():
        for name, shape in shapes.items():
            assert params[layer][name].shape == shape
            assert params[layer][name].dtype == np.float32


def test_manifest_matches_files():
    sums = W.bundled_checksums()
    assert set(sums) == {"pnet.h5", "rnet.h5", "onet.h5", "lnet.h5"}
    for name, digest in sums.items():
        assert W.sha256_of(W.bundled_weights_dir() / name) == digest


def test_save_load_round_trip_is_byte_identical(tmp_path):
    params = W.load_weights("rnet")
    W.save_weights("rnet", params, tmp_path / "a.h5", source="test")
    W.save_weights("rnet", params, tmp_path / "b.h5", source="test")
    assert (tmp_path / "a.h5").read_bytes() == (tmp_path / "b.h5").read_bytes()
    again = W.load_weights("rnet", tmp_path / "a.h5")
    for layer in params:
        for name in params[layer]:
            np.testing.assert_array_equal(again[layer][name], params[layer][name])
    assert load_rnet(tmp_path / "a.h5").params["conv4"]["weight"].shape == (128, 576)


def copy_bundled(tmp_path, net="pnet"):
    path = tmp_path / f"{net}.h5"
    shutil.copy(W.bundled_weights_dir() / f"{net}.h5", path)
    return path


def test_missing_file(tmp_path):
    with pytest.raises(W.WeightsError, match="not found.*nothere.h5"):
        load_pnet(tmp_path / "nothere.h5")


def test_truncated_file(tmp_path):
    path = copy_bundled(tmp_path)
    path.write_bytes(path.read_bytes()[:20_000])
    with pytest.raises(W.WeightsError, match="pnet.h5.*truncated or corrupted"):
        load_pnet(path)


def test_not_hdf5(tmp_path):
    path = tmp_path / "pnet.h5"
    path.write_text("hello")
    with pytest.raises(W.WeightsError, match="pnet.h5"):
        load_pnet(path)


def test_missing_layer_is_named(tmp_path):
    path = copy_bundled(tmp_path)
    with h5py.File(path, "a") as f:
        del f["conv3"]
    with pytest.raises(W.WeightsError, match="pnet.h5.*layer 'conv3'"):
        load_pnet(path)


def test_missing_parameter_is_named(tmp_path):
    path = copy_bundled(tmp_path)
    with h5py.File(path, "a") as f:
        del f["PReLU2/alpha"]
    with pytest.raises(W.WeightsError, match="'PReLU2/alpha'"):
        load_pnet(path)


def test_wrong_shape_is_named(tmp_path):
    path = copy_bundled(tmp_path)
    with h5py.File(path, "a") as f:
        del f["conv2/weight"]
        f["conv2/weight"] = np.zeros((16, 10, 3, 2), np.float32)
    with pytest.raises(W.WeightsError, match=r"conv2/weight has shape \(16, 10, 3, 2\).*"
                                             r"\(16, 10, 3, 3\)"):
        load_pnet(path)


def test_wrong_net_file(tmp_path):
    path = copy_bundled(tmp_path, "rnet")
    with pytest.raises(W.WeightsError, match="rnet.h5"):
        load_pnet(path)


def test_nan_weights_refused(tmp_path):
    path = copy_bundled(tmp_path)
    with h5py.File(path, "a") as f:
        f["conv1/bias"][0] = np.nan
    with pytest.raises(W.WeightsError, match="conv1/bias contains NaN"):
        load_pnet(path)


def test_tampered_bundled_file_is_refused(tmp_path, monkeypatch):
    for name in ("pnet.h5", "SHA256SUMS"):
        shutil.copy(W.bundled_weights_dir() / name, tmp_path / name)
    with h5py.File(tmp_path / "pnet.h5", "a") as f:
        f["conv1/bias"][0] += 1
    monkeypatch.setattr(W, "bundled_weights_dir", lambda: tmp_path)
    with pytest.raises(W.WeightsError, match="SHA-256 .* does not match the manifest"):
        W.load_weights("pnet")


def test_unknown_net():
    with pytest.raises(ValueError, match="unknown net"):
        W.load_weights("qnet")


# -- wrong dtypes, swapped files, and MTCNN(weights=...) -----------------------------------------

@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.float16])
def test_wrong_dtype_is_named(tmp_path, dtype):
    # Right names and shapes, wrong dtype: refused, not silently cast.
    path = copy_bundled(tmp_path)
    with h5py.File(path, "a") as f:
        values = f["conv2/weight"][()]
        del f["conv2/weight"]
        f["conv2/weight"] = values.astype(dtype)
    with pytest.raises(W.WeightsError, match=rf"conv2/weight has dtype {np.dtype(dtype)}.*float32"):
        load_pnet(path)


def test_big_endian_float32_is_accepted(tmp_path):
    path = copy_bundled(tmp_path)
    with h5py.File(path, "a") as f:
        values = f["conv2/weight"][()]
        del f["conv2/weight"]
        f["conv2/weight"] = values.astype(">f4")
    np.testing.assert_array_equal(load_pnet(path).params["conv2"]["weight"], values)


def test_parameter_that_is_a_group_is_missing(tmp_path):
    path = copy_bundled(tmp_path)
    with h5py.File(path, "a") as f:
        del f["conv1/bias"]
        f["conv1"].create_group("bias")
    with pytest.raises(W.WeightsError, match="'conv1/bias' of pnet is missing"):
        load_pnet(path)


def test_swapped_file_names_the_net_it_holds(tmp_path):
    path = tmp_path / "pnet.h5"
    shutil.copy(W.bundled_weights_dir() / "onet.h5", path)            # an O-Net named pnet.h5
    with pytest.raises(W.WeightsError, match="holds onet weights, not pnet"):
        load_pnet(path)


def test_mtcnn_weights_as_a_dict_of_paths(tmp_path):
    from mtcnn_np import MTCNN

    path = copy_bundled(tmp_path, "rnet")
    with h5py.File(path, "a") as f:
        f["conv1/bias"][0] += 1                                       # a "fine-tuned" R-Net
    detector = MTCNN(weights={"rnet": path})                          # P-Net, O-Net: bundled
    bundled = W.load_weights("rnet")["conv1"]["bias"]
    assert detector.rnet.params["conv1"]["bias"][0] == bundled[0] + 1
    assert detector.pnet.params["conv1"]["bias"].tolist() == \
        W.load_weights("pnet")["conv1"]["bias"].tolist()
    folder = tmp_path / "all"
    folder.mkdir()
    for net in SPECS:
        copy_bundled(folder, net)
    assert MTCNN(weights=str(folder)).onet.params.keys() == MTCNN().onet.params.keys()


@pytest.mark.parametrize("weights,error,message", [
    ({"qnet": "x.h5"}, ValueError, "unknown key.*'qnet'"),
    ({"pnet": 3}, TypeError, r"weights\['pnet'\] has type int"),
    (42, TypeError, "weights must be None, a folder.*got int"),
    (["pnet.h5"], TypeError, "got list"),
])
def test_mtcnn_weights_argument_is_validated(weights, error, message):
    from mtcnn_np import MTCNN

    with pytest.raises(error, match=message):
        MTCNN(weights=weights)


def test_mtcnn_weights_folder_errors(tmp_path):
    from mtcnn_np import MTCNN

    with pytest.raises(W.WeightsError, match="weights folder not found"):
        MTCNN(weights=tmp_path / "nowhere")
    with pytest.raises(W.WeightsError, match="is a file.*dict"):
        MTCNN(weights=copy_bundled(tmp_path))
    with pytest.raises(W.WeightsError, match="rnet weights file not found"):
        MTCNN(weights={"rnet": tmp_path / "missing.h5"})
