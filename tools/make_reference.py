#!/usr/bin/env python3
"""Make the reference outputs in ``tests/reference/`` with OTHER people's MTCNN code.

Developer tool; the package and its tests never import it. Each subcommand imports its
framework lazily and runs in its own virtualenv (``tools/README.md`` has the installs)::

    /work/venvs/venv-fpt/bin/python  tools/make_reference.py layers       # facenet-pytorch
    /work/venvs/venv-m011/bin/python tools/make_reference.py check-keras  # cross-check, 0.1.1
    /work/venvs/venv-m011/bin/python tools/make_reference.py detections   # mtcnn 0.1.1

``layers``      every layer activation of facenet-pytorch's P-, R- and O-Net (its own ``.pt``
                weights, run here with ``torch.nn.functional``) for fixed inputs, one compressed
                npz per case in ``tests/reference/layers/``.
``check-keras`` re-runs the inputs stored by ``layers`` through the Keras nets of ``mtcnn``
                0.1.1 (the other copy of the same weights, fed transposed images as it does) and
                compares every layer; writes nothing.
``detections``  ``MTCNN().detect_faces(rgb)`` of ``mtcnn`` 0.1.1 on the images in
                ``tests/images/``: ``tests/reference/detections_m011.json`` and, from its private
                stage methods, the float arrays in ``tests/reference/detections_m011_arrays.npz``.

Conventions of the stored arrays (``tests/reference/README.md`` has the full key layout):
NCHW float32, image NOT transposed (rows = image height), RGB normalised as
``(x - 127.5) * 0.0078125``; ``flatten`` is the plain C-order ``reshape(N, -1)`` of the last NCHW
conv map (order c, y, x) even though both producers feed their dense layers (x, y, c) order.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import platform
import sys
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "tests" / "images"
REFERENCE = ROOT / "tests" / "reference"
LAYERS = REFERENCE / "layers"

LAYER_NAMES = {
    "pnet": [
        "conv1",
        "PReLU1",
        "pool1",
        "conv2",
        "PReLU2",
        "conv3",
        "PReLU3",
        "conv4-1",
        "prob1",
        "conv4-2",
    ],
    "rnet": [
        "conv1",
        "prelu1",
        "pool1",
        "conv2",
        "prelu2",
        "pool2",
        "conv3",
        "prelu3",
        "flatten",
        "conv4",
        "prelu4",
        "conv5-1",
        "prob1",
        "conv5-2",
    ],
    "onet": [
        "conv1",
        "prelu1",
        "pool1",
        "conv2",
        "prelu2",
        "pool2",
        "conv3",
        "prelu3",
        "pool3",
        "conv4",
        "prelu4",
        "flatten",
        "conv5",
        "prelu5",
        "conv6-1",
        "prob1",
        "conv6-2",
        "conv6-3",
    ],
}

SEED = 20261123  # numpy.random.default_rng seed of every random case (one stream per case)

# Size budget: float32 activations barely compress (deflate keeps ~90 % of them), so every
# stored sample costs its whole activation volume: ~0.85 MB per O-Net sample, ~0.15 MB per
# R-Net sample, ~1.3 MB for a 101x77 P-Net input, ~0.47 MB for 47x64. The cases below keep
# tests/reference/ near 3.9 MB; enlarge them here if the repository can afford it.
# P-Net random cases: (height, width, batch). Odd sizes exercise the pooling round-up.
PNET_RANDOM = [(12, 12, 2), (13, 13, 2), (25, 31, 1), (33, 46, 1)]
# grace_hopper.jpg (512x600) resized to (width, height) = scale 0.08: its ~181 px face becomes
# ~14.5 px, so P-Net's face probability peaks (> 0.99) on the face.
PNET_PHOTO_SIZE = (41, 48)
RANDOM_BATCH = {"rnet": 1, "onet": 1}  # random batch sizes (the crops cases have N > 1)

# Real crops for R-Net / O-Net: (image, (left, top, right, bottom), what it shows).
# Face boxes are the squared mtcnn 0.1.1 detections on these images.
CROPS = [
    ("astronaut.jpg", (167, 60, 280, 173), "face"),
    ("grace_hopper.jpg", (157, 118, 376, 337), "face"),
    ("astronaut.jpg", (223, 60, 336, 173), "half face (shifted right by half a box)"),
    ("coffee.jpg", (170, 20, 420, 270), "no face: cup"),
]
CROPS_USED = {"rnet": [0, 1, 2, 3], "onet": [1, 3]}  # indices into CROPS (size budget)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def today() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


def normalise(rgb_uint8: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB -> (3, H, W) float32, (x - 127.5) * 0.0078125."""
    x = (rgb_uint8.astype(np.float32) - np.float32(127.5)) * np.float32(0.0078125)
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def load_rgb(name: str) -> np.ndarray:
    return np.asarray(Image.open(IMAGES / name).convert("RGB"))


