"""L-Net, MTCNN v2's landmark refinement network (the authors' ``det4``; ``refine.py``).

Not in the 2016 paper: the authors' extended code (``MTCNNv2/detect_face.m``) cuts a 24×24 patch
around each of the five landmarks O-Net found and asks L-Net how far each point is off.

Layers (``spec.LNET``): the (N, 15, 24, 24) input is sliced into five RGB patches; each goes
through its own trunk conv1_k 3×3×28 → prelu1_k → pool1_k 3/2 → conv2_k 3×3×48 → prelu2_k →
pool2_k 3/2 → conv3_k 2×2×64 → prelu3_k (64×3×3); the five maps are concatenated (320×3×3) →
flatten (2880) → fc4 dense 256 → prelu4 → per landmark fc4_k dense 64 → prelu4_k → fc5_k dense 2,
the landmark's (dx, dy) as a fraction of the patch width, offset by 0.5.
"""

from __future__ import annotations

from pathlib import Path

from .. import weights  # a module, not its function: weights.py imports nets.spec
from .network import Network


def load_lnet(path: str | Path | None = None) -> Network:
    """L-Net with the bundled weights (``weights/lnet.h5``), or with the HDF5 file at ``path``."""
    return Network("lnet", weights.load_weights("lnet", path))
