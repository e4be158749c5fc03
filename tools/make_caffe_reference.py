#!/usr/bin/env python3
"""Every layer of the authors' own Caffe nets, run by OpenCV: ``tests/reference/caffe/``.

Developer tool; the package and its tests never import it. Needs numpy and
opencv-python-headless **4.x** only (OpenCV 5 dropped the Caffe importer), nothing of mtcnn_np::

    /work/venvs/cv4/bin/python tools/make_caffe_reference.py \\
        ../shared/zhang2016/MTCNNv2/model --out tests/reference/caffe/

MODEL_DIR holds ``det1``–``det4`` ``.prototxt`` + ``.caffemodel`` of Zhang et al. (2016), MIT.
Each net is read with ``cv2.dnn.readNetFromCaffe`` and ``net.forward(layer_names)`` returns the
output blob of every named layer. Layer fusion is switched off (``net.enableFusion(False)``):
with it OpenCV folds each PReLU into the convolution before it, and the convolution's own
output would no longer exist as a blob of its own. Winograd convolution is switched off too
(``net.enableWinograd(False)``): OpenCV 4 uses it for 3×3 kernels by default, and measured
against a float64 convolution it puts P-Net's conv1 off by 3.4e-5 (plain convolution: 1.2e-6),
a third of the test's tolerance spent on the reference's own rounding.

**The transposition.** The authors drive Caffe from Matlab (``MTCNNv2/detect_face.m``), and
matcaffe hands a Matlab array ``(d1, d2, d3, d4)`` to Caffe as the blob ``(N=d4, C=d3, H=d2,
W=d1)``. A Matlab image is ``(rows, cols, 3)`` = ``(y, x, c)``, so Caffe's H axis is the
image's **x** and W is its y: the nets were trained on transposed images, every 4-D blob here is
``(N, C, x, y)``. So the input fed here is exactly what Matlab feeds: RGB (``imread``, no channel
swap), ``(pixel − 127.5) · 0.0078125``, the last two axes swapped. ``mtcnn_np`` instead keeps the
image as it is and has the kernels transposed once (``tools/convert_weights.py``); the test swaps
the two axes back (``tests/test_reference_caffe.py``). Dense layers (``InnerProduct``) and their
outputs are plain ``(N, D)`` vectors in both, compared as they are.

Inputs (real pixels, PNG decoded by ``cv2.imread``; crops resized by ``cv2.resize`` INTER_AREA,
the resampling of ``mtcnn`` 0.1.1; the stored input is the reference, not how it was made):
``pnet_group_small`` a 41×33 (rows × cols) crop of ``group_small.png`` around its 14 px face;
``rnet_crops`` / ``onet_crops`` squared face boxes and non-face windows (``CROPS``);
``lnet_patches`` real L-Net inputs (five 24×24 landmark patches) from
``tests/reference/lnet_cv2.npz``.

Size budget: float32 activations hardly compress, so the 4-D maps (conv/PReLU/pool) are stored
for the first ``MAP_SAMPLES`` samples only, and the widest first layers of O-Net and L-Net for
their first ``FIRST_CHANNELS`` channels (every later layer, stored whole, depends on all of
them); dense layers and outputs are stored for every sample. A stored blob is thus always the
leading corner ``blob[:n, :c]`` of Caffe's blob; ``meta`` records the full shapes.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import platform
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "tests" / "images"
LNET_PATCHES = ROOT / "tests" / "reference" / "lnet_cv2.npz"

MODELS = {"pnet": "det1", "rnet": "det2", "onet": "det3", "lnet": "det4"}
# Layers whose output is not compared: Slice's outputs are just the input's channel groups,
# Dropout is the identity at test time (Caffe's TEST phase).
SKIPPED = {"slicer_data", "drop5"}
OUTPUTS = {
    "pnet": ("prob1", "conv4-2"),
    "rnet": ("prob1", "conv5-2"),
    "onet": ("prob1", "conv6-2", "conv6-3"),
    "lnet": ("fc5_1", "fc5_2", "fc5_3", "fc5_4", "fc5_5"),
}
MAP_SAMPLES = 1
FIRST_CHANNELS = 8
WIDE_FIRST_LAYERS = {"onet": ("conv1", "prelu1"),
                     "lnet": tuple(f"{p}1_{k}" for p in ("conv", "prelu") for k in range(1, 6))}

# P-Net: group_small.png rows 0:41, cols 10:43; the face box of mtcnn 0.1.1 there is
# x 23.6–37.1, y 15.8–31.1 (14 × 15 px), so P-Net's 12 px windows fire on it.
PNET_CROP = ("group_small.png", (10, 0, 43, 41), "14 px face at x 13.6-27.1, y 15.8-31.1")
# (image, (left, top, right, bottom), what it shows): squared 0.1.1 face boxes and non-faces.
CROPS = {
    "rnet": [("group_small.png", (200, 137, 270, 207), "face"),
             ("astronaut_small.png", (66, 24, 110, 68), "face"),
             ("group_small.png", (20, 118, 112, 210), "face (92 px box)"),
             ("group_small.png", (150, 150, 200, 200), "no face: grey background between faces")],
    "onet": [("grace_hopper_small.png", (51, 38, 124, 111), "face"),
             ("astronaut_small.png", (66, 24, 110, 68), "face"),
             ("astronaut_small.png", (120, 120, 180, 180), "no face: the helmet, lower right")],
}
LNET_CASES = [("astronaut_small", 0), ("grace_hopper_small", 0),
              ("group_small", 0), ("group_small", 4)]


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_rgb(name: str) -> np.ndarray:
    """(H, W, 3) uint8 RGB, as Matlab's ``imread`` gives it (cv2 reads BGR)."""
    bgr = cv2.imread(str(IMAGES / name), cv2.IMREAD_COLOR)
    if bgr is None:
        raise SystemExit(f"cannot read {IMAGES / name}")
    return np.ascontiguousarray(bgr[:, :, ::-1])