def crop_batch(indices: list[int], size: int) -> tuple[np.ndarray, list[str]]:
    """Real crops resized with Pillow (BOX filter) to size x size, normalised, NCHW."""
    xs, notes = [], []
    for i in indices:
        name, box, what = CROPS[i]
        img = Image.open(IMAGES / name).convert("RGB").crop(box)
        img = img.resize((size, size), Image.Resampling.BOX)
        xs.append(normalise(np.asarray(img)))
        notes.append(f"{name} crop {list(box)} -> {size}x{size} Pillow BOX: {what}")
    return np.stack(xs), notes


def random_batch(rng: np.random.Generator, n: int, h: int, w: int) -> np.ndarray:
    return rng.uniform(-1.0, 1.0, size=(n, 3, h, w)).astype(np.float32)


# ---------------------------------------------------------------------------------------
# layers: facenet-pytorch 2.6.0 weights, forward written here with torch.nn.functional


def _fpt_data_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("facenet_pytorch")  # locates it without importing it
    if spec is None or spec.origin is None:
        raise SystemExit("facenet_pytorch is not installed in this interpreter")
    return Path(spec.origin).parent / "data"


def _forward(net: str, sd: dict, x):
    """Every activation of one net, in LAYER_NAMES order, as float32 numpy arrays."""
    import torch
    import torch.nn.functional as F

    acts = {}

    def keep(name, t):
        acts[name] = t.detach().numpy().astype(np.float32, copy=True)
        return t

    def conv(t, name):
        return F.conv2d(t, sd[f"{name}.weight"], sd[f"{name}.bias"])

    def dense(t, name):
        return F.linear(t, sd[f"{name}.weight"], sd[f"{name}.bias"])

    def prelu(t, name):
        return F.prelu(t, sd[f"{name}.weight"])

    def pool(t, k, s):
        return F.max_pool2d(t, k, s, ceil_mode=True)  # Caffe rounds the output size up

    def flatten_both(t):
        # Ours: the plain NCHW reshape, order (c, y, x). facenet-pytorch's dense layers
        # want (x, y, c) order: it permutes to (N, W, H, C) first; do the same for them.
        keep("flatten", t.reshape(t.shape[0], -1))
        return t.permute(0, 3, 2, 1).contiguous().reshape(t.shape[0], -1)

    with torch.no_grad():
        t = torch.from_numpy(x)
        if net == "pnet":
            t = keep("conv1", conv(t, "conv1"))
            t = keep("PReLU1", prelu(t, "prelu1"))
            t = keep("pool1", pool(t, 2, 2))
            t = keep("conv2", conv(t, "conv2"))
            t = keep("PReLU2", prelu(t, "prelu2"))
            t = keep("conv3", conv(t, "conv3"))
            t = keep("PReLU3", prelu(t, "prelu3"))
            a = keep("conv4-1", conv(t, "conv4_1"))
            keep("prob1", F.softmax(a, dim=1))
            keep("conv4-2", conv(t, "conv4_2"))
        elif net == "rnet":
            t = keep("conv1", conv(t, "conv1"))
            t = keep("prelu1", prelu(t, "prelu1"))
            t = keep("pool1", pool(t, 3, 2))
            t = keep("conv2", conv(t, "conv2"))
            t = keep("prelu2", prelu(t, "prelu2"))
            t = keep("pool2", pool(t, 3, 2))
            t = keep("conv3", conv(t, "conv3"))
            t = keep("prelu3", prelu(t, "prelu3"))
            t = flatten_both(t)
            t = keep("conv4", dense(t, "dense4"))
            t = keep("prelu4", prelu(t, "prelu4"))
            a = keep("conv5-1", dense(t, "dense5_1"))
            keep("prob1", F.softmax(a, dim=1))
            keep("conv5-2", dense(t, "dense5_2"))
        elif net == "onet":
            t = keep("conv1", conv(t, "conv1"))
            t = keep("prelu1", prelu(t, "prelu1"))
            t = keep("pool1", pool(t, 3, 2))
            t = keep("conv2", conv(t, "conv2"))
            t = keep("prelu2", prelu(t, "prelu2"))
            t = keep("pool2", pool(t, 3, 2))
            t = keep("conv3", conv(t, "conv3"))
            t = keep("prelu3", prelu(t, "prelu3"))
            t = keep("pool3", pool(t, 2, 2))
            t = keep("conv4", conv(t, "conv4"))
            t = keep("prelu4", prelu(t, "prelu4"))
            t = flatten_both(t)
            t = keep("conv5", dense(t, "dense5"))
            t = keep("prelu5", prelu(t, "prelu5"))
            a = keep("conv6-1", dense(t, "dense6_1"))
            keep("prob1", F.softmax(a, dim=1))
            keep("conv6-2", dense(t, "dense6_2"))
            keep("conv6-3", dense(t, "dense6_3"))
        else:
            raise ValueError(net)
    assert list(acts) == LAYER_NAMES[net], list(acts)
    return acts


