"""Convert the authors' Caffe models (det1–det4) to mtcnn_np's HDF5 weights (developer tool).

Source: ``code/codes/MTCNNv2/model/det{1,2,3,4}.caffemodel`` of the authors' repository
``kpzhang93/MTCNN_face_detection_alignment`` (MIT, © 2016 Kaipeng Zhang); det1–det3 are
P-Net, R-Net and O-Net (the same files in MTCNNv1), det4 is MTCNN v2's L-Net.

    python tools/convert_caffe.py ../shared/zhang2016/MTCNNv2/model --out weights/ \
        --hashes tests/reference/caffe_blobs.json --compare /tmp/w011

The transposition, once: the authors ran Caffe from Matlab, which stores an H×W image
column-major, so Caffe received every image as W×H — its "height" axis is the image's x. The
nets were trained that way. To use images as stored (rows = y) we transpose the weights instead:

* conv kernels: Caffe (F, C, kx, ky) → ``swapaxes(2, 3)`` → ours (F, C, ky, kx) = (F, C, kh, kw);
* the first dense layer after the conv maps: Caffe flattens a (C, x, y) map, we flatten
  (C, y, x), so its input columns are permuted from (c, x, y) to (c, y, x) order;
* other dense layers (F, D) and PReLU slopes (C,) are unchanged.

``--compare DIR`` checks every array against the files in DIR (e.g. those
``tools/convert_weights.py`` makes from ``mtcnn`` 0.1.1's ``.npy``) and fails on any difference.
``--hashes FILE`` writes the SHA-256 of every converted array and of each caffemodel, for
``tests/test_provenance.py``. Running the script twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from caffemodel import read_caffemodel  # noqa: E402
from convert_weights import flattened_map_shape  # noqa: E402

from mtcnn_np.nets.spec import ALL_SPECS  # noqa: E402
from mtcnn_np.weights import load_weights, save_weights  # noqa: E402

MODELS = {"pnet": "det1", "rnet": "det2", "onet": "det3", "lnet": "det4"}


def convert_net(net: str, caffemodel: Path) -> dict:
    """One caffemodel → ``{layer: {param: float32 array}}`` in mtcnn_np's layout."""
    blobs = {layer.name: layer.blobs for layer in read_caffemodel(caffemodel)}
    params: dict = {}
    after_flatten = False
    for layer in ALL_SPECS[net]:
        if layer.op == "flatten":
            after_flatten = True
            continue
        if layer.op not in ("conv", "dense", "prelu"):
            continue
        if layer.name not in blobs:
            raise ValueError(f"{caffemodel}: no layer {layer.name!r} (needed by {net})")
        found = blobs[layer.name]
        if layer.op == "prelu":
            params[layer.name] = {"alpha": found[0].reshape(-1)}
            continue
        weight, bias = found
        if layer.op == "conv":
            weight = weight.swapaxes(2, 3)                     # (F, C, kx, ky) → (F, C, ky, kx)
        elif after_flatten:
            weight = cxy_columns_to_cyx(weight, flattened_map_shape(net))
            after_flatten = False
        params[layer.name] = {"weight": weight, "bias": bias.reshape(-1)}
    return {k: {p: np.ascontiguousarray(a, dtype=np.float32) for p, a in v.items()}
            for k, v in params.items()}


def cxy_columns_to_cyx(weight: np.ndarray, map_shape: tuple[int, int, int]) -> np.ndarray:
    """A dense (F, D) weight reading a (C, x, y)-flattened map → reading (C, y, x)."""
    c, h, w = map_shape
    f = weight.shape[0]
    return weight.reshape(f, c, w, h).transpose(0, 1, 3, 2).reshape(f, c * h * w)


def array_hashes(params: dict) -> dict:
    """``{"layer/param": sha256 of the float32 little-endian C-order bytes}``."""
    return {f"{layer}/{name}": hashlib.sha256(np.ascontiguousarray(a, "<f4").tobytes()).hexdigest()
            for layer, group in params.items() for name, a in group.items()}


def compare(net: str, params: dict, folder: Path) -> None:
    other = load_weights(net, folder / f"{net}.h5")
    for layer, group in params.items():
        for name, array in group.items():
            if not np.array_equal(array, other[layer][name]):
                diff = float(np.max(np.abs(array - other[layer][name])))
                raise SystemExit(f"{net} {layer}/{name} differs from {folder} (max {diff:g})")
    print(f"{net}: every array equal to {folder / (net + '.h5')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_dir", type=Path, help="folder holding det1..det4.caffemodel")
    parser.add_argument("--out", type=Path, default=Path("weights"))
    parser.add_argument("--hashes", type=Path, help="write the arrays' SHA-256s (JSON)")
    parser.add_argument("--compare", type=Path, help="folder of .h5 files to compare against")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    sums, record = [], {}
    for net, model in MODELS.items():
        caffemodel = args.model_dir / f"{model}.caffemodel"
        digest = hashlib.sha256(caffemodel.read_bytes()).hexdigest()
        params = convert_net(net, caffemodel)
        if args.compare and (args.compare / f"{net}.h5").is_file():
            compare(net, params, args.compare)
        path = args.out / f"{net}.h5"
        save_weights(net, params, path, source=f"kpzhang93/MTCNN_face_detection_alignment "
                     f"(MIT) code/codes/MTCNNv2/model/{model}.caffemodel sha256={digest}")
        sums.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}")
        record[net] = {"caffemodel": f"{model}.caffemodel", "caffemodel_sha256": digest,
                       "arrays": array_hashes(params)}
        print(sums[-1])
    (args.out / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    if args.hashes:
        args.hashes.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
