"""R-Net, the Refine Network (Zhang et al. 2016, §II-A, stage 2).

Sees each P-Net candidate as a 24×24 crop, rejects most false positives and refines the box.

Layers: conv1 3×3×28 → prelu1 → pool1 3/2 → conv2 3×3×48 → prelu2 → pool2 3/2 → conv3 2×2×64 →
prelu3 → flatten (3·3·64 = 576) → conv4 dense 128 → prelu4 → conv5-1 dense 2 (→ prob1) and
conv5-2 dense 4 (box offsets).
"""

from __future__ import annotations

from pathlib import Path

from .. import weights  # a module, not its function: weights.py imports nets.spec
from .network import Network


def load_rnet(path: str | Path | None = None) -> Network:
    """R-Net with the bundled pretrained weights, or with the HDF5 file at ``path``."""
    return Network("rnet", weights.load_weights("rnet", path))
