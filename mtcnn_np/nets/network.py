"""A network = a spec (list of layers, see ``spec.py``) + weights; ``forward`` walks the list."""

from __future__ import annotations

import numpy as np

from .. import layers as L
from .spec import INPUT_SIZE, OUTPUTS, SPECS, Layer


class Network:
    """One of P-Net, R-Net, O-Net with loaded weights.

    Parameters
    ----------
    name : "pnet", "rnet" or "onet".
    params : ``{layer_name: {"weight"|"bias"|"alpha": array}}`` as returned by
        :func:`mtcnn_np.weights.load_weights`.
    """

    def __init__(self, name: str, params: dict):
        self.name = name
        self.spec: list[Layer] = SPECS[name]
        self.params = params
        self.outputs: tuple = OUTPUTS[name]
        self.input_size: int = INPUT_SIZE[name]
        # Activations read by a later layer other than the next one must be kept while walking.
        self._kept = {layer.source for layer in self.spec if layer.source} | set(self.outputs)

    def forward(self, x: np.ndarray, record: dict | None = None) -> tuple:
        """Run the net.

        Parameters
        ----------
        x : (N, 3, H, W) float32, RGB normalised as ``(pixel − 127.5) / 128``.
            P-Net: any H, W ≥ 12; R-Net: 24×24; O-Net: 48×48.
        record : optional dict; if given, every layer's output is stored in it under the layer's
            name (``record["conv1"]``, ``record["PReLU1"]``, ...). Nothing is kept otherwise.

        Returns
        -------
        The arrays named in ``OUTPUTS[name]``: P-Net ``prob1 (N, 2, h, w)`` and
        ``conv4-2 (N, 4, h, w)`` with ``h = ceil((H − 4) / 2) − 3`` (likewise w; one cell per
        12×12 window, windows 2 pixels apart); R-Net ``prob1 (N, 2)``, ``conv5-2 (N, 4)``;
        O-Net ``prob1 (N, 2)``, ``conv6-2 (N, 4)``, ``conv6-3 (N, 10)``.
        """
        self._check_input(x)
        x = x.astype(np.float32, copy=False)
        kept: dict = {}
        previous = x
        for layer in self.spec:
            source = kept[layer.source] if layer.source else previous
            y = self._apply(layer, source)
            if layer.name in self._kept:
                kept[layer.name] = y
            if record is not None:
                record[layer.name] = y
            previous = y
        return tuple(kept[name] for name in self.outputs)

    def activations(self, x: np.ndarray) -> dict:
        """Every layer's output by name, in network order (for study and verification)."""
        record: dict = {}
        self.forward(x, record=record)
        return record

    def _apply(self, layer: Layer, x: np.ndarray) -> np.ndarray:
        p = self.params.get(layer.name, {})
        if layer.op == "conv":
            return L.conv2d(x, p["weight"], p["bias"])
        if layer.op == "prelu":
            return L.prelu(x, p["alpha"])
        if layer.op == "maxpool":
            kernel, stride = layer.size
            return L.max_pool2d(x, kernel, stride)
        if layer.op == "flatten":
            return L.flatten(x)
        if layer.op == "dense":
            return L.dense(x, p["weight"], p["bias"])
        if layer.op == "softmax":
            return L.softmax(x, axis=1)
        raise ValueError(f"unknown layer op {layer.op!r}")

    def _check_input(self, x: np.ndarray) -> None:
        if not isinstance(x, np.ndarray) or x.ndim != 4 or x.shape[1] != 3:
            shape = getattr(x, "shape", None)
            raise ValueError(f"{self.name}: expected an (N, 3, H, W) float32 array, got {shape}")
        h, w = x.shape[2:]
        k = self.input_size
        if self.name == "pnet":
            if h < k or w < k:
                raise ValueError(f"pnet: input must be at least {k}×{k}, got {h}×{w}")
        elif (h, w) != (k, k):
            raise ValueError(f"{self.name}: input must be {k}×{k} crops, got {h}×{w}")

    def __repr__(self) -> str:
        return f"Network({self.name!r}, layers={[layer.name for layer in self.spec]})"
