"""What every picture needs: matplotlib, imported only when a picture is drawn (so ``import
mtcnn_np.plotting`` works without it), and the axes to draw into.
"""

from __future__ import annotations


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("mtcnn_np.plotting needs matplotlib: pip install matplotlib") from exc
    return plt


def _axes(ax=None, figsize: tuple = (5, 5)):
    """``ax`` itself, or the axes of a new figure."""
    if ax is not None:
        return ax
    return _pyplot().subplots(figsize=figsize)[1]


def _outline():
    from matplotlib import patheffects

    return patheffects.withStroke(linewidth=2.5, foreground="black")
