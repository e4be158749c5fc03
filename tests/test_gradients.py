"""Gradient checks: every backward pass against centred differences, in float64.

For a scalar loss ``ℓ = Σ R ⊙ f(θ)`` (R random), the analytic gradient from the backward pass must
match ``(ℓ(θ + ε) − ℓ(θ − ε)) / 2ε`` for every input and every parameter, to a relative error
below 1e-6 (norm of the difference over the larger norm). The layers are checked entry by entry
on small shapes; the whole nets (P-Net, R-Net, O-Net, through ``training.backprop``) on a sample
of entries of every array, since O-Net alone has about 390,000 parameters.
"""

from __future__ import annotations

import numpy as np
import pytest

from mtcnn_np import layers as L
from mtcnn_np.nets.spec import OUTPUTS, SPECS
from mtcnn_np.training import losses
from mtcnn_np.training.backprop import forward, layer_inputs, network_backward
from mtcnn_np.training.data import CropSet
from mtcnn_np.training.ohem import hard_sample_mask
from mtcnn_np.training.train import head_layers, init_params, loss_and_gradients

EPS = 1e-6
TOLERANCE = 1e-6


def centred_difference(loss, array: np.ndarray, i: int, eps: float = EPS) -> tuple:
    """``loss()`` with flat entry i of ``array`` moved by +ε and by −ε (in place, then restored):
    returns (ℓ(θ + ε), ℓ(θ − ε))."""
    flat = array.reshape(-1)                      # a view: writing it perturbs `array`
    old = flat[i]
    flat[i] = old + eps
    up = loss()
    flat[i] = old - eps
    down = loss()
    flat[i] = old
    return up, down


def numerical_gradient(loss, array: np.ndarray) -> np.ndarray:
    """Centred differences ``(ℓ(θ + ε) − ℓ(θ − ε)) / 2ε`` of ``loss()`` at every entry."""
    grad = np.zeros(array.size)
    for i in range(array.size):
        up, down = centred_difference(loss, array, i)
        grad[i] = (up - down) / (2 * EPS)
    return grad.reshape(array.shape)


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    analytic, numeric = np.ravel(analytic), np.ravel(numeric)
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric))
    assert scale > 1e-8, "a gradient check on an all-zero gradient proves nothing"
    return float(np.linalg.norm(analytic - numeric) / scale)


def check(loss, arrays: dict, grads: dict) -> None:
    """Every array's full analytic gradient against centred differences."""
    for name, array in arrays.items():
        assert grads[name].shape == array.shape, name
        error = relative_error(grads[name], numerical_gradient(loss, array))
        assert error < TOLERANCE, f"{name}: relative error {error:.2e}"


@pytest.fixture
def rng():
    return np.random.default_rng(2016)


# -- layers, every entry ------------------------------------------------------------------------

@pytest.mark.parametrize("shape,f,k,stride", [
    ((2, 3, 7, 6), 4, 3, 1), ((2, 2, 9, 8), 3, 3, 2), ((1, 2, 8, 9), 2, 4, 3),
    ((2, 3, 5, 5), 2, 1, 1), ((1, 4, 4, 4), 3, 2, 1),
])
def test_conv2d_backward(rng, shape, f, k, stride):
    x = rng.standard_normal(shape)
    w = rng.standard_normal((f, shape[1], k, k))
    b = rng.standard_normal(f)
    r = rng.standard_normal(L.conv2d(x, w, b, stride).shape)
    dx, dw, db = L.conv2d_backward(r, x, w, b, stride)
    check(lambda: np.sum(r * L.conv2d(x, w, b, stride)), {"x": x, "w": w, "b": b},
          {"x": dx, "w": dw, "b": db})


def test_col2im_is_the_adjoint_of_im2col(rng):
    # <im2col(x), c> = <x, col2im(c)> for all x, c: col2im is im2col's transpose.
    x = rng.standard_normal((2, 3, 7, 8))
    cols = rng.standard_normal(L.im2col(x, 3, 2, 2).shape)
    back = L.col2im(cols, x.shape, 3, 2, 2)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(L.im2col(x, 3, 2, 2) * cols), np.sum(x * back), rtol=1e-12)


def test_col2im_counts_overlaps_by_hand():
    # All-ones columns of 2×2 windows, stride 1, on a 3×3 image: each pixel receives the number
    # of windows that contain it — 1 in the corners, 2 on the edges, 4 in the centre.
    ones = np.ones((1 * 2 * 2, 1 * 2 * 2))
    assert L.col2im(ones, (1, 1, 3, 3), 2, 2).tolist() == [[[[1, 2, 1], [2, 4, 2], [1, 2, 1]]]]


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (3, 6)])
def test_prelu_backward(rng, shape):
    x = rng.standard_normal(shape)
    alpha = rng.uniform(0.05, 0.5, shape[1])
    r = rng.standard_normal(shape)
    dx, dalpha = L.prelu_backward(r, x, alpha)
    check(lambda: np.sum(r * L.prelu(x, alpha)), {"x": x, "alpha": alpha},
          {"x": dx, "alpha": dalpha})


