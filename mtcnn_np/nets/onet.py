"""O-Net, the Output Network (Zhang et al. 2016, §II-A, stage 3).

Sees each surviving box as a 48×48 crop, gives the final score and box, and five facial landmarks.

Layers: conv1 3×3×32 → prelu1 → pool1 3/2 → conv2 3×3×64 → prelu2 → pool2 3/2 → conv3 3×3×64 →
prelu3 → pool3 2/2 → conv4 2×2×128 → prelu4 → flatten (3·3·128 = 1152) → conv5 dense 256 →
prelu5 → conv6-1 dense 2 (→ prob1), conv6-2 dense 4 (box offsets), conv6-3 dense 10 (landmarks).
"""

from __future__ import annotations

from pathlib import Path

from .. import weights  # a module, not its function: weights.py imports nets.spec
from .network import Network


def load_onet(path: str | Path | None = None) -> Network:
    """O-Net with the bundled pretrained weights, or with the HDF5 file at ``path``."""
    return Network("onet", weights.load_weights("onet", path))