def _check_against_fpt_modules(nets: dict, cases: list) -> None:
    """Compare our functional forward with facenet-pytorch's own nn.Modules.

    facenet_pytorch imports torchvision at the top, which does not import beside this torch;
    its nets do not use it, so stand-in modules are put in sys.modules for the import only.
    """
    import types

    import torch

    for name in (
        "torchvision",
        "torchvision.transforms",
        "torchvision.ops",
        "torchvision.transforms.functional",
        "torchvision.ops.boxes",
    ):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["torchvision.ops.boxes"].batched_nms = None
    sys.modules["torchvision.transforms"].functional = sys.modules[
        "torchvision.transforms.functional"
    ]
    from facenet_pytorch.models.mtcnn import ONet, PNet, RNet

    modules = {
        "pnet": PNet(pretrained=False),
        "rnet": RNet(pretrained=False),
        "onet": ONet(pretrained=False),
    }
    outputs = {
        "pnet": ["conv4-2", "prob1"],
        "rnet": ["conv5-2", "prob1"],
        "onet": ["conv6-2", "conv6-3", "prob1"],
    }
    for net, m in modules.items():
        m.load_state_dict(nets[net]["sd"])
        m.eval()
    worst = 0.0
    for net, case, x, acts in cases:
        with torch.no_grad():
            outs = modules[net](torch.from_numpy(x))
        for key, o in zip(outputs[net], outs):
            d = float(np.max(np.abs(o.numpy() - acts[key])))
            worst = max(worst, d)
            if d > 1e-6:
                raise SystemExit(f"{net}_{case} {key}: differs from facenet-pytorch by {d}")
    print(f"check: facenet-pytorch's own PNet/RNet/ONet modules agree, max |diff| {worst:.3g}")


