"""Backpropagation through a net's spec: a forward walk that keeps every activation, and a
backward walk over the same list in reverse.

The spec (``mtcnn_np.nets.spec``) is the one the detector's :class:`~mtcnn_np.nets.Network` walks;
nothing here changes it. Unlike ``Network.forward``, the walk below keeps the input's dtype
(float64 for gradient checks, float32 for training) and accepts any spec, so a test can also
train a toy net.

Activations are named by layer (``"conv1"``, ``"prelu1"``, …) plus ``"input"`` for the batch.
Gradients use the same names: ``grads["conv5-1"]`` is ∂loss/∂(output of conv5-1).
"""

from __future__ import annotations

import numpy as np

from .. import layers as L
from ..nets.network import layer_forward
from ..nets.spec import Layer

INPUT = "input"


def layer_inputs(spec: list) -> list:
    """The name of the activation each layer reads: its ``source``, else the layer before it
    (``"input"`` for the first layer)."""
    names = [INPUT] + [layer.name for layer in spec[:-1]]
    return [layer.source or previous for layer, previous in zip(spec, names)]


def layer_backward(layer: Layer, p: dict, x: np.ndarray, dy: np.ndarray) -> tuple:
    """The gradient wrt the layer's input, and ``{param name: gradient}`` for its parameters.

    Each backward takes the forward's own arguments (``dy`` first), so this table mirrors
    :func:`layer_forward` line for line.
    """
    if layer.op == "conv":
        dx, dw, db = L.conv2d_backward(dy, x, p["weight"], p["bias"])
        return dx, {"weight": dw, "bias": db}
    if layer.op == "prelu":
        dx, dalpha = L.prelu_backward(dy, x, p["alpha"])
        return dx, {"alpha": dalpha}
    if layer.op == "maxpool":
        kernel, stride = layer.size
        return L.max_pool2d_backward(dy, x, kernel, stride), {}
    if layer.op == "flatten":
        return L.flatten_backward(dy, x), {}
    if layer.op == "dense":
        dx, dw, db = L.dense_backward(dy, x, p["weight"], p["bias"])
        return dx, {"weight": dw, "bias": db}
    if layer.op == "softmax":
        return L.softmax_backward(dy, x, axis=1), {}
    raise ValueError(f"unknown layer op {layer.op!r}")


def forward(spec: list, params: dict, x: np.ndarray) -> dict:
    """Run the spec on ``x`` and keep every activation.

    Parameters
    ----------
    spec : list of :class:`~mtcnn_np.nets.spec.Layer`, e.g. ``SPECS["rnet"]``.
    params : ``{layer name: {param name: array}}`` (the layout of ``load_weights``).
    x : (N, 3, H, W), float32 or float64 (the dtype is kept throughout).

    Returns
    -------
    ``{"input": x, layer name: output, ...}`` in network order.
    """
    acts = {INPUT: x}
    for layer, source in zip(spec, layer_inputs(spec)):
        acts[layer.name] = layer_forward(layer, params.get(layer.name, {}), acts[source])
    return acts


def network_backward(spec: list, params: dict, acts: dict, grads: dict) -> tuple:
    """Backpropagate ``grads`` through the spec, last layer first.

    Parameters
    ----------
    spec, params : as for :func:`forward`.
    acts : the activations :func:`forward` returned for this batch.
    grads : ``{layer name: ∂loss/∂output}`` for the outputs the loss reads — usually the heads'
        scores and offsets, e.g. ``{"conv5-1": …, "conv5-2": …}``. Layers that no gradient
        reaches (such as ``prob1`` while training on scores) are skipped.

    Returns
    -------
    dx : ∂loss/∂input, shaped like ``acts["input"]`` (zeros if nothing reaches it).
    dparams : ``{layer name: {param name: gradient}}`` with an entry (zeros where no gradient
        arrived) for every parameter in ``params``.
    """
    pending = dict(grads)  # activation name → its gradient, summed over every layer that reads it
    dparams = {name: {k: np.zeros_like(v) for k, v in p.items()} for name, p in params.items()}
    # A layer is visited only after every layer that reads its output (they all come later in
    # the spec), so its gradient is complete by then: the heads add into the shared trunk.
    for layer, source in reversed(list(zip(spec, layer_inputs(spec)))):
        dy = pending.pop(layer.name, None)
        if dy is None:
            continue
        dx, dp = layer_backward(layer, params.get(layer.name, {}), acts[source], dy)
        dparams.setdefault(layer.name, {}).update(dp)
        pending[source] = pending[source] + dx if source in pending else dx
    dx = pending.get(INPUT, np.zeros_like(acts[INPUT]))
    return dx, dparams
