"""The hand-written ``.caffemodel`` reader (tools/caffemodel.py) and the Caffe layout rules
(tools/convert_caffe.py), on messages and arrays built here (no caffemodel needed).

A tiny ``NetParameter`` is encoded with the protobuf wire format by hand, new-style
(``layer``, field 100) and legacy (``layers``, field 2); the reader must give back the blobs.
The two transposition rules are checked against Caffe's own arithmetic on the transposed image.
"""

from __future__ import annotations

import importlib.util
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from mtcnn_np import layers as L

TOOLS = Path(__file__).resolve().parent.parent / "tools"
sys.path.insert(0, str(TOOLS))


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


caffemodel = _load("caffemodel")
convert = _load("convert_caffe")
rng = np.random.default_rng(11)


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def field(number: int, payload: bytes) -> bytes:          # length-delimited (wire type 2)
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def blob(array: np.ndarray, legacy: bool = False) -> bytes:
    data = field(5, array.astype("<f4").tobytes())
    if legacy:                                            # num/channels/height/width varints
        dims = (1,) * (4 - array.ndim) + array.shape
        return b"".join(varint(n << 3) + varint(d) for n, d in zip((1, 2, 3, 4), dims)) + data
    shape = field(1, b"".join(varint(d) for d in array.shape))   # BlobShape.dim, packed
    return field(7, shape) + data


def test_varint_round_trip():
    for n in (0, 1, 127, 128, 300, 2 ** 35 + 5):
        assert caffemodel.varint(varint(n), 0) == (n, len(varint(n)))
    with pytest.raises(ValueError, match="truncated"):
        caffemodel.varint(b"\x80", 0)


def test_reads_new_style_layers_and_skips_unknown_fields(tmp_path):
    kernel = rng.standard_normal((4, 3, 2, 2)).astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)
    conv = field(1, b"conv1") + field(2, b"Convolution") + field(7, blob(kernel)) \
        + field(7, blob(bias)) + varint(10 << 3) + varint(1)         # an unknown varint field
    pool = field(1, b"pool1") + field(2, b"Pooling") + field(99, b"ignored settings")
    message = field(1, b"tiny") + field(100, conv) + field(100, pool) \
        + varint(7 << 3 | 5) + struct.pack("<f", 1.5)                # an unknown fixed32 field
    path = tmp_path / "tiny.caffemodel"
    path.write_bytes(message)
    layers = caffemodel.read_caffemodel(path)
    assert [(la.name, la.type) for la in layers] == [("conv1", "Convolution"),
                                                      ("pool1", "Pooling")]
    np.testing.assert_array_equal(layers[0].blobs[0], kernel)
    np.testing.assert_array_equal(layers[0].blobs[1], bias)
    assert layers[1].blobs == []


def test_reads_legacy_v1_layers(tmp_path):
    weight = rng.standard_normal((2, 6)).astype(np.float32)
    legacy = field(4, b"fc") + varint(5 << 3) + varint(14) + field(6, blob(weight, legacy=True))
    path = tmp_path / "old.caffemodel"
    path.write_bytes(field(2, legacy))
    (layer,) = caffemodel.read_caffemodel(path)
    assert layer.name == "fc" and layer.type == "V1 type 14"
    np.testing.assert_array_equal(layer.blobs[0].reshape(2, 6), weight)


def test_not_a_caffemodel_is_refused(tmp_path):
    path = tmp_path / "empty.caffemodel"
    path.write_bytes(field(1, b"just a name"))
    with pytest.raises(ValueError, match="no layers"):
        caffemodel.read_caffemodel(path)


def caffe_conv_on_transposed(image_chw: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Caffe's convolution of the transposed image t[c, x, y] = image[c, y, x], by loops."""
    t = image_chw.transpose(0, 2, 1)
    f, _, kx, ky = kernel.shape
    out = np.zeros((f, t.shape[1] - kx + 1, t.shape[2] - ky + 1))
    for x in range(out.shape[1]):
        for y in range(out.shape[2]):
            out[:, x, y] = np.tensordot(kernel, t[:, x:x + kx, y:y + ky], axes=3)
    return out                                            # (F, X', Y')


def test_conv_kernels_swap_their_spatial_axes():
    image = rng.standard_normal((3, 7, 9)).astype(np.float32)            # (C, H, W)
    kernel = rng.standard_normal((4, 3, 2, 3)).astype(np.float32)        # (F, C, kx, ky)
    ours = L.conv2d(image[None], kernel.swapaxes(2, 3).copy(), np.zeros(4, np.float32))[0]
    np.testing.assert_allclose(ours, caffe_conv_on_transposed(image, kernel).transpose(0, 2, 1),
                               atol=1e-5)


def test_first_dense_layer_columns_go_from_cxy_to_cyx():
    fmap = rng.standard_normal((5, 3, 4)).astype(np.float32)             # ours (C, y, x)
    weight = rng.standard_normal((6, 60)).astype(np.float32)             # Caffe: (c, x, y) order
    caffe = weight @ fmap.transpose(0, 2, 1).reshape(-1)                 # Caffe flattens (C, x, y)
    ours = convert.cxy_columns_to_cyx(weight, (5, 3, 4)) @ fmap.reshape(-1)
    np.testing.assert_allclose(ours, caffe, rtol=1e-5)