def _pnet_sanity(acts: dict) -> None:
    """On pnet_grace_hopper (scale 0.08: the ~181 px face is ~14.5 px there), P-Net's most
    face-like cell must map back onto the face that mtcnn 0.1.1 finds in grace_hopper.jpg."""
    s = PNET_PHOTO_SIZE[0] / 512
    prob = acts["prob1"][0, 1]
    iy, ix = np.unravel_index(np.argmax(prob), prob.shape)
    x1, y1 = (2 * ix + 1) / s, (2 * iy + 1) / s
    x2, y2 = (2 * ix + 12) / s, (2 * iy + 12) / s
    print(
        f"sanity: pnet_grace_hopper: max face prob {prob.max():.4f} at cell ({iy}, {ix}) -> "
        f"box [{x1:.0f}, {y1:.0f}, {x2:.0f}, {y2:.0f}] in grace_hopper.jpg (mtcnn 0.1.1 "
        f"face: x 176..357, y 118..337); mean prob {prob.mean():.3f}"
    )
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    if not (prob.max() > 0.99 and 176 <= cx <= 357 and 118 <= cy <= 337):
        raise SystemExit("sanity check failed: P-Net's best cell is not on the face")


def cmd_layers(args) -> None:
    import importlib.metadata

    import torch

    torch.set_num_threads(1)
    data = _fpt_data_dir()
    nets = {}
    for net in ("pnet", "rnet", "onet"):
        path = data / f"{net}.pt"
        nets[net] = {
            "sd": torch.load(path, weights_only=False),
            "path": path,
            "sha256": sha256_file(path),
        }
    versions = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "facenet-pytorch": importlib.metadata.version("facenet-pytorch"),
        "numpy": np.__version__,
        "pillow": importlib.metadata.version("pillow"),
    }
    date = today()

    cases = []  # (net, case, input, description)
    rng = np.random.default_rng(SEED)
    for h, w, n in PNET_RANDOM:
        cases.append(
            (
                "pnet",
                f"random_{h}x{w}",
                random_batch(rng, n, h, w),
                f"{n} x uniform[-1, 1] noise, {h}x{w} (HxW), default_rng({SEED}) stream",
            )
        )
    img = Image.open(IMAGES / "grace_hopper.jpg").convert("RGB")
    small = img.resize(PNET_PHOTO_SIZE, Image.Resampling.BOX)
    cases.append(
        (
            "pnet",
            "grace_hopper",
            normalise(np.asarray(small))[None],
            f"grace_hopper.jpg resized by Pillow BOX to {PNET_PHOTO_SIZE[0]}x"
            f"{PNET_PHOTO_SIZE[1]} (WxH), normalised",
        )
    )
    for net, size in (("rnet", 24), ("onet", 48)):
        n = RANDOM_BATCH[net]
        cases.append(
            (
                net,
                "random",
                random_batch(rng, n, size, size),
                f"{n} x uniform[-1, 1] noise, {size}x{size}, default_rng({SEED}) stream",
            )
        )
        x, notes = crop_batch(CROPS_USED[net], size)
        cases.append((net, "crops", x, "; ".join(f"[{i}] {t}" for i, t in enumerate(notes))))

    LAYERS.mkdir(parents=True, exist_ok=True)
    computed = []
    for net, case, x, desc in cases:
        acts = _forward(net, nets[net]["sd"], x)
        meta = {
            "producer": "tools/make_reference.py layers: facenet-pytorch 2.6.0 P/R/O-Net "
            "weights (its data/*.pt), forward written with torch.nn.functional",
            "net": net,
            "case": case,
            "input": desc,
            "layout": "NCHW float32, image not transposed (rows = image height), RGB, "
            "(x - 127.5) * 0.0078125; flatten = reshape(N, -1) of the NCHW map "
            "(c, y, x order); dense layers computed on (x, y, c) order",
            "layers": LAYER_NAMES[net],
            "weights_file": f"facenet_pytorch/data/{net}.pt",
            "weights_sha256": nets[net]["sha256"],
            "versions": versions,
            "date": date,
        }
        out = LAYERS / f"{net}_{case}.npz"
        np.savez_compressed(out, input=x, **acts, meta=np.array(json.dumps(meta)))
        shapes = ", ".join(f"{k} {tuple(v.shape)}" for k, v in acts.items())
        print(
            f"{out.relative_to(ROOT)} ({out.stat().st_size // 1024} KiB): input "
            f"{tuple(x.shape)}; {shapes}"
        )
        if "prob1" in acts and acts["prob1"].ndim == 2:
            print(f"    face prob: {np.round(acts['prob1'][:, 1], 4).tolist()}")
        computed.append((net, case, x, acts))

    if not args.no_check:
        _check_against_fpt_modules(nets, computed)
        _pnet_sanity(next(a for n, c, _, a in computed if n == "pnet" and c == "grace_hopper"))
    total = sum(p.stat().st_size for p in LAYERS.glob("*.npz"))
    print(
        f"tests/reference/layers: {total / 1e6:.2f} MB; weights sha256: "
        + ", ".join(f"{n} {v['sha256']}" for n, v in nets.items())
    )


