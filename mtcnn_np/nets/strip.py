"""Run R-Net or O-Net on a batch of crops laid side by side, as one wide image.

R-Net and O-Net are convolutional up to their flatten layer, so a batch of N crops of s×s can
go through those layers as a single image of s rows and N·s columns, the way P-Net runs over a
pyramid level. Every output column that lies wholly inside one crop is computed from exactly
the values it would see in a batch of separate crops, so it gets the same bits; the columns
whose windows straddle two crops are garbage and are simply never read. At the flatten layer
each crop's columns are cut back out and the dense layers run on the batch as usual.

Why: a batch of tiny images has short rows (22, 11, 4 values), and NumPy's strided copies
(im2col) and max-pool taps then pay their per-row overhead on every one of them. In the strip
every row is N crops long. Measured on R-Net with 32 crops: 97 → 83 µs per crop.

Bookkeeping, per layer: ``pitch`` is the distance between two crops' first columns and
``valid`` the number of real columns at the start of each. A k×k convolution keeps the pitch
and removes k − 1 valid columns; a pool of stride s divides both (crops start at multiples of
s, so window starts line up with crop starts). The strip is always ``(N − 1)·pitch + valid``
columns wide.

One care point is Caffe's round-up pooling (``layers/pool.py``): when a crop's last pooling
window hangs over its right edge, in the strip it would see the next crop's garbage columns.
Those columns are first overwritten with copies of the crop's last real column, which leaves
every window's maximum unchanged (max(a, b, b) = max(a, b)).
"""

from __future__ import annotations

import numpy as np

from .. import layers as L


def strip_pitch(size: int, spec: list) -> int:
    """Columns from one crop's start to the next: ``size`` rounded up to a multiple of the
    product of the pool strides before the flatten, so that every crop starts a pool window."""
    step = 1
    for layer in spec:
        if layer.op == "flatten":
            break
        if layer.op == "maxpool":
            step *= layer.size[1]
    return -(-size // step) * step


def to_strip(x: np.ndarray, pitch: int) -> np.ndarray:
    """(N, C, s, s) crops → (1, C, s, (N − 1)·pitch + s) side by side, zeros between crops."""
    n, c, s, _ = x.shape
    strip = np.zeros((c, s, n, pitch), dtype=x.dtype)
    strip[..., :s] = x.transpose(1, 2, 0, 3)                 # (C, s, N, s)
    width = (n - 1) * pitch + s                              # no gap after the last crop
    return np.ascontiguousarray(strip.reshape(1, c, s, n * pitch)[..., :width])


def from_strip(strip: np.ndarray, n: int, pitch: int, valid: int) -> np.ndarray:
    """(1, C, h, (n − 1)·pitch + valid) strip → (n, C, h, valid) batch, a copy."""
    _, c, h, width = strip.shape
    assert width == (n - 1) * pitch + valid, (width, n, pitch, valid)
    s_c, s_h, s_w = strip.strides[1:]
    crops = np.lib.stride_tricks.as_strided(                # (n, C, h, valid), read-only view
        strip, (n, c, h, valid), (pitch * s_w, s_c, s_h, s_w), writeable=False)
    return np.ascontiguousarray(crops)


def fill_gaps(strip: np.ndarray, n: int, pitch: int, valid: int) -> None:
    """Overwrite the garbage columns between crops with each crop's last real column, in place.

    strip : (1, C, h, (n − 1)·pitch + valid). The last crop has no gap after it: there the
    strip's own right edge plays the part of the crop's edge.
    """
    if n < 2 or valid == pitch:
        return
    c, h = strip.shape[1:3]
    gaps = strip[0, :, :, :(n - 1) * pitch].reshape(c, h, n - 1, pitch)
    gaps[..., valid:] = gaps[..., valid - 1:valid]


def strip_forward(spec: list, params: dict, x: np.ndarray, keep: set, layer_forward) -> dict:
    """Walk ``spec`` over the crops ``x`` (N, C, s, s) float32 laid out as one strip.

    params : ``{layer name: {param name: array}}``; keep : names of the activations to return;
    layer_forward(layer, params, x) : runs one layer (``network.layer_forward``).
    Returns ``{name: activation}`` for the names in ``keep``, in the batch layout (N, C, h, w)
    or (N, F) — bit for bit what a walk over the batch computes.
    """
    n, _, size, _ = x.shape
    needed = set(keep) | {layer.source for layer in spec if layer.source}
    pitch = strip_pitch(size, spec)
    valid = size
    kept: dict = {}
    previous = to_strip(x, pitch)
    in_strip = True
    for layer in spec:
        source = kept[layer.source] if layer.source else previous
        if layer.op == "flatten" and in_strip:
            source = from_strip(source, n, pitch, valid)
            in_strip = False
        if layer.op == "maxpool":
            kernel, stride = layer.size
            fill_gaps(source, n, pitch, valid)       # in place: the strip is our own array
            valid, pitch = L.pool_output_size(valid, kernel, stride), pitch // stride
        elif layer.op == "conv":
            valid -= layer.size[2] - 1
        y = layer_forward(layer, params.get(layer.name, {}), source)
        if layer.name in needed:
            kept[layer.name] = y
        previous = y
    return {name: kept[name] for name in keep}
