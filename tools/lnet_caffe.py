"""The authors' L-Net (``det4.prototxt`` / ``det4.caffemodel``) run by OpenCV's dnn module, with
the interface of ``mtcnn_np``'s nets — an independent reference for stage 4 (``refine.py``).

Developer tool only (needs ``opencv-python-headless``; numpy and cv2, nothing of mtcnn_np, so it
also runs under ``/work/venvs/cv4/bin/python``). Used by ``benchmarks/landmark_nme.py
--caffe-lnet MODEL_DIR`` before (or besides) mtcnn_np's own L-Net.

Orientation: Matlab hands Caffe its (24, 24, 15, N) array column-major, so Caffe's H axis is the
image's x: the net was trained on transposed patches. ``forward`` therefore swaps H and W of our
(N, 15, 24, 24) rows-are-y input, and the outputs come out as Matlab's ``out{k}``: column 0 = x.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

OUTPUTS = ("fc5_1", "fc5_2", "fc5_3", "fc5_4", "fc5_5")   # left eye … right mouth corner


class CaffeLNet:
    """``forward(x)`` with x : (N, 15, 24, 24) float32 → five (N, 2) float32 offsets."""

    name = "lnet"
    input_size = 24

    def __init__(self, model_dir: str | Path):
        model_dir = Path(model_dir)
        self.net = cv2.dnn.readNetFromCaffe(str(model_dir / "det4.prototxt"),
                                            str(model_dir / "det4.caffemodel"))

    def forward(self, x: np.ndarray, record: dict | None = None) -> tuple:
        blob = np.ascontiguousarray(x.transpose(0, 1, 3, 2), dtype=np.float32)
        self.net.setInput(blob)
        outs = self.net.forward(list(OUTPUTS))
        if record is not None:
            for name, value in zip(OUTPUTS, outs):
                record[name] = value
        return tuple(np.asarray(o, np.float32).reshape(len(x), 2) for o in outs)