@pytest.mark.parametrize("shape,k,stride", [
    ((2, 3, 8, 8), 2, 2),      # P-Net's pool, windows tile the input
    ((2, 2, 9, 9), 3, 2),      # overlapping windows (R-Net, O-Net)
    ((1, 2, 10, 11), 3, 2),    # round-up: the last windows hang over the edge
    ((2, 3, 7, 5), 2, 2),      # odd sizes with 2/2: a last column of one pixel
    ((1, 2, 22, 22), 3, 2),    # R-Net's pool1 shape, 22 → 11
])
def test_max_pool2d_backward(rng, shape, k, stride):
    x = rng.standard_normal(shape)
    r = rng.standard_normal(L.max_pool2d(x, k, stride).shape)
    dx = L.max_pool2d_backward(r, x, k, stride)
    check(lambda: np.sum(r * L.max_pool2d(x, k, stride)), {"x": x}, {"x": dx})


def test_max_pool2d_backward_by_hand():
    # Ties: a constant window passes its gradient once, to its first pixel.
    dx = L.max_pool2d_backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), np.ones((1, 1, 4, 4)), 2, 2)
    assert dx[0, 0].tolist() == [[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]]
    # Overlap: the centre pixel of a 5×5 input is the max of all four 3/2 windows.
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 2, 2] = 5.0
    dx = L.max_pool2d_backward(np.ones((1, 1, 2, 2)), x, 3, 2)
    assert dx[0, 0, 2, 2] == 4 and dx.sum() == 4


def test_dense_and_flatten_backward(rng):
    x = rng.standard_normal((3, 2, 2, 3))
    w = rng.standard_normal((4, 12))
    b = rng.standard_normal(4)
    r = rng.standard_normal((3, 4))
    dflat, dw, db = L.dense_backward(r, L.flatten(x), w, b)
    dx = L.flatten_backward(dflat, x)
    check(lambda: np.sum(r * L.dense(L.flatten(x), w, b)), {"x": x, "w": w, "b": b},
          {"x": dx, "w": dw, "b": db})


def test_softmax_backward(rng):
    x = rng.standard_normal((3, 4, 2, 2))
    r = rng.standard_normal(x.shape)
    check(lambda: np.sum(r * L.softmax(x)), {"x": x}, {"x": L.softmax_backward(r, x)})


def test_softmax_cross_entropy_gradient(rng):
    logits = rng.standard_normal((6, 2)) * 3
    labels = np.array([0, 1, 1, 0, 1, 0])
    weights = rng.uniform(0.5, 2.0, 6)      # per-sample weights, as the task masks give them
    _, dlogits = losses.softmax_cross_entropy(logits, labels)
    check(lambda: np.sum(weights * losses.softmax_cross_entropy(logits, labels)[0]),
          {"logits": logits}, {"logits": weights[:, None] * dlogits})


def test_euclidean_loss_gradient(rng):
    pred, target = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    _, dpred = losses.euclidean_loss(pred, target)
    check(lambda: np.sum(losses.euclidean_loss(pred, target)[0]), {"pred": pred}, {"pred": dpred})


# -- whole nets, sampled entries -----------------------------------------------------------------
#
# A net is piecewise linear in its parameters: moving a PReLU input across 0 or changing which
# pixel wins a max-pool window bends the loss, and a centred difference across such a kink is
# wrong by far more than 1e-6. Such an entry says nothing about the backward pass, so the checks
# below record where every kink is (`kinks`) at θ + ε and θ − ε and use only entries where the
# two agree. A wrong backward pass is still caught: it disagrees at the smooth entries too.

INPUTS = {"pnet": (15, 14), "rnet": (24, 24), "onet": (48, 48)}
PER_ARRAY = 4
# Steps tried in turn, for each entry, until one has no kink within ±ε. The larger comes first: a
# centred difference carries the loss's rounding error (≈ 1e-16·|ℓ|) divided by ε, and an early
# PReLU slope of O-Net moves a loss of ~10 by only ~1e-3 per unit, so ε = 1e-6 would leave ~1e-6
# of pure rounding there. The truncation error, ~ε², is far smaller. A conv1 weight feeds every
# later activation, so it often has a kink within 1e-5: the smaller step serves there.
NET_STEPS = (1e-5, 1e-6)


def float64_params(net: str, rng) -> dict:
    """Random parameters in float64, with the heads scaled down so that the outputs are about 1:
    with the raw random heads ℓ reaches hundreds and the softmax saturates (gradients ~1e-9),
    and both drown ordinary entries in rounding error (see NET_STEPS)."""
    params = init_params(net, rng)
    params = {layer: {k: v.astype(np.float64) for k, v in p.items()} for layer, p in params.items()}
    for layer in head_layers(net).values():
        params[layer]["weight"] *= 0.1
    return params


