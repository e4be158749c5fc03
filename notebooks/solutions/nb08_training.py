"""Key to ``08_training.ipynb``: cross-entropy, online hard sample mining, box targets,
training experiments (open)."""

from __future__ import annotations

import numpy as np

from mtcnn_np.training.train import evaluate, init_params, train


def my_cross_entropy(scores, labels):
    """scores (N, 2), labels (N,) int → (N,) losses ``−log softmax(scores)[label]`` (eq. 1).

    ``log softmax(z) = z − log Σ exp z``, with each row's maximum subtracted first so that
    ``exp`` never overflows.
    """
    z = scores - scores.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(labels)), labels]


def my_hard_sample_mask(losses):
    """losses (N,) → (N,) bool, True on the hardest ``round(0.7·N)`` (§II-C.5); a stable sort of
    the negated losses puts the earlier of two equal losses first."""
    losses = np.asarray(losses)
    keep = np.zeros(losses.shape, dtype=bool)
    count = min(len(losses), max(1, int(round(0.7 * len(losses))))) if len(losses) else 0
    keep[np.argsort(-losses, kind="stable")[:count]] = True
    return keep


def my_box_targets(crops, faces):
    """crops (K, 4), faces (K, 4) → (K, 4) float32 offsets ``(face − crop) / s``, s = x2 − x1 + 1,
    the inverse of ``regress(crops, offsets)`` (inclusive sizes)."""
    side = (crops[:, 2] - crops[:, 0] + 1)[:, None]
    return ((faces - crops) / side).astype(np.float32)


def _cross_entropy_of_probabilities(scores, labels):
    """Mistake: softmax first, then log — exp(1000) overflows to inf and the loss is nan."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        return -np.log(p[np.arange(len(labels)), labels])


def _mask_truncating(losses):
    """Mistake: ``int(0.7·N)`` instead of rounding (keeps one too few for N = 8, 33 …)."""
    losses = np.asarray(losses)
    keep = np.zeros(losses.shape, dtype=bool)
    keep[np.argsort(-losses, kind="stable")[:int(0.7 * len(losses))]] = True
    return keep


def _box_targets_exclusive(crops, faces):
    """Mistake: dividing by x2 − x1, forgetting the + 1."""
    return ((faces - crops) / (crops[:, 2:3] - crops[:, 0:1])).astype(np.float32)


WRONG = {
    "my_cross_entropy": _cross_entropy_of_probabilities,
    "my_hard_sample_mask": _mask_truncating,
    "my_box_targets": _box_targets_exclusive,
}


def open_exercise_4(train_set, held_out, steps: int = 20) -> dict:
    """The first experiment: R-Net trained with OHEM off (``None``), 0.3 and the paper's 0.7,
    from the same initialisation and mini-batches (``train_set``, ``held_out``: the notebook's
    crop sets).

    Expected answer: the paper finds that mining improves the detector (§II-C.5, Fig. 3b): the
    gradient comes from the samples the net still gets wrong instead of the many easy
    backgrounds, so the held-out accuracy is about as good or better with 0.7 than with no
    mining. 0.3 mines too hard — a few samples per batch, often ambiguous crops — so its loss
    curve is noisier. In the default 20 steps (quick, for the tests) the
    differences are small and noisy; run 600 for a clear picture. (The other experiments —
    P-Net at size 12, O-Net with landmark crops, grey augmentation — follow the same pattern:
    ``make_crop_set(..., 12 or 48, ...)`` and ``train("pnet" | "onet", ...)``.)
    """
    results = {}
    for ratio in (None, 0.3, 0.7):
        params = init_params("rnet", np.random.default_rng(1))
        history = train("rnet", params, train_set, steps=steps, batch_size=64, lr=0.01,
                        ohem_ratio=ratio, rng=np.random.default_rng(2))
        results[ratio] = {"last_loss": float(np.mean([h["total"] for h in history[-10:]])),
                          **evaluate("rnet", params, held_out)}
    return results