def to_caffe(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB pixels → (3, W, H) float32: normalised, then Matlab's transposition."""
    x = (rgb.astype(np.float32) - np.float32(127.5)) * np.float32(0.0078125)
    return np.ascontiguousarray(x.transpose(2, 1, 0))


def pnet_input() -> tuple[np.ndarray, list[str]]:
    name, (left, top, right, bottom), what = PNET_CROP
    crop = read_rgb(name)[top:bottom, left:right]
    return to_caffe(crop)[None], [f"{name} [{top}:{bottom}, {left}:{right}] (rows, cols): {what}"]


def crop_inputs(net: str, size: int) -> tuple[np.ndarray, list[str]]:
    xs, notes = [], []
    for name, (left, top, right, bottom), what in CROPS[net]:
        crop = read_rgb(name)[top:bottom, left:right]
        small = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)
        xs.append(to_caffe(small))
        notes.append(f"{name} crop (left, top, right, bottom) {[left, top, right, bottom]} -> "
                     f"{size}x{size} cv2 INTER_AREA: {what}")
    return np.stack(xs), notes


def lnet_inputs() -> tuple[np.ndarray, list[str]]:
    """Real L-Net inputs: (N, 15, 24, 24) rows = y in lnet_cv2.npz → Caffe's (N, 15, x, y)."""
    with np.load(LNET_PATCHES) as ref:
        xs = [ref[f"{photo}.input"][face] for photo, face in LNET_CASES]
    notes = [f"lnet_cv2.npz {photo}.input[{face}]: five 24x24 patches around the landmarks of "
             f"mtcnn 0.1.1's face {face}" for photo, face in LNET_CASES]
    return np.ascontiguousarray(np.stack(xs).transpose(0, 1, 3, 2), np.float32), notes


