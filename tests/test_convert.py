"""The weight conversion's two layout rules, on synthetic arrays (tools/convert_weights.py).

The source weights act on transposed images in TensorFlow's NHWC convention; ours act on the
image as stored, NCHW. Both rules are checked against a plain-loop TensorFlow-style computation.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from mtcnn_np import layers as L
from mtcnn_np.nets import SPECS

TOOL = Path(__file__).resolve().parent.parent / "tools" / "convert_weights.py"
spec = importlib.util.spec_from_file_location("convert_weights", TOOL)
convert = importlib.util.module_from_spec(spec)
spec.loader.exec_module(convert)

rng = np.random.default_rng(7)


def tf_conv_on_transposed(image_chw, kernel):
    """Keras Conv2D ('valid') on the transposed image: t[x, y, c] = image[c, y, x]."""
    t = image_chw.transpose(2, 1, 0)                             # (X, Y, C)
    kx, ky, _, f = kernel.shape
    out = np.zeros((t.shape[0] - kx + 1, t.shape[1] - ky + 1, f))
    for x in range(out.shape[0]):
        for y in range(out.shape[1]):
            out[x, y] = np.tensordot(t[x:x + kx, y:y + ky], kernel, axes=3)
    return out                                                   # (X', Y', F)


def test_conv_kernel_transposition():
    image = rng.standard_normal((3, 7, 9)).astype(np.float32)    # (C, H, W)
    kernel = rng.standard_normal((3, 2, 3, 4)).astype(np.float32)  # (kx, ky, C, F), kx ≠ ky
    params = {"weight": kernel.transpose(3, 2, 1, 0)}           # the tool's rule
    ours = L.conv2d(image[None], params["weight"], np.zeros(4, np.float32))[0]  # (F, H', W')
    theirs = tf_conv_on_transposed(image, kernel)                # (W', H', F)
    np.testing.assert_allclose(ours, theirs.transpose(2, 1, 0), rtol=1e-5, atol=1e-5)


def test_dense_rows_permuted_to_nchw_flatten():
    c, h, w, f = 4, 3, 3, 5
    feature_map = rng.standard_normal((c, h, w)).astype(np.float32)   # ours, (C, H, W)
    kernel = rng.standard_normal((w * h * c, f)).astype(np.float32)   # rows in (x, y, c) order
    theirs = feature_map.transpose(2, 1, 0).reshape(-1) @ kernel      # Keras Flatten of (X, Y, C)
    converted = convert.xyc_rows_to_cyx(kernel, (c, h, w)).T          # (F, D)
    ours = L.dense(L.flatten(feature_map[None]), converted, np.zeros(f, np.float32))[0]
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_convert_net_consumes_every_array_in_keras_order():
    # Fake Keras lists with the right shapes: each array filled with its own index.
    keras_shapes = {
        "rnet": [(3, 3, 3, 28), (28,), (1, 1, 28), (3, 3, 28, 48), (48,), (1, 1, 48),
                 (2, 2, 48, 64), (64,), (1, 1, 64), (576, 128), (128,), (128,), (128, 2), (2,),
                 (128, 4), (4,)],
    }
    arrays = [np.full(s, i, np.float32) for i, s in enumerate(keras_shapes["rnet"])]
    params = convert.convert_net("rnet", arrays)
    assert [name for name in params] == [
        layer.name for layer in SPECS["rnet"] if layer.op in ("conv", "dense", "prelu")]
    assert params["conv4"]["weight"].shape == (128, 576) and params["conv4"]["weight"][0, 0] == 9
    assert params["prelu4"]["alpha"].shape == (128,) and params["prelu4"]["alpha"][0] == 11
    assert params["conv5-2"]["bias"][0] == 15
