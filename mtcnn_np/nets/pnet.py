"""P-Net, the Proposal Network (Zhang et al. 2016, §II-A, stage 1).

A tiny fully convolutional net: slid over every pyramid level, each output cell scores one 12×12
window (windows 2 px apart) as face / not face and regresses the window's four edges. Because it
has no dense layer it runs on an image of any size in one pass.

Layers: conv1 3×3×10 → PReLU1 → pool1 2/2 → conv2 3×3×16 → PReLU2 → conv3 3×3×32 → PReLU3 →
conv4-1 1×1×2 (→ prob1 softmax) and conv4-2 1×1×4 (box offsets).
"""

from __future__ import annotations

from pathlib import Path

from .. import weights  # a module, not its function: weights.py imports nets.spec
from .network import Network


def load_pnet(path: str | Path | None = None) -> Network:
    """P-Net with the bundled pretrained weights, or with the HDF5 file at ``path``."""
    return Network("pnet", weights.load_weights("pnet", path))
