"""Online hard sample mining (Zhang et al. 2016, §II-C.5).

"In each mini-batch, we sort the losses computed in the forward propagation from all samples and
select the top 70% of them as hard samples. Then we only compute the gradient from the hard
samples in the backward propagation." Easy samples — a plain background the net already rejects
with confidence — then stop diluting the gradient, with no hand-made selection beforehand.
The paper mines the face classification task only, and so do we.
"""

from __future__ import annotations

import numpy as np

KEEP_RATIO = 0.7  # §II-C.5: the hardest 70 % of the samples in each mini-batch


def hard_count(n: int, ratio: float = KEEP_RATIO) -> int:
    """How many of ``n`` samples to keep: ``round(ratio · n)``, at least 1 when n > 0."""
    if not 0 < ratio <= 1:
        raise ValueError(f"OHEM ratio must be in (0, 1], got {ratio}")
    return min(n, max(1, int(round(ratio * n)))) if n > 0 else 0


def hard_sample_mask(losses: np.ndarray, eligible: np.ndarray | None = None,
                     ratio: float = KEEP_RATIO) -> np.ndarray:
    r"""Mark the hardest ``ratio`` of the eligible samples.

    .. math::

        \text{keep}_i = [\, \operatorname{rank}(L^{det}_i) \le \operatorname{round}(0.7 \, N) \,],

    ranking the eligible samples' losses from the largest (§II-C.5); only the kept samples'
    gradients reach the backward pass.

    Parameters
    ----------
    losses : (N,) per-sample losses of one mini-batch (e.g. cross-entropy, eq. 1).
    eligible : (N,) bool, the samples the task applies to (β = 1 in eq. 4); default all.
    ratio : fraction to keep, in (0, 1].

    Returns
    -------
    keep : (N,) bool — exactly ``hard_count(eligible.sum(), ratio)`` True entries, on the largest
        losses among the eligible. Ties are broken by position (earlier first: a stable sort).
    """
    losses = np.asarray(losses)
    if eligible is None:
        eligible = np.ones(losses.shape, dtype=bool)
    candidates = np.flatnonzero(eligible)
    order = np.argsort(-losses[candidates], kind="stable")   # hardest first
    keep = np.zeros(losses.shape, dtype=bool)
    keep[candidates[order[:hard_count(len(candidates), ratio)]]] = True
    return keep
