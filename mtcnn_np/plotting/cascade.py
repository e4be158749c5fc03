"""The cascade at a glance: the funnel of windows left after each step of one detection, and
the paper's Fig. 1 (pyramid → P-Net → R-Net → O-Net) drawn from the nets' specification.
"""

from __future__ import annotations

import numpy as np

from ..funnel import cascade_stages, funnel_counts
from .base import _axes

NET_TITLES = {"pnet": "P-Net", "rnet": "R-Net", "onet": "O-Net"}


def plot_funnel(trace, ax=None, steps_threshold: tuple | None = None, title: str | None = None):
    """How many windows each step keeps, as horizontal bars on a log scale (largest on top).

    trace : a ``Trace`` of one detection (counted by ``funnel.funnel_counts``, which says what
        each row counts; ``steps_threshold`` as there), or ``funnel_counts``' list of
        ``(label, count)`` itself.

    Returns the ``BarContainer`` (one bar per row, top to bottom).
    """
    counts = trace if isinstance(trace, list) else funnel_counts(trace, steps_threshold)
    ax = _axes(ax, figsize=(6, 0.45 * len(counts) + 0.8))
    labels = [label for label, _ in counts]
    values = np.array([count for _, count in counts], dtype=np.float64)
    # A log scale shows 50 000 windows and 7 faces on one axis; 0 is drawn as an empty bar.
    bars = ax.barh(range(len(counts)), np.maximum(values, 0.8), color="#1f77b4", height=0.6)
    ax.set_xscale("log")
    ax.set_xlim(0.8, max(10.0, values.max(initial=1.0)) * 8)
    ax.set_yticks(range(len(counts)), labels)
    ax.invert_yaxis()
    for k, value in enumerate(values):
        ax.text(max(value, 0.8) * 1.15, k, f"{int(value):,}", va="center", fontsize=9)
    ax.set_xlabel("windows / boxes left (log scale)")
    if title:
        ax.set_title(title)
    return bars


def _stage_box(ax, x: float, width: float, lines: list, colour: str, height: float = 3.0):
    """One block of the cascade diagram: a rounded box at x with its lines of text inside."""
    from matplotlib.patches import FancyBboxPatch

    patch = ax.add_patch(FancyBboxPatch((x, -height / 2), width, height,
                                        boxstyle="round,pad=0.05,rounding_size=0.15",
                                        facecolor=colour, edgecolor="0.3", linewidth=1))
    ax.text(x + width / 2, height / 2 - 0.3, lines[0], ha="center", va="top", fontsize=10,
            fontweight="bold")
    ax.text(x + width / 2, height / 2 - 0.8, "\n".join(lines[1:]), ha="center", va="top",
            fontsize=6.5, linespacing=1.4)
    return patch


def plot_cascade(ax=None):
    """Fig. 1 of the paper drawn from the code: pyramid → P-Net → NMS → R-Net → NMS → O-Net →
    faces + landmarks, each net with its input size, layers and outputs from ``nets/spec.py``
    (via ``funnel.cascade_stages``).

    Returns the seven blocks (``FancyBboxPatch``), left to right.
    """
    from matplotlib.patches import FancyArrowPatch

    ax = _axes(ax, figsize=(14, 3.2))
    nets = {net.name: net for net in cascade_stages()}

    def net_lines(name: str) -> list:
        net = nets[name]
        window = "12×12 windows" if name == "pnet" else f"{net.input_size}×{net.input_size} crops"
        return [NET_TITLES[name], f"input {window}", *net.layers, "→ " + ", ".join(net.outputs)]

    blocks = [
        (["pyramid", "scales 12/min_face_size", "× scale_factor^k", "until short side < 12"],
         "#e8e8e8", 1.6),
        (net_lines("pnet"), "#cfe2f3", 2.2),
        (["NMS", "keep prob ≥ t1", "NMS per scale, then", "over all scales", "regress + square"],
         "#fff2cc", 1.5),
        (net_lines("rnet"), "#d9ead3", 2.3),
        (["NMS", "keep prob > t2", "NMS", "regress + square"], "#fff2cc", 1.5),
        (net_lines("onet"), "#f4cccc", 2.9),
        (["faces", "keep prob > t3,", "NMS ('min'):", "boxes, scores,", "5 landmarks"],
         "#e8e8e8", 1.5),
    ]
    patches, x, gap = [], 0.0, 0.45
    for k, (lines, colour, width) in enumerate(blocks):
        patches.append(_stage_box(ax, x, width, lines, colour))
        if k:
            ax.add_patch(FancyArrowPatch((x - gap + 0.05, 0), (x - 0.05, 0),
                                         arrowstyle="-|>", mutation_scale=12, color="0.3"))
        x += width + gap
    ax.set_xlim(-0.2, x - gap + 0.2)
    ax.set_ylim(-1.8, 1.8)
    ax.set_aspect("equal")
    ax.axis("off")
    return patches
