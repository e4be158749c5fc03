"""Key to ``02_pnet_and_pyramid.ipynb``: the scales, a cell's window, the pyramid's work."""

from __future__ import annotations

import math

import numpy as np


def my_scales(height, width, min_face_size, scale_factor):
    """[12/min_face_size · scale_factor^k for k = 0, 1, ... while the short side stays ≥ 12].

    The running short side is multiplied and tested, as the original does: recomputing it as
    ``short · f**k`` can flip the last level when it lands on 12 exactly.
    """
    m = 12 / min_face_size
    short_side = min(height, width) * m
    scales, k = [], 0
    while short_side >= 12:
        scales.append(m * scale_factor ** k)
        short_side *= scale_factor
        k += 1
    return scales


def my_window(i, j, scale):
    """Canonical 1-based inclusive box of P-Net cell (i, j): a (4,) array,
    ``fix([2j + 1, 2i + 1, 2j + 12, 2i + 12] / scale)``."""
    return np.fix(np.array([2 * j + 1, 2 * i + 1, 2 * j + 12, 2 * i + 12]) / scale)


def _cells_along(size):
    """P-Net's output cells along a side of ``size`` level pixels: conv 3 (−2), pool 2/2 rounding
    up, then conv 3 and conv 3 (−4)."""
    return -(-(size - 2 - 2) // 2) + 1 - 4


def my_cell_count(height, width, min_face_size, scale_factor):
    """Total number of P-Net output cells over every pyramid level.

    Why ``cells of level 0 / (1 − f²)``: each level has ``f`` times the sides, so ``f²`` times
    the cells, of the previous one; the levels form a geometric series
    ``N₀ (1 + f² + f⁴ + …) ≈ N₀ / (1 − f²)``: 1.33·N₀ for f = 0.5, 2.0·N₀ for 0.709 and 2.8·N₀
    for 0.8 (a little less, since the series stops and the borders shrink each level).
    """
    total = 0
    for s in my_scales(height, width, min_face_size, scale_factor):
        rows, cols = math.ceil(height * s), math.ceil(width * s)
        total += _cells_along(rows) * _cells_along(cols)
    return total


def _scales_one_level_short(height, width, min_face_size, scale_factor):
    """Mistake: stopping one level early (testing the *next* short side before keeping a
    scale, i.e. ``short · f^(k+1) ≥ 12``)."""
    m = 12 / min_face_size
    count = 0
    while min(height, width) * m * scale_factor ** (count + 1) >= 12:
        count += 1
    return [m * scale_factor ** k for k in range(count)]


def _window_without_fix(i, j, scale):
    """Mistake: forgetting Matlab's ``fix`` (round toward zero)."""
    return np.array([2 * j + 1, 2 * i + 1, 2 * j + 12, 2 * i + 12]) / scale


def _cell_count_flooring(height, width, min_face_size, scale_factor):
    """Mistake: the pool rounded down (``floor``), as in most frameworks but not Caffe."""
    total = 0
    for s in my_scales(height, width, min_face_size, scale_factor):
        rows, cols = math.ceil(height * s), math.ceil(width * s)
        total += ((rows - 4) // 2 + 1 - 4) * ((cols - 4) // 2 + 1 - 4)
    return total


WRONG = {
    "my_scales": _scales_one_level_short,
    "my_window": _window_without_fix,
    "my_cell_count": _cell_count_flooring,
}
