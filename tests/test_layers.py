"""Each layer against its definition: naive loop versions (oracles) and cases done by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mtcnn_np import layers as L

rng = np.random.default_rng(1234)


# -- oracles: the definitions, written as plainly as possible ----------------------------------

def naive_conv2d(x, w, b, stride):
    n, c, h, width = x.shape
    f, _, kh, kw = w.shape
    ho, wo = (h - kh) // stride + 1, (width - kw) // stride + 1
    y = np.zeros((n, f, ho, wo), np.float64)
    for i in range(n):
        for o in range(f):
            for r in range(ho):
                for q in range(wo):
                    window = x[i, :, r * stride:r * stride + kh, q * stride:q * stride + kw]
                    y[i, o, r, q] = np.sum(window * w[o]) + b[o]
    return y


def naive_max_pool(x, k, s):
    n, c, h, w = x.shape
    ho, wo = math.ceil((h - k) / s) + 1, math.ceil((w - k) / s) + 1
    y = np.zeros((n, c, ho, wo), x.dtype)
    for r in range(ho):
        for q in range(wo):
            y[:, :, r, q] = x[:, :, r * s:r * s + k, q * s:q * s + k].max(axis=(2, 3))
    return y


@pytest.mark.parametrize("shape,f,k,stride", [
    ((1, 3, 12, 12), 10, 3, 1), ((2, 3, 13, 17), 4, 3, 1), ((3, 5, 9, 7), 6, 2, 1),
    ((2, 4, 11, 10), 3, 3, 2), ((1, 2, 5, 5), 2, 1, 1), ((2, 3, 8, 9), 5, 4, 3),
])
def test_conv2d_matches_loops(shape, f, k, stride):
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((f, shape[1], k, k)).astype(np.float32)
    b = rng.standard_normal(f).astype(np.float32)
    y = L.conv2d(x, w, b, stride)
    assert y.dtype == np.float32 and y.transpose(1, 2, 3, 0).flags.c_contiguous  # batch innermost
    np.testing.assert_allclose(y, naive_conv2d(x, w, b, stride), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape,f,k,stride", [
    ((2, 3, 13, 17), 10, 3, 1), ((2, 4, 11, 10), 3, 3, 2), ((1, 32, 12, 12), 16, 2, 1)])
def test_conv2d_matches_the_direct_sum_reference(shape, f, k, stride):
    x = rng.standard_normal(shape).astype(np.float32)
    w = rng.standard_normal((f, shape[1], k, k)).astype(np.float32)
    b = rng.standard_normal(f).astype(np.float32)
    reference = L.conv.conv2d_reference(x, w, b, stride)
    np.testing.assert_allclose(reference, naive_conv2d(x, w, b, stride), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(L.conv2d(x, w, b, stride), reference, rtol=1e-5, atol=1e-4)


def test_conv2d_by_hand():
    # 1×1×3×3 input, one 2×2 kernel of ones: each output is the sum of a 2×2 block, plus bias.
    x = np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3)   # [[0,1,2],[3,4,5],[6,7,8]]
    w = np.ones((1, 1, 2, 2), np.float32)
    y = L.conv2d(x, w, np.array([0.5], np.float32))
    assert y.tolist() == [[[[8.5, 12.5], [20.5, 24.5]]]]
    # It is a cross-correlation (Caffe's convolution): the kernel is not flipped.
    w = np.zeros((1, 1, 2, 2), np.float32)
    w[0, 0, 0, 0] = 1.0                                        # picks each window's top-left
    assert L.conv2d(x, w, np.zeros(1, np.float32)).tolist() == [[[[0, 1], [3, 4]]]]


def test_conv_rejects_bad_shapes():
    with pytest.raises(ValueError, match="channels"):
        L.conv2d(np.zeros((1, 2, 5, 5), np.float32), np.zeros((1, 3, 3, 3), np.float32),
                 np.zeros(1, np.float32))
    with pytest.raises(ValueError, match="smaller than"):
        L.conv2d(np.zeros((1, 3, 2, 5), np.float32), np.zeros((1, 3, 3, 3), np.float32),
                 np.zeros(1, np.float32))


def test_im2col_column_is_a_window():
    x = rng.standard_normal((2, 3, 6, 5)).astype(np.float32)
    cols = L.im2col(x, 3, 2, stride=2)                        # Ho = 2, Wo = 2
    assert cols.shape == (3 * 3 * 2, 2 * 2 * 2)
    # columns run over (y, x, n): column (y=1, x=0, n=1) is the window at rows 2..4, columns
    # 0..1 of image 1, in (c, i, j)
    np.testing.assert_array_equal(cols[:, 1 * 4 + 0 * 2 + 1], x[1, :, 2:5, 0:2].ravel())


@pytest.mark.parametrize("shape,k,s", [
    ((1, 2, 10, 10), 2, 2), ((2, 3, 11, 9), 2, 2), ((1, 4, 22, 22), 3, 2),
    ((2, 2, 9, 9), 3, 2), ((1, 3, 10, 7), 3, 2), ((1, 1, 3, 3), 3, 2), ((1, 2, 5, 4), 2, 2),
])
def test_max_pool_matches_loops(shape, k, s):
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_array_equal(L.max_pool2d(x, k, s), naive_max_pool(x, k, s))


def test_max_pool_rounds_up_by_hand():
    # 5×5, 2×2 windows, stride 2: windows start at 0, 2, 4 — the last covers one row/column only.
    x = np.arange(25, dtype=np.float32).reshape(1, 1, 5, 5)
    y = L.max_pool2d(x, 2, 2)
    assert y.shape == (1, 1, 3, 3)
    assert y[0, 0].tolist() == [[6, 8, 9], [16, 18, 19], [21, 23, 24]]


@pytest.mark.parametrize("size,k,s,expected", [
    (22, 3, 2, 11), (9, 3, 2, 4), (10, 2, 2, 5), (11, 2, 2, 6), (46, 3, 2, 23), (21, 3, 2, 10),
    (8, 3, 2, 4), (4, 2, 2, 2),
])
def test_pool_output_size_is_caffe_ceil(size, k, s, expected):
    assert L.pool_output_size(size, k, s) == expected


def test_rnet_and_onet_map_sizes():
    # Only the round-up gives the 3×3 maps the dense layers were trained on (576 and 1152 inputs).
    size = 24 - 2                                       # conv1
    size = L.pool_output_size(size, 3, 2) - 2           # pool1, conv2
    size = L.pool_output_size(size, 3, 2) - 1           # pool2, conv3 (2×2)
    assert size == 3
    size = 48 - 2
    size = L.pool_output_size(size, 3, 2) - 2
    size = L.pool_output_size(size, 3, 2) - 2
    size = L.pool_output_size(size, 2, 2) - 1
    assert size == 3


def test_prelu_by_hand_and_per_channel():
    x = np.array([[[[-2.0, 3.0]], [[-2.0, 3.0]]]], np.float32)   # (1, 2, 1, 2)
    y = L.prelu(x, np.array([0.25, 0.5], np.float32))
    assert y.tolist() == [[[[-0.5, 3.0]], [[-1.0, 3.0]]]]
    v = np.array([[-4.0, 0.0, 1.0]], np.float32)                  # dense form (N, C)
    assert L.prelu(v, np.array([0.5, 0.5, 0.5], np.float32)).tolist() == [[-2.0, 0.0, 1.0]]


def test_softmax():
    x = np.array([[0.0, np.log(3.0)]], np.float32)
    np.testing.assert_allclose(L.softmax(x), [[0.25, 0.75]], rtol=1e-6)
    big = rng.standard_normal((2, 2, 4, 5)).astype(np.float32) * 50
    p = L.softmax(big, axis=1)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)
    e = np.exp(big.astype(np.float64))
    np.testing.assert_allclose(p, e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-7)
    assert np.isfinite(L.softmax(np.array([[1000.0, -1000.0]], np.float32))).all()


def test_dense_and_flatten():
    x = rng.standard_normal((3, 4, 2, 2)).astype(np.float32)
    flat = L.flatten(x)
    assert flat.shape == (3, 16)
    assert flat[1, 4 * 1 + 2 * 1 + 0] == x[1, 1, 1, 0]           # (c, y, x) order
    w = rng.standard_normal((5, 16)).astype(np.float32)
    b = rng.standard_normal(5).astype(np.float32)
    expected = [[sum(flat[n, d] * w[f, d] for d in range(16)) + b[f] for f in range(5)]
                for n in range(3)]
    np.testing.assert_allclose(L.dense(flat, w, b), expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="features"):
        L.dense(flat, w[:, :10], b)