# ---------------------------------------------------------------------------------------
# check-keras: the same inputs through mtcnn 0.1.1's Keras nets


def _quiet_tensorflow() -> None:
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def cmd_check_keras(args) -> None:
    import importlib.resources

    _quiet_tensorflow()

    import keras
    from mtcnn.network.factory import NetworkFactory

    keras.utils.disable_interactive_logging()
    wfile = importlib.resources.files("mtcnn") / "data" / "mtcnn_weights.npy"
    with wfile.open("rb") as f:
        pnet, rnet, onet = NetworkFactory().build_P_R_O_nets_from_file(f)
    models = {"pnet": pnet, "rnet": rnet, "onet": onet}
    worst_all = 0.0
    for path in sorted(LAYERS.glob("*.npz")):
        net = path.name.split("_")[0]
        ref = np.load(path)
        model = models[net]
        layers = [la for la in model.layers if not isinstance(la, keras.layers.InputLayer)]
        probe = keras.Model(model.inputs[0], [la.output for la in layers])
        x = ref["input"].transpose(0, 3, 2, 1)  # NCHW -> (N, W, H, C): 0.1.1 feeds it transposed
        outs = probe(x, training=False)
        outs = [np.asarray(o) for o in outs]
        # Keras layer order == LAYER_NAMES order except the heads: match by position.
        names = LAYER_NAMES[net]
        if net == "pnet":  # conv4-1, softmax, conv4-2 come out as conv4-1, conv4-2, softmax
            order = names[:7] + ["conv4-1", "conv4-2", "prob1"]
        elif net == "rnet":
            order = names[:11] + ["conv5-1", "conv5-2", "prob1"]
        else:
            order = names[:14] + ["conv6-1", "conv6-2", "conv6-3", "prob1"]
        if len(order) != len(outs):
            raise SystemExit(f"{net}: {len(outs)} Keras layers, expected {len(order)}")
        worst = {}
        for name, o in zip(order, outs):
            if o.ndim == 4:
                o = o.transpose(0, 3, 2, 1)  # (N, W, H, C) -> (N, C, H, W)
            elif name == "flatten":
                # Keras flattens its (N, W, H, C) map in (x, y, c) order; ours is (c, y, x).
                n, c, h, w = ref["prelu3" if net == "rnet" else "prelu4"].shape
                o = o.reshape(n, w, h, c).transpose(0, 3, 2, 1).reshape(n, -1)
            r = ref[name]
            if o.shape != r.shape:
                raise SystemExit(f"{path.name} {name}: Keras {o.shape} vs stored {r.shape}")
            worst[name] = float(np.max(np.abs(o - r)) / max(1.0, float(np.max(np.abs(r)))))
        w = max(worst.values())
        worst_all = max(worst_all, w)
        print(
            f"{path.name}: max |keras - stored| / max(1, max|stored|) = {w:.2e} "
            f"(worst layer {max(worst, key=worst.get)})"
        )
        if w > 1e-4:
            raise SystemExit(f"{path.name}: Keras and facenet-pytorch disagree")
    print(f"check-keras: all layers agree, worst relative difference {worst_all:.2e}")