def run(model_dir: Path, net_name: str, x: np.ndarray, fusion: bool) -> dict:
    """Every compared layer's output blob, by layer name (in network order)."""
    stem = MODELS[net_name]
    net = cv2.dnn.readNetFromCaffe(str(model_dir / f"{stem}.prototxt"),
                                   str(model_dir / f"{stem}.caffemodel"))
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    net.enableFusion(fusion)
    net.enableWinograd(False)   # its 3×3 fast convolution is off by ~3e-5 on conv1 (see docstring)
    names = [n for n in net.getLayerNames() if n not in SKIPPED]
    if fusion:
        names = list(OUTPUTS[net_name])
    net.setInput(x)
    blobs = net.forward(names)
    return {n: np.array(b, np.float32) for n, b in zip(names, blobs)}


def stored_part(net_name: str, layer: str, blob: np.ndarray) -> np.ndarray:
    """The leading corner of a blob kept within the size budget (see the module docstring)."""
    if blob.ndim != 4 or layer in OUTPUTS[net_name]:
        return blob
    channels = FIRST_CHANNELS if layer in WIDE_FIRST_LAYERS.get(net_name, ()) else blob.shape[1]
    return np.ascontiguousarray(blob[:MAP_SAMPLES, :channels])


def make_case(model_dir: Path, out: Path, net_name: str, case: str, x: np.ndarray,
              notes: list[str]) -> None:
    blobs = run(model_dir, net_name, x, fusion=False)
    fused = run(model_dir, net_name, x, fusion=True)
    # Self-check: OpenCV's default (fused) graph gives the same outputs as the unfused one.
    worst = max(float(np.max(np.abs(fused[n] - blobs[n]))) for n in OUTPUTS[net_name])
    if worst > 1e-5:
        raise SystemExit(f"{case}: fused and unfused OpenCV graphs differ by {worst:.2e}")
    stem = MODELS[net_name]
    meta = {
        "producer": f"OpenCV {cv2.__version__} cv2.dnn.readNetFromCaffe, "
                    "enableFusion(False), enableWinograd(False)",
        "net": net_name, "case": case, "model": stem,
        "prototxt_sha256": sha256_file(model_dir / f"{stem}.prototxt"),
        "caffemodel_sha256": sha256_file(model_dir / f"{stem}.caffemodel"),
        "layout": "Caffe blobs as Matlab feeds them: 4-D = (N, C, x, y), i.e. the image "
                  "transposed; input RGB, (pixel - 127.5) * 0.0078125",
        "inputs": notes, "layers": list(blobs),
        "full_shapes": {n: list(b.shape) for n, b in blobs.items()},
        "outputs": list(OUTPUTS[net_name]),
        "fused_vs_unfused_max_abs": worst,
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "opencv": cv2.__version__},
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
    }
    arrays = {n: stored_part(net_name, n, b) for n, b in blobs.items()}
    path = out / f"{case}.npz"
    np.savez_compressed(path, input=x, meta=np.array(json.dumps(meta)), **arrays)
    face = blobs["prob1"][:, 1].reshape(len(x), -1).max(axis=1) if "prob1" in blobs else []
    print(f"{path}: {path.stat().st_size / 1e3:.0f} kB, input {x.shape}, fused/unfused "
          f"{worst:.1e}, face prob (max per sample) {np.round(face, 4).tolist()}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path, help="folder with det1..det4 prototxt+caffemodel")
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "reference" / "caffe")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    cv2.setNumThreads(1)
    x, notes = pnet_input()
    make_case(args.model_dir, args.out, "pnet", "pnet_group_small", x, notes)
    x, notes = crop_inputs("rnet", 24)
    make_case(args.model_dir, args.out, "rnet", "rnet_crops", x, notes)
    x, notes = crop_inputs("onet", 48)
    make_case(args.model_dir, args.out, "onet", "onet_crops", x, notes)
    x, notes = lnet_inputs()
    make_case(args.model_dir, args.out, "lnet", "lnet_patches", x, notes)
    for stem in MODELS.values():
        for ext in ("prototxt", "caffemodel"):
            print(f"{stem}.{ext} sha256 {sha256_file(args.model_dir / f'{stem}.{ext}')}")


if __name__ == "__main__":
    main()
