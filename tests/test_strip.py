"""R-Net/O-Net on crops laid side by side (nets/strip.py) give the batch walk's exact bits."""

import numpy as np
import pytest

from mtcnn_np.nets import load_onet, load_rnet
from mtcnn_np.nets import spec as S
from mtcnn_np.nets.network import layer_forward
from mtcnn_np.nets.strip import fill_gaps, from_strip, strip_forward, strip_pitch, to_strip
from mtcnn_np.training.backprop import forward as batch_forward


@pytest.fixture(scope="module", params=["rnet", "onet"])
def net(request):
    return {"rnet": load_rnet, "onet": load_onet}[request.param]()


@pytest.mark.parametrize("n", [2, 3, 17])
def test_strip_gives_the_bits_of_the_batch_walk(net, n):
    size = net.input_size
    x = np.random.default_rng(n).uniform(-1, 1, (n, 3, size, size)).astype(np.float32)
    acts = batch_forward(net.spec, net.params, x)            # crop by crop, every layer kept
    fast = net.forward(x)                                    # the strip, for n > 1
    for name, value in zip(net.outputs, fast):
        np.testing.assert_array_equal(value, acts[name], err_msg=name)


def test_strip_respects_each_crops_right_edge(net):
    # Caffe's round-up pooling: a crop's last window hangs over its right edge. Make the crop
    # after it bright everywhere, so that reading across the gap would raise the maximum.
    size = net.input_size
    x = np.full((2, 3, size, size), -1.0, np.float32)
    x[1] = 1.0
    x[0, :, :, -3:] = np.linspace(-1, 0.5, 3 * size * 3, dtype=np.float32).reshape(3, size, 3)
    acts = batch_forward(net.spec, net.params, x)
    for name, value in zip(net.outputs, net.forward(x)):
        np.testing.assert_array_equal(value, acts[name], err_msg=name)


def test_without_the_gap_fill_the_round_up_windows_go_wrong(net, monkeypatch):
    # The test above must be able to fail: with fill_gaps switched off, the strip is wrong.
    import mtcnn_np.nets.strip as strip
    monkeypatch.setattr(strip, "fill_gaps", lambda *args: None)
    size = net.input_size
    x = np.random.default_rng(0).uniform(-1, 1, (8, 3, size, size)).astype(np.float32)
    acts = batch_forward(net.spec, net.params, x)
    outputs = net.forward(x)
    assert not all(np.array_equal(v, acts[name]) for name, v in zip(net.outputs, outputs))


def test_a_spec_whose_pitch_needs_padding():
    # Pools of stride 3 and 2 need crops 6 columns apart: 13-pixel crops get a 18-column pitch,
    # and the last crop's windows meet the strip's own edge.
    spec = [S.conv("c1", 4, 3, 3), S.prelu("p1", 4), S.pool("m1", 3, 3),
            S.conv("c2", 5, 4, 2), S.pool("m2", 2, 2),
            S.Layer("flatten", "flatten"), S.dense("d", 3, 20), S.softmax("prob", source="d")]
    rng = np.random.default_rng(7)
    params = {"c1": {"weight": rng.standard_normal((4, 3, 3, 3), np.float32),
                     "bias": rng.standard_normal(4, np.float32)},
              "p1": {"alpha": np.array([0.25, -0.5, 1.5, 0.0], np.float32)},
              "c2": {"weight": rng.standard_normal((5, 4, 2, 2), np.float32),
                     "bias": rng.standard_normal(5, np.float32)},
              "d": {"weight": rng.standard_normal((3, 20), np.float32),
                    "bias": rng.standard_normal(3, np.float32)}}
    assert strip_pitch(13, spec) == 18
    x = rng.uniform(-1, 1, (5, 3, 13, 13)).astype(np.float32)
    acts = batch_forward(spec, params, x)
    kept = strip_forward(spec, params, x, {"prob", "c1"}, layer_forward)
    assert set(kept) == {"prob", "c1"}
    assert kept["c1"].shape == (1, 4, 11, 4 * 18 + 11)       # still the strip
    np.testing.assert_array_equal(kept["prob"], acts["prob"])


def test_pitch_of_the_real_nets():
    assert strip_pitch(24, S.SPECS["rnet"]) == 24            # pools 2·2 = 4 divide 24
    assert strip_pitch(48, S.SPECS["onet"]) == 48            # pools 2·2·2 = 8 divide 48
    assert strip_pitch(12, S.SPECS["pnet"]) == 12            # no flatten: pools 2


def test_strip_layout_round_trip():
    x = np.arange(3 * 2 * 4 * 4, dtype=np.float32).reshape(3, 2, 4, 4)
    strip = to_strip(x, 6)                                   # (1, 2, 4, 16), 2 zero columns
    assert strip.shape == (1, 2, 4, 16)                      # after each crop but the last
    np.testing.assert_array_equal(strip[0, :, :, 6:10], x[1])
    assert not strip[0, :, :, 4:6].any()
    np.testing.assert_array_equal(from_strip(strip, 3, 6, 4), x)
    filled = strip.copy()
    fill_gaps(filled, 3, 6, 4)
    np.testing.assert_array_equal(filled[0, :, :, 4], x[0, :, :, 3])
    np.testing.assert_array_equal(filled[0, :, :, 11], x[1, :, :, 3])
    np.testing.assert_array_equal(from_strip(filled, 3, 6, 4), x)   # real columns untouched