# ---------------------------------------------------------------------------------------
# detections: mtcnn 0.1.1 end to end

EXTRA_RUNS = [
    # (image, MTCNN keyword arguments)
    ("group.png", {"min_face_size": 40}),
    ("group.png", {"min_face_size": 80}),  # min_face_size is soft: 40 still finds 25 px faces
    ("group.png", {"scale_factor": 0.6, "steps_threshold": [0.5, 0.6, 0.6]}),
]


def _entry_name(image: str, kwargs: dict) -> str:
    stem = Path(image).stem
    if not kwargs:
        return stem
    parts = []
    for k, v in kwargs.items():
        v = "-".join(str(t) for t in v) if isinstance(v, (list, tuple)) else str(v)
        parts.append(f"{k}={v}")
    return stem + "__" + "__".join(parts)


def _faces_from_arrays(total_boxes: np.ndarray, points: np.ndarray) -> list:
    """The int() conversion at the end of 0.1.1's detect_faces, in its JSON form here."""
    names = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")
    faces = []
    for box, kp in zip(total_boxes, points.T):
        x, y = max(0, int(box[0])), max(0, int(box[1]))
        faces.append(
            {
                "box": [x, y, int(box[2] - x), int(box[3] - y)],
                "confidence": float(box[-1]),
                "keypoints": {n: [int(kp[i]), int(kp[i + 5])] for i, n in enumerate(names)},
            }
        )
    return faces


def _stages_m011(detector, rgb: np.ndarray, fix_flip: bool) -> dict:
    """0.1.1's detect_faces cascade, called stage by stage through its private methods.

    P-Net's candidate generator is wrapped (an instance attribute shadows the static method)
    to count the cells per scale and to look at 0.1.1's single-cell bug: when exactly one cell
    passes at a scale, it flips the (transposed) regression maps along their first axis before
    indexing, so that candidate takes its four offsets from the mirrored cell. The cell
    (row, col) in image orientation at a map of shape (h, w) reads its offsets from cell
    (row, w - 1 - col). With ``fix_flip`` the correct offsets are put back; nothing else changes.
    """
    from mtcnn.mtcnn import MTCNN, StageStatus

    original = MTCNN._MTCNN__generate_bounding_box  # a staticmethod: a plain function here
    cells, single = [], []

    def wrapped(imap, reg, scale, t):
        # imap: (h, w) face probability, reg: (h, w, 4), image orientation.
        boxes, reg_out = original(imap, reg, scale, t)
        cells.append(int(boxes.shape[0]))
        if boxes.shape[0] == 1:
            rows, cols = np.nonzero(imap >= t)
            r, c = int(rows[0]), int(cols[0])
            right = reg[r, c, :].astype(np.float64)
            single.append(
                {
                    "scale_index": len(cells) - 1,
                    "map_shape": [int(imap.shape[0]), int(imap.shape[1])],
                    "cell_row_col": [r, c],
                    "offsets_used": [float(v) for v in boxes[0, 5:9]],
                    "offsets_of_the_cell": [float(v) for v in right],
                    "differs": bool(not np.array_equal(boxes[0, 5:9], right)),
                }
            )
            if fix_flip:
                boxes = boxes.copy()
                boxes[0, 5:9] = right
                reg_out = boxes[:, 5:9].copy()
        return boxes, reg_out

    detector._MTCNN__generate_bounding_box = wrapped
    try:
        height, width, _ = rgb.shape
        status = StageStatus(width=width, height=height)
        m = 12 / detector._min_face_size
        min_layer = np.amin([height, width]) * m
        scales = detector._MTCNN__compute_scale_pyramid(m, min_layer)
        b1, st1 = detector._MTCNN__stage1(rgb, scales, status)
        b2, st2 = detector._MTCNN__stage2(rgb, b1, st1)
        b3, points = detector._MTCNN__stage3(rgb, b2, st2)
    finally:
        del detector._MTCNN__generate_bounding_box

    def as_boxes(b):
        b = np.asarray(b, dtype=np.float64)
        return b[:, :5].copy() if b.size else np.zeros((0, 5))

    points = np.asarray(points, dtype=np.float64)
    if points.size == 0:
        points = np.zeros((10, 0))
    return {
        "scales": [float(s) for s in scales],
        "cells": cells,
        "single": single,
        "arrays": {
            "stage1": as_boxes(b1),
            "stage2": as_boxes(b2),
            "total_boxes": as_boxes(b3),
            "points": points,
        },
    }


