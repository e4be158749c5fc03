"""Slice and Concat along the channel axis: how L-Net (MTCNN v2) runs five nets side by side.

L-Net's input stacks five RGB patches, one per landmark, as 15 channels; Caffe's Slice layer
hands channels 0–2 to the first branch, 3–5 to the second, and so on, and its Concat layer
joins the five branches' maps back into one (the authors' ``det4.prototxt``).
"""

from __future__ import annotations

import numpy as np


def channel_slice(x: np.ndarray, first: int, stop: int) -> np.ndarray:
    """Channels ``first … stop − 1``.

    x : (N, C, H, W) float32 → (N, stop − first, H, W), a view (nothing is copied).
    """
    if not 0 <= first < stop <= x.shape[1]:
        raise ValueError(f"channel slice {first}:{stop} outside the {x.shape[1]} channels")
    return x[:, first:stop]


def channel_concat(parts: list) -> np.ndarray:
    """The maps one after the other along the channels.

    parts : (N, C_i, H, W) float32 arrays, equal N, H, W → (N, ΣC_i, H, W) float32.
    """
    shapes = {(p.shape[0],) + p.shape[2:] for p in parts}
    if len(shapes) != 1:
        raise ValueError(f"concat needs equal N, H, W; got {[p.shape for p in parts]}")
    return np.concatenate(parts, axis=1)
