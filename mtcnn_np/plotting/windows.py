"""How a layer slides over its input: the windows of a convolution or a max-pool (Caffe's
rounding up included) on a pixel grid, and im2col as a picture.
"""

from __future__ import annotations

import numpy as np

from ..layers import conv_output_size, im2col, pool_output_size
from .base import _pyplot
from .images import show_values

WINDOW_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")


def window_count(size: int, kernel: int, stride: int, ceil: bool) -> int:
    """Number of windows along one axis: max-pool rounds up (``ceil``), convolution down."""
    if ceil:
        return pool_output_size(size, kernel, stride)
    return conv_output_size(size, kernel, stride)


def show_windows(ax, height: int, width: int, kernel: int, stride: int, ceil: bool = True,
                 row: int = 0) -> list:
    """A ``height × width`` pixel grid with the windows of one output row outlined.

    The windows are ``kernel × kernel``, ``stride`` apart; with ``ceil`` (Caffe's max-pool) the
    last window may hang over the right edge, drawn dashed with the overhang hatched.
    Returns the window rectangles, left to right.
    """
    from matplotlib.patches import Rectangle

    ax.imshow(np.zeros((height, width)), cmap="Greys", vmin=0, vmax=1)
    ax.set_xticks(np.arange(-0.5, width, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, height, 1), minor=True)
    ax.grid(which="minor", color="0.75", linewidth=0.5)
    ax.set_xticks(range(width))
    ax.set_yticks(range(height))
    ax.tick_params(labelsize=7)
    top = row * stride - 0.5
    patches = []
    for j in range(window_count(width, kernel, stride, ceil)):
        left = j * stride - 0.5
        over = left + kernel > width - 0.5
        inset = 0.08 * (j % 3)                    # stagger overlapping outlines so all show
        patch = Rectangle((left + inset, top + inset), kernel - 2 * inset, kernel - 2 * inset,
                          fill=False, linewidth=2, edgecolor=WINDOW_COLOURS[j % 7],
                          linestyle="--" if over else "-")
        patches.append(ax.add_patch(patch))
        if over:
            ax.add_patch(Rectangle((width - 0.5, top), left + kernel - width + 0.5, kernel,
                                   fill=False, hatch="//", edgecolor="0.5", linewidth=0))
    margin = 0.2                                 # so outlines on the frame stay visible
    ax.set_xlim(-0.5 - margin, max(width, (len(patches) - 1) * stride + kernel) - 0.5 + margin)
    ax.set_ylim(max(height, top + 0.5 + kernel) - 0.5 + margin, -0.5 - margin)
    return patches


def draw_im2col(x: np.ndarray, kh: int, kw: int, stride: int = 1, highlight: tuple = (0, 1)):
    """im2col as a picture: the input on the left, the unfolded matrix on the right.

    Each window of the input becomes one column of the matrix (``layers.im2col``, the library's
    own function, computes the right panel). The windows listed in ``highlight`` (column
    numbers) are outlined in the same colour on both sides.

    x : (H, W) or (1, 1, H, W), small (≤ 8×8 reads well). Returns the figure.
    """
    from matplotlib.patches import Rectangle

    x = np.asarray(x, dtype=np.float32).reshape((1, 1) + np.shape(x)[-2:])
    cols = im2col(x, kh, kw, stride)                                 # (kh·kw, Ho·Wo)
    wo = conv_output_size(x.shape[3], kw, stride)
    fig, (left, right) = _pyplot().subplots(
        1, 2, figsize=(2 + 0.45 * (x.shape[3] + cols.shape[1]), 0.5 * max(x.shape[2], kh * kw) + 1),
        gridspec_kw={"width_ratios": [x.shape[3], cols.shape[1]]})
    show_values(left, x[0, 0], fmt="{:g}", cmap="Greys", title=f"input {x.shape[2]}×{x.shape[3]}")
    show_values(right, cols, fmt="{:g}", cmap="Greys",
                title=f"im2col: {cols.shape[0]} rows (kernel taps) × {cols.shape[1]} columns")
    for n, k in enumerate(highlight):
        colour = WINDOW_COLOURS[n % 7]
        r, c = divmod(k, wo)
        inset = 0.06 * n                          # stagger outlines that share an edge
        left.add_patch(Rectangle((c * stride - 0.5 + inset, r * stride - 0.5 + inset),
                                 kw - 2 * inset, kh - 2 * inset, fill=False, edgecolor=colour,
                                 linewidth=2.5))
        right.add_patch(Rectangle((k - 0.5, -0.5), 1, cols.shape[0], fill=False,
                                  edgecolor=colour, linewidth=2.5))
    fig.tight_layout()
    return fig