def _same_arrays(a: dict, b: dict) -> bool:
    return all(a[k].shape == b[k].shape and np.array_equal(a[k], b[k]) for k in a)


def _run_m011(detector, rgb: np.ndarray) -> dict:
    """detect_faces, plus its float arrays, plus what the single-cell flip bug changes."""
    faces = [
        {
            "box": [int(v) for v in f["box"]],
            "confidence": float(f["confidence"]),
            "keypoints": {k: [int(v[0]), int(v[1])] for k, v in f["keypoints"].items()},
        }
        for f in detector.detect_faces(rgb)
    ]
    run = _stages_m011(detector, rgb, fix_flip=False)
    arr = run["arrays"]
    if _faces_from_arrays(arr["total_boxes"], arr["points"]) != faces:
        raise SystemExit("stage-by-stage run differs from detect_faces")

    flip = {"single_cell_scales": run["single"]}
    fixed_arrays = None
    if any(s["differs"] for s in run["single"]):
        fixed = _stages_m011(detector, rgb, fix_flip=True)
        fa = fixed["arrays"]
        flip["changes_stage1"] = not _same_arrays(
            {"stage1": arr["stage1"]}, {"stage1": fa["stage1"]}
        )
        flip["changes_final_arrays"] = not _same_arrays(
            {k: arr[k] for k in ("total_boxes", "points")},
            {k: fa[k] for k in ("total_boxes", "points")},
        )
        fixed_faces = _faces_from_arrays(fa["total_boxes"], fa["points"])
        flip["changes_faces"] = fixed_faces != faces
        if flip["changes_stage1"]:
            fixed_arrays = fa
        if flip["changes_faces"]:
            flip["faces_with_flip_fixed"] = fixed_faces
    else:
        flip.update(changes_stage1=False, changes_final_arrays=False, changes_faces=False)

    return {
        "faces": faces,
        "scales": run["scales"],
        "counts": {
            "pnet_cells_per_scale": run["cells"],
            "stage1": int(arr["stage1"].shape[0]),
            "stage2": int(arr["stage2"].shape[0]),
            "stage3": int(arr["total_boxes"].shape[0]),
        },
        "flip_bug": flip,
        "arrays": arr,
        "fixed_arrays": fixed_arrays,
    }


def _compact_json(obj) -> str:
    """json.dumps(indent=1), with every list that holds no list or dict on one line."""
    import re

    text = json.dumps(obj, indent=1)
    return re.sub(
        r"\[[^\[\]{}]*\]",
        lambda m: re.sub(r"\s*\n\s*", " ", m.group(0)).replace("[ ", "[").replace(" ]", "]"),
        text,
    )


