"""The multi-task training objective (Zhang et al. 2016, §II-C "Training").

Three tasks, one loss each, per sample i:

- face classification, eq. (1): cross-entropy ``L_det = −(y log p + (1 − y) log(1 − p))``, p the
  face probability (softmax channel 1 of the scores);
- box regression, eq. (2): ``L_box = ‖ŷ_box − y_box‖²`` over the 4 offsets;
- landmarks, eq. (3): ``L_landmark = ‖ŷ_landmark − y_landmark‖²`` over the 10 coordinates.

Eq. (4) combines them: ``Σ_i Σ_j α_j β_i^j L_i^j``, where β_i^j ∈ {0, 1} says whether task j
applies to sample i (set by the sample's kind, see :func:`task_masks`) and α_j weighs the tasks.
We average each task over the samples it applies to in the mini-batch (what a Caffe loss layer with
an "ignore" label does), so α balances the tasks whatever the mix of kinds in the batch.
"""

from __future__ import annotations

import numpy as np

from .ohem import KEEP_RATIO, hard_sample_mask

# The four kinds of training sample (§II-C): by IoU with a ground-truth face, and landmark faces.
NEGATIVE, POSITIVE, PART, LANDMARK = 0, 1, 2, 3
KIND_NAMES = ("negative", "positive", "part", "landmark")
TASKS = ("det", "box", "landmark")

# α_det, α_box, α_landmark as the paper gives them (§II-C.4): O-Net weighs landmarks more.
TASK_WEIGHTS = {
    "pnet": {"det": 1.0, "box": 0.5, "landmark": 0.5},
    "rnet": {"det": 1.0, "box": 0.5, "landmark": 0.5},
    "onet": {"det": 1.0, "box": 0.5, "landmark": 1.0},
}


def task_masks(kinds: np.ndarray) -> dict:
    """β of eq. (4): which tasks each sample trains (§II-C: "we use negatives and positives for
    face classification, positives and part faces for bounding box regression, and landmark
    faces for facial landmark localization").

    kinds : (N,) int, values NEGATIVE … LANDMARK → ``{"det", "box", "landmark"}: (N,) bool``.
    """
    kinds = np.asarray(kinds)
    return {
        "det": (kinds == NEGATIVE) | (kinds == POSITIVE),
        "box": (kinds == POSITIVE) | (kinds == PART),
        "landmark": kinds == LANDMARK,
    }


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple:
    r"""Eq. (1) per sample, from the scores (before softmax), and its gradient.

    .. math::

        L^{det}_i = -\left( y^{det}_i \log p_i + (1 - y^{det}_i) \log(1 - p_i) \right)
                  = -\log \operatorname{softmax}(z_i)_{y^{det}_i},
        \qquad p_i = \operatorname{softmax}(z_i)_1

    with :math:`y^{det}_i \in \{0, 1\}` the ground truth (the paper prints the last factor as
    :math:`(1 - \log p_i)`, a typo for :math:`\log(1 - p_i)`), and
    :math:`\log \operatorname{softmax}(z)_c = z_c - m - \log \sum_k e^{z_k - m}`,
    :math:`m = \max_k z_k`.

    Parameters
    ----------
    logits : (N, 2) scores; channel 1 is "face" (softmax of them is the net's ``prob1``).
    labels : (N,) int, 1 for a face, 0 for not a face.

    Returns
    -------
    losses : (N,) ``−log softmax(logits)[label]`` (= eq. 1 for two classes).
    dlogits : (N, 2) ∂losses[i]/∂logits[i] = softmax(logits[i]) − onehot(label[i]).

    Taking the scores rather than probabilities avoids log(0): ``log softmax`` is computed as
    ``z − log Σ exp z`` with the max subtracted first.
    """
    z = logits - logits.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))   # (N, 2) log-probabilities
    rows = np.arange(len(labels))
    losses = -log_p[rows, labels]
    dlogits = np.exp(log_p)
    dlogits[rows, labels] -= 1
    return losses, dlogits


def euclidean_loss(pred: np.ndarray, target: np.ndarray) -> tuple:
    r"""Eqs. (2) and (3) per sample: ``‖pred − target‖²``, and its gradient ``2 (pred − target)``.

    .. math::

        L^{box}_i = \lVert \hat y^{box}_i - y^{box}_i \rVert_2^2, \qquad
        L^{landmark}_i = \lVert \hat y^{landmark}_i - y^{landmark}_i \rVert_2^2

    with :math:`y^{box}_i \in \mathbb{R}^4` (the offsets of ``boxes.regress``) and
    :math:`y^{landmark}_i \in \mathbb{R}^{10}` (the fractions of ``landmarks.decode_landmarks``).

    pred, target : (N, k) — k = 4 box offsets or 10 landmark coordinates → losses (N,), (N, k).
    """
    diff = pred - target
    return (diff ** 2).sum(axis=1), 2 * diff


def multitask_loss(outputs: dict, kinds: np.ndarray, targets: dict, weights: dict,
                   ohem_ratio: float | None = KEEP_RATIO) -> tuple:
    r"""Eq. (4) on one mini-batch, with online hard sample mining on the classification task.

    .. math::

        \min \sum_{i=1}^{N} \sum_{j \in \{det, box, landmark\}} \alpha_j \, \beta^j_i \, L^j_i,
        \qquad \beta^j_i \in \{0, 1\}

    with :math:`\alpha_{det} = 1, \alpha_{box} = 0.5, \alpha_{landmark} = 0.5` for P-Net and
    R-Net and :math:`\alpha_{landmark} = 1` for O-Net (``TASK_WEIGHTS``). Here each task's sum
    is divided by its :math:`\sum_i \beta^j_i` (a mean over the samples it applies to), and for
    det :math:`\beta^{det}_i` is also 0 on the easy samples OHEM drops (:func:`hard_sample_mask`).

    Parameters
    ----------
    outputs : the net's raw outputs, ``{"det": (N, 2) scores, "box": (N, 4)`` and, for a net with
        a landmark head (the released O-Net only), ``"landmark": (N, 10)}``.
    kinds : (N,) sample kinds (NEGATIVE, POSITIVE, PART, LANDMARK).
    targets : ``{"box": (N, 4), "landmark": (N, 10)}`` — rows of samples a task does not
        apply to are ignored (any finite value).
    weights : α per task, e.g. ``TASK_WEIGHTS["rnet"]``.
    ohem_ratio : keep the hardest fraction of the classification losses (§II-C.5), or None to
        keep them all.

    Returns
    -------
    total : float, Σ_j α_j · (mean of task j over the samples it applies to — and, for "det",
        that OHEM keeps).
    parts : ``{task: that mean, unweighted}`` for the tasks present.
    grads : ``{task: ∂total/∂outputs[task]}``, same shapes as ``outputs``.
    """
    masks = task_masks(kinds)
    total, parts, grads = 0.0, {}, {}
    for task, pred in outputs.items():
        if task == "det":
            labels = (np.asarray(kinds) == POSITIVE).astype(np.int64)
            losses, dpred = softmax_cross_entropy(pred, labels)
            used = masks["det"]
            if ohem_ratio is not None:
                used = hard_sample_mask(losses, used, ohem_ratio)
        else:
            losses, dpred = euclidean_loss(pred, targets[task])
            used = masks[task]
        count = max(int(used.sum()), 1)
        share = used.astype(pred.dtype) / count                # (N,) 1/count where used, else 0
        parts[task] = float((losses * share).sum())
        total += weights[task] * parts[task]
        grads[task] = (weights[task] * share)[:, None] * dpred
    return total, parts, grads
