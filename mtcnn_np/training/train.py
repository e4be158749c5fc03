"""Training loop: initialise, step, evaluate, and export weights the detector can load.

One training step on a mini-batch (Zhang et al. 2016, §II-C):

1. forward through the net's spec, keeping the activations (``backprop.forward``);
2. the multi-task loss of eq. (4) on the heads' raw outputs, with online hard sample mining
   (``losses.multitask_loss``);
3. backward through the same spec (``backprop.network_backward``);
4. an SGD-with-momentum update (``optim.SGD``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from ..nets.spec import OUTPUTS, SPECS, parameter_shapes
from ..weights import bundled_weights_dir, save_weights
from .backprop import forward, network_backward
from .data import CropSet
from .losses import NEGATIVE, POSITIVE, TASK_WEIGHTS, multitask_loss, task_masks
from .ohem import KEEP_RATIO
from .optim import SGD


def head_layers(net: str) -> dict:
    """``{task: layer name}`` of the raw outputs the loss reads, from the spec itself: "det" is
    the layer the softmax ``prob1`` reads (the scores), then the box (and landmark) heads.

    >>> head_layers("rnet")
    {'det': 'conv5-1', 'box': 'conv5-2'}
    """
    prob, *others = OUTPUTS[net]
    scores = next(layer.source for layer in SPECS[net] if layer.name == prob)
    return dict(zip(("det", "box", "landmark"), (scores, *others)))


def init_params(net: str, rng: np.random.Generator) -> dict:
    """Random parameters for training from scratch, float32.

    Weights ~ N(0, 2 / ((1 + a²)·fan_in)) with a = 0.25 — He et al.'s initialisation for PReLU
    nets, which keeps the activations' scale from layer to layer — except the heads, N(0, 0.01²):
    they start near 0, i.e. "face or not: 50/50, box as the crop, landmarks at its corner", so the
    first losses are moderate and the first steps do not overshoot. Biases 0; PReLU slopes 0.25.
    """
    heads = set(head_layers(net).values())
    params = {}
    for layer, shapes in parameter_shapes(SPECS[net]).items():
        p = {}
        for name, shape in shapes.items():
            if name == "weight":
                fan_in = int(np.prod(shape[1:]))
                std = 0.01 if layer in heads else np.sqrt(2.0 / ((1 + 0.25 ** 2) * fan_in))
                p[name] = (rng.standard_normal(shape) * std).astype(np.float32)
            elif name == "bias":
                p[name] = np.zeros(shape, np.float32)
            else:
                p[name] = np.full(shape, 0.25, np.float32)
        params[layer] = p
    return params


def copy_params(params: dict) -> dict:
    """A deep copy (training updates arrays in place)."""
    return {layer: {k: v.copy() for k, v in p.items()} for layer, p in params.items()}


def loss_and_gradients(net: str, params: dict, batch: CropSet,
                       ohem_ratio: float | None = KEEP_RATIO) -> tuple:
    """Steps 1–3: (total loss, ``{task: loss}``, ``{layer: {param: gradient}}``) on ``batch``."""
    spec, heads = SPECS[net], head_layers(net)
    acts = forward(spec, params, batch.images)
    # P-Net's heads are (N, k, 1, 1) maps on a 12×12 input: the loss sees them as (N, k).
    outputs = {task: acts[name].reshape(len(batch), -1) for task, name in heads.items()}
    targets = {"box": batch.boxes, "landmark": batch.landmarks}
    total, parts, grads = multitask_loss(outputs, batch.kinds, targets, TASK_WEIGHTS[net],
                                         ohem_ratio)
    head_grads = {heads[task]: g.reshape(acts[heads[task]].shape) for task, g in grads.items()}
    _, dparams = network_backward(spec, params, acts, head_grads)
    return total, parts, dparams


def train(net: str, params: dict, data: CropSet, steps: int, batch_size: int = 64,
          lr: float = 0.01, momentum: float = 0.9, weight_decay: float = 5e-4,
          ohem_ratio: float | None = KEEP_RATIO, rng: np.random.Generator | None = None
          ) -> list:
    """Train ``params`` in place for ``steps`` mini-batches drawn at random from ``data``.

    Returns the history: one ``{"total": …, "det": …, "box": …[, "landmark": …]}`` per step.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    optimizer = SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    history = []
    for _ in range(steps):
        batch = data.subset(rng.choice(len(data), size=min(batch_size, len(data)), replace=False))
        total, parts, grads = loss_and_gradients(net, params, batch, ohem_ratio)
        optimizer.step(grads)
        history.append({"total": total, **parts})
    return history


def predict(net: str, params: dict, images: np.ndarray, chunk: int = 256) -> dict:
    """The net's outputs on crops ``images`` (N, 3, S, S) at its training size (12, 24 or 48):
    ``{"prob": (N,) face probability, "box": (N, 4)[, "landmark": (N, 10)]}``."""
    spec, heads = SPECS[net], head_layers(net)
    parts: dict = {task: [] for task in heads}
    for start in range(0, len(images), chunk):
        acts = forward(spec, params, images[start:start + chunk])
        for task, name in heads.items():
            parts[task].append(acts[name].reshape(len(acts["input"]), -1))
    out = {task: np.concatenate(p) for task, p in parts.items()}
    scores = out.pop("det")
    out["prob"] = 1 / (1 + np.exp(scores[:, 0] - scores[:, 1]))   # softmax channel 1
    return out


def evaluate(net: str, params: dict, data: CropSet, threshold: float = 0.5) -> dict:
    """Held-out quality: face/non-face accuracy (positives and negatives, prob > threshold),
    the recall on positives and on negatives, and the mean absolute error of the box (and
    landmark) outputs on the samples that carry those targets."""
    out = predict(net, params, data.images)
    masks = task_masks(data.kinds)
    said_face = out["prob"] > threshold
    pos, neg = data.kinds == POSITIVE, data.kinds == NEGATIVE
    result = {
        "accuracy": float((said_face[masks["det"]] == pos[masks["det"]]).mean()),
        "positives_found": float(said_face[pos].mean()),
        "negatives_rejected": float((~said_face[neg]).mean()),
    }
    for task, target in (("box", data.boxes), ("landmark", data.landmarks)):
        if task in out and masks[task].any():
            result[f"{task}_error"] = float(np.abs(out[task] - target)[masks[task]].mean())
    return result


def export_weights(folder: str | Path, trained: dict, source: str = "trained with "
                   "mtcnn_np.training") -> Path:
    """Write a weights folder ``MTCNN(weights=folder)`` can load.

    ``trained`` maps net names to params (e.g. ``{"rnet": params}``); every net not in it gets
    the bundled pretrained file, so a folder can mix trained and pretrained nets.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for net in SPECS:
        if net in trained:
            save_weights(net, trained[net], folder / f"{net}.h5", source=source)
        else:
            shutil.copyfile(bundled_weights_dir() / f"{net}.h5", folder / f"{net}.h5")
    return folder