def cmd_detections(args) -> None:
    import importlib.metadata
    import importlib.resources

    _quiet_tensorflow()

    import cv2
    import keras
    import tensorflow as tf
    from mtcnn import MTCNN

    keras.utils.disable_interactive_logging()
    images = sorted(p.name for p in IMAGES.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    runs = [(name, {}) for name in images] + EXTRA_RUNS
    wfile = importlib.resources.files("mtcnn") / "data" / "mtcnn_weights.npy"
    header = {
        "producer": "mtcnn 0.1.1 (PyPI) MTCNN(**params).detect_faces(rgb), via "
        "tools/make_reference.py detections",
        "versions": {
            "python": platform.python_version(),
            "mtcnn": importlib.metadata.version("mtcnn"),
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
            "opencv": cv2.__version__,
            "pillow": importlib.metadata.version("pillow"),
        },
        "weights_file": "mtcnn/data/mtcnn_weights.npy",
        "weights_sha256": hashlib.sha256(wfile.read_bytes()).hexdigest(),
        "date": today(),
        "input": "np.asarray(PIL.Image.open(tests/images/<image>).convert('RGB')): "
        "uint8 (H, W, 3), channel order RGB",
        "defaults": {
            "min_face_size": 20,
            "scale_factor": 0.709,
            "steps_threshold": [0.6, 0.7, 0.7],
        },
        "arrays": "detections_m011_arrays.npz: '<entry>.total_boxes' (n, 5) float64 "
        "[x1, y1, x2, y2, score] and '<entry>.points' (10, n) float64 "
        "[x1..x5, y1..y5] as stage 3 returns them (before int()); "
        "'<entry>.stage1' / '<entry>.stage2' (n, 5): the boxes after stage 1 "
        "(regressed, squared, fixed) and stage 2 (regressed, squared, not fixed); "
        "'<entry>.flip_fixed.<same>': the same four arrays with only 0.1.1's "
        "single-cell flip bug corrected, stored where that changes stage 1",
    }
    entries, arrays = [], {}
    detectors = {}
    for image, kwargs in runs:
        key = json.dumps(kwargs, sort_keys=True)
        if key not in detectors:
            detectors[key] = MTCNN(**kwargs)
        det = detectors[key]
        rgb = load_rgb(image)
        res = _run_m011(det, rgb)
        name = _entry_name(image, kwargs)
        params = {
            "min_face_size": det._min_face_size,
            "scale_factor": det._scale_factor,
            "steps_threshold": list(det._steps_threshold),
        }
        entries.append(
            {
                "name": name,
                "image": image,
                "image_sha256": sha256_file(IMAGES / image),
                "shape": list(rgb.shape),
                "params": params,
                "default_params": not kwargs,
                "scales": res["scales"],
                "counts": res["counts"],
                "faces": res["faces"],
                "flip_bug": res["flip_bug"],
            }
        )
        for k, v in res["arrays"].items():
            arrays[f"{name}.{k}"] = v
        if res["fixed_arrays"] is not None:
            for k, v in res["fixed_arrays"].items():
                arrays[f"{name}.flip_fixed.{k}"] = v
        fb = res["flip_bug"]
        print(
            f"{name}: {len(res['faces'])} face(s) {res['counts']}; single-cell scales "
            f"{[(d['scale_index'], d['differs']) for d in fb['single_cell_scales']]}, "
            f"flip changes stage1/final/faces: {fb['changes_stage1']}/"
            f"{fb['changes_final_arrays']}/{fb['changes_faces']}"
        )
        for f in res["faces"]:
            print(f"    box {f['box']}  confidence {f['confidence']:.6f}")

    REFERENCE.mkdir(parents=True, exist_ok=True)
    out = REFERENCE / "detections_m011.json"
    out.write_text(_compact_json({"header": header, "entries": entries}) + "\n")
    np.savez_compressed(
        REFERENCE / "detections_m011_arrays.npz", **arrays, meta=np.array(json.dumps(header))
    )
    print(f"wrote {out.relative_to(ROOT)} and detections_m011_arrays.npz")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("layers", help="facenet-pytorch layer activations (venv-fpt)")
    p.add_argument(
        "--no-check",
        action="store_true",
        help="skip the comparison with facenet-pytorch's own modules",
    )
    p.set_defaults(func=cmd_layers)
    p = sub.add_parser("check-keras", help="cross-check tests/reference/layers with mtcnn 0.1.1")
    p.set_defaults(func=cmd_check_keras)
    p = sub.add_parser("detections", help="mtcnn 0.1.1 detections (venv-m011)")
    p.set_defaults(func=cmd_detections)
    args = ap.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
