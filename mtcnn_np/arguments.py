"""Checking MTCNN's constructor arguments: numbers, thresholds, channel order, weights.

Every check raises ``TypeError`` (wrong type) or ``ValueError`` (wrong value; for weights a
:class:`~mtcnn_np.weights.WeightsError`) with a message that names the argument and says what
to pass, so a mistake is caught when the detector is built, not deep inside NumPy later.
``mtcnn`` 0.1.1's positional ``weights_file`` is told apart from a misplaced number here too.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .weights import NETS, WeightsError


def number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def positive(name: str, value) -> float:
    value = number(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def in_range(name: str, value, low: float, high: float, open_ends: bool = False) -> float:
    value = number(name, value)
    inside = low < value < high if open_ends else low <= value <= high
    if not inside:
        brackets = f"({low}, {high})" if open_ends else f"[{low}, {high}]"
        raise ValueError(f"{name} must be in {brackets}, got {value}")
    return value


def thresholds(name: str, values, count: int) -> tuple:
    # A list, tuple or 1-D array; not a str, set or dict (whose order or items are not numbers).
    ordered = isinstance(values, (Sequence, np.ndarray)) and not isinstance(values, (str, bytes))
    if not ordered or np.ndim(values) != 1 or len(values) != count:
        raise ValueError(f"{name} must be a sequence of {count} numbers in [0, 1], got {values!r}")
    return tuple(in_range(f"{name}[{i}]", v, 0, 1) for i, v in enumerate(values))


def channel_order(value) -> str:
    if not isinstance(value, str) or value.lower() not in ("rgb", "bgr"):
        raise ValueError(f"channel_order must be 'rgb' or 'bgr' (OpenCV's frames), got {value!r}")
    return value.lower()


def parallel(value) -> str:
    """MTCNN's ``parallel``: "threads" or "processes" (``processes.py``)."""
    if value not in ("threads", "processes"):
        raise ValueError(f"parallel must be 'threads' or 'processes', got {value!r}")
    return value


def weights_argument(weights_file, weights):
    """``mtcnn`` 0.1.1's first positional argument, ``weights_file``, or ours, ``weights``."""
    if weights_file is None:
        return weights
    if weights is not None:
        raise ValueError("pass weights_file (mtcnn 0.1.1's name) or weights, not both")
    if isinstance(weights_file, numbers.Number):
        raise TypeError(f"MTCNN's first argument is weights_file, as in mtcnn 0.1.1 "
                        f"(MTCNN(weights_file, min_face_size, steps_threshold, scale_factor)); "
                        f"got {weights_file!r}: pass min_face_size={weights_file!r} by name")
    if isinstance(weights_file, str) and weights_file in ("face_detection_only",
                                                          "face_and_landmarks_detection"):
        raise TypeError(f"{weights_file!r} is an mtcnn 1.0 stages value: pass it as stages=")
    if isinstance(weights_file, (str, os.PathLike)) and str(weights_file).endswith(".npy"):
        raise WeightsError(f"{weights_file}: mtcnn 0.1.1's .npy weights are not read at run "
                           "time; convert them once to HDF5 (tools/convert_weights.py in the "
                           "repository) and pass the folder, or leave weights_file out for the "
                           "bundled weights, which are the same values")
    return weights_file


def weight_paths(weights) -> dict:
    """``{net: Path, or None for the bundled file}`` from MTCNN's ``weights`` argument."""
    expected = ("weights must be None, a folder holding pnet.h5, rnet.h5, onet.h5, or a dict "
                "{'pnet': path, 'rnet': path, 'onet': path}")
    if weights is None:
        return dict.fromkeys(NETS)
    if isinstance(weights, dict):
        unknown = sorted(map(repr, set(weights) - set(NETS)))
        if unknown:
            raise ValueError(f"{expected}; unknown key(s) {', '.join(unknown)}")
        for net, path in weights.items():
            if path is not None and not isinstance(path, (str, os.PathLike)):
                raise TypeError(f"{expected}; weights[{net!r}] has type {type(path).__name__}")
        return {net: None if weights.get(net) is None else Path(weights[net]) for net in NETS}
    if not isinstance(weights, (str, os.PathLike)):
        raise TypeError(f"{expected}; got {type(weights).__name__}")
    folder = Path(weights)
    if folder.is_file():
        raise WeightsError(f"{expected}; {folder} is a file (for single files use the dict)")
    if not folder.is_dir():
        raise WeightsError(f"weights folder not found: {folder}")
    return {net: folder / f"{net}.h5" for net in NETS}
