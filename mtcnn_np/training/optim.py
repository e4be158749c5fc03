"""Stochastic gradient descent with momentum (the optimiser the MTCNN authors used in Caffe).

For every parameter array p with gradient g::

    v ← μ·v − lr·(g + λ·p)       velocity: a running, decaying sum of past steps
    p ← p + v

μ (momentum) smooths the noisy mini-batch gradients; λ (weight decay) pulls weights towards 0.
"""

from __future__ import annotations

import numpy as np


class SGD:
    """Updates a params dict ``{layer: {name: array}}`` in place.

    Parameters
    ----------
    params : the arrays to train (as returned by ``load_weights`` or ``init_params``); they are
        modified in place by :meth:`step`.
    lr : learning rate.
    momentum : μ, in [0, 1).
    weight_decay : λ, applied to conv/dense weights only (not to biases or PReLU slopes).
    """

    def __init__(self, params: dict, lr: float = 0.01, momentum: float = 0.9,
                 weight_decay: float = 0.0):
        if lr <= 0 or not 0 <= momentum < 1 or weight_decay < 0:
            raise ValueError(f"SGD needs lr > 0, 0 ≤ momentum < 1, weight_decay ≥ 0; got "
                             f"lr={lr}, momentum={momentum}, weight_decay={weight_decay}")
        self.params = params
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.velocity = {layer: {k: np.zeros_like(v) for k, v in p.items()}
                         for layer, p in params.items()}

    def step(self, grads: dict) -> None:
        """One update from ``grads`` (same layout as the params)."""
        for layer, p in self.params.items():
            for name, value in p.items():
                g = grads[layer][name]
                if name == "weight" and self.weight_decay:
                    g = g + self.weight_decay * value
                v = self.velocity[layer][name]
                v *= self.momentum
                v -= self.lr * g
                value += v                                        # in place: params is shared
