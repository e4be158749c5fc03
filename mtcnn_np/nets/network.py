"""A network = a spec (list of layers, see ``spec.py``) + weights; ``forward`` walks the list."""

from __future__ import annotations

import numpy as np

from .. import layers as L
from .spec import ALL_SPECS, INPUT_CHANNELS, INPUT_SIZE, OUTPUTS, Layer


class Network:
    """One of P-Net, R-Net, O-Net (or L-Net) with loaded weights.

    Parameters
    ----------
    name : "pnet", "rnet", "onet" or "lnet".
    params : ``{layer_name: {"weight"|"bias"|"alpha": array}}`` as returned by
        :func:`mtcnn_np.weights.load_weights`.
    """

    def __init__(self, name: str, params: dict):
        self.name = name
        self.spec: list[Layer] = ALL_SPECS[name]
        self.params = params
        self.outputs: tuple = OUTPUTS[name]
        self.input_size: int = INPUT_SIZE[name]
        self.input_channels: int = INPUT_CHANNELS[name]
        # Activations read by a later layer other than the next one must be kept while walking.
        sources = [layer.source for layer in self.spec if layer.source]
        self._kept = {name for source in sources
                      for name in (source if isinstance(source, tuple) else (source,))}
        self._kept |= set(self.outputs)

    def forward(self, x: np.ndarray, record: dict | None = None) -> tuple:
        """Run the net.

        Parameters
        ----------
        x : (N, 3, H, W) float32, RGB normalised as ``(pixel − 127.5) / 128``.
            P-Net: any H, W ≥ 12; R-Net: 24×24; O-Net: 48×48; L-Net: (N, 15, 24, 24), five
            patches' RGB one after the other (``refine.py``).
        record : optional dict; if given, every layer's output is stored in it under the layer's
            name (``record["conv1"]``, ``record["PReLU1"]``, ...). Nothing is kept otherwise.

        Returns
        -------
        The arrays named in ``OUTPUTS[name]``: P-Net ``prob1 (N, 2, h, w)`` and
        ``conv4-2 (N, 4, h, w)`` with ``h = ceil((H − 4) / 2) − 3`` (likewise w; one cell per
        12×12 window, windows 2 pixels apart); R-Net ``prob1 (N, 2)``, ``conv5-2 (N, 4)``;
        O-Net ``prob1 (N, 2)``, ``conv6-2 (N, 4)``, ``conv6-3 (N, 10)``; L-Net ``fc5_1`` …
        ``fc5_5``, each (N, 2).
        """
        self._check_input(x)
        x = x.astype(np.float32, copy=False)
        kept: dict = {"data": x}
        previous = x
        for layer in self.spec:
            if isinstance(layer.source, tuple):                  # concat: several inputs
                source = [kept[name] for name in layer.source]
            else:
                source = kept[layer.source] if layer.source else previous
            y = self._apply(layer, source)
            if layer.name in self._kept:
                kept[layer.name] = y
            if record is not None:
                record[layer.name] = y
            previous = y
        return tuple(kept[name] for name in self.outputs)

    def receptive_field(self) -> tuple[int, int]:
        """(size, stride) of the input window one output cell sees, derived from the spec.

        P-Net: (12, 2) — each cell scores a 12×12 window, windows 2 pixels apart (§II-A).
        Each k×k layer widens the window by (k − 1) input steps; each pool multiplies the step.
        """
        size, stride = 1, 1
        for layer in self.spec:
            if layer.op == "conv":
                size += (layer.size[2] - 1) * stride
            elif layer.op == "maxpool":
                kernel, step = layer.size
                size += (kernel - 1) * stride
                stride *= step
        return size, stride

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """(rows, columns) of a fully convolutional net's output maps for an input of this size.

        Walks the spec: a k×k conv removes k − 1; a pool rounds up (Caffe), see ``layers``.
        """
        for layer in self.spec:
            if layer.op == "conv":
                height = L.conv_output_size(height, layer.size[2])
                width = L.conv_output_size(width, layer.size[2])
            elif layer.op == "maxpool":
                height = L.pool_output_size(height, *layer.size)
                width = L.pool_output_size(width, *layer.size)
        return height, width

    def row_bands(self, height: int, width: int, cells: int = 8192) -> list[slice]:
        """Split a fully convolutional net's input rows into overlapping bands.

        Running the net on ``x[:, :, band]`` for each band and stacking the outputs along the
        rows gives exactly the output of one run on all of x, while only one band's
        activations exist at a time: memory is bounded by the band, not the image, and a
        band's working set stays in cache. A band of n output rows needs
        ``(n − 1) · stride + size`` input rows (its windows overlap the next band's); the last
        band runs to the last row, so a pooling window that hangs over the bottom edge (Caffe's
        round-up) sees exactly the rows it sees in the whole image.

        height, width : the input's size; cells : output cells per band (rows · columns), a
        trade-off between cache use and the overlap recomputed (at least 8 rows per band).
        Returns input-row slices, top to bottom.
        """
        size, stride = self.receptive_field()
        out_rows = (height - size) // stride + 1
        out_cols = max(1, (width - size) // stride + 1)
        step = max(8, cells // out_cols)
        bands = []
        for first in range(0, out_rows, step):
            last = first + step                    # output rows [first, last)
            stop = height if last >= out_rows else (last - 1) * stride + size
            bands.append(slice(first * stride, stop))
        return bands

    def activations(self, x: np.ndarray) -> dict:
        """Every layer's output by name, in network order (for study and verification)."""
        record: dict = {}
        self.forward(x, record=record)
        return record

    def _apply(self, layer: Layer, x: np.ndarray) -> np.ndarray:
        return layer_forward(layer, self.params.get(layer.name, {}), x)

    def _check_input(self, x: np.ndarray) -> None:
        c = self.input_channels
        if not isinstance(x, np.ndarray) or x.ndim != 4 or x.shape[1] != c:
            shape = getattr(x, "shape", None)
            raise ValueError(f"{self.name}: expected an (N, {c}, H, W) float32 array, got {shape}")
        h, w = x.shape[2:]
        k = self.input_size
        if self.name == "pnet":
            if h < k or w < k:
                raise ValueError(f"pnet: input must be at least {k}×{k}, got {h}×{w}")
        elif (h, w) != (k, k):
            raise ValueError(f"{self.name}: input must be {k}×{k} crops, got {h}×{w}")

    def __repr__(self) -> str:
        return f"Network({self.name!r}, layers={[layer.name for layer in self.spec]})"


def layer_forward(layer: Layer, p: dict, x: np.ndarray) -> np.ndarray:
    """One layer's output. ``p`` holds its parameters (``weight``, ``bias`` or ``alpha``).

    Shared by :class:`Network` and the training code's forward walk (``training/backprop.py``).
    """
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
    if layer.op == "slice":
        return L.channel_slice(x, *layer.size)
    if layer.op == "concat":
        return L.channel_concat(x)
    raise ValueError(f"unknown layer op {layer.op!r}")