def kinks(spec: list, acts: dict) -> np.ndarray:
    """The sign of every PReLU input and, for every max-pool, how many windows each input pixel
    wins: the loss is smooth between two points where all of this is the same."""
    parts = []
    for layer, source in zip(spec, layer_inputs(spec)):
        if layer.op == "prelu":
            parts.append((acts[source] > 0).ravel())
        elif layer.op == "maxpool":
            ones = np.ones_like(acts[layer.name])
            # how many windows each pixel wins (overlapping windows can share a winner)
            parts.append(L.max_pool2d_backward(ones, acts[source], *layer.size).ravel())
    return np.concatenate(parts)


def sampled_check(loss, arrays: dict, rng) -> None:
    """For each ``name: (array, analytic gradient)``: the largest analytic entry and random ones,
    PER_ARRAY smooth entries in all, against centred differences.

    loss() returns (ℓ, kink pattern).
    """
    for name, (array, grad) in arrays.items():
        assert grad.shape == array.shape, name
        tries = [int(np.abs(grad).argmax())] + rng.permutation(array.size)[:30].tolist()
        analytic, numeric = [], []
        for i in dict.fromkeys(tries):                  # unique, in order
            for eps in NET_STEPS:
                (up, kinks_up), (down, kinks_down) = centred_difference(loss, array, i, eps)
                if np.array_equal(kinks_up, kinks_down):
                    analytic.append(grad.reshape(-1)[i])
                    numeric.append((up - down) / (2 * eps))
                    break
            if len(numeric) == min(PER_ARRAY, array.size):
                break
        assert len(numeric) >= min(2, array.size), f"{name}: kinks at nearly every entry"
        error = relative_error(np.array(analytic), np.array(numeric))
        assert error < TOLERANCE, f"{name}: relative error {error:.2e}"


def with_gradients(params: dict, dparams: dict) -> dict:
    """``{"layer/param": (array, its analytic gradient)}`` for every parameter array."""
    return {f"{layer}/{k}": (v, dparams[layer][k]) for layer, p in params.items()
            for k, v in p.items()}


@pytest.mark.parametrize("net", ["pnet", "rnet", "onet"])
def test_network_backward_through_every_output(rng, net):
    """ℓ = Σ_outputs R ⊙ output, including the softmax prob1: backprop through the whole spec."""
    spec, params = SPECS[net], float64_params(net, rng)
    x = rng.standard_normal((2, 3) + INPUTS[net])
    acts = forward(spec, params, x)
    assert all(a.dtype == np.float64 for a in acts.values())
    projections = {name: rng.standard_normal(acts[name].shape) for name in OUTPUTS[net]}

    def loss():
        acts = forward(spec, params, x)
        return sum(np.sum(r * acts[name]) for name, r in projections.items()), kinks(spec, acts)

    dx, dparams = network_backward(spec, params, acts, projections)
    sampled_check(loss, {"input": (x, dx), **with_gradients(params, dparams)}, rng)


@pytest.mark.parametrize("net", ["pnet", "rnet", "onet"])
def test_training_loss_gradient(rng, net):
    """The multi-task loss of eq. (4) — all four kinds of sample, OHEM on — wrt every parameter."""
    spec, params = SPECS[net], float64_params(net, rng)
    size = INPUTS[net][0] if net != "pnet" else 12
    kinds = np.array([losses.NEGATIVE, losses.POSITIVE, losses.PART, losses.LANDMARK] * 2)
    batch = CropSet(rng.standard_normal((8, 3, size, size)), kinds,
                    rng.uniform(-0.3, 0.3, (8, 4)), rng.uniform(0, 1, (8, 10)))
    _, parts, dparams = loss_and_gradients(net, params, batch)
    assert set(parts) == ({"det", "box", "landmark"} if net == "onet" else {"det", "box"})

    def loss():  # forward and eq. (4) only, written out again here
        acts = forward(spec, params, batch.images)
        outputs = {task: acts[name].reshape(8, -1) for task, name in head_layers(net).items()}
        targets = {"box": batch.boxes, "landmark": batch.landmarks}
        total = losses.multitask_loss(outputs, kinds, targets, losses.TASK_WEIGHTS[net])[0]
        # OHEM's choice of samples is a kink too.
        labels = (kinds == losses.POSITIVE).astype(int)
        hard = hard_sample_mask(losses.softmax_cross_entropy(outputs["det"], labels)[0],
                                losses.task_masks(kinds)["det"])
        return total, np.concatenate([kinks(spec, acts), hard])

    sampled_check(loss, with_gradients(params, dparams), rng)
