"""Convert the published MTCNN weights to mtcnn_np's HDF5 files (developer tool).

Source: ``mtcnn/data/mtcnn_weights.npy`` inside the ``mtcnn`` 0.1.1 wheel on PyPI (MIT), a
Keras-ordered copy of the original Caffe models of Zhang et al. (via D. Sandberg's facenet port).

    pip download mtcnn==0.1.1 --no-deps -d /tmp/wheel
    python tools/convert_weights.py /tmp/wheel/mtcnn-0.1.1-py3-none-any.whl --out weights/

The source arrays act on the *transposed* image (Caffe under Matlab sees an H×W image as W×H):
kernels are (kx, ky, C, F) and the first dense layer reads its inputs in (x, y, c) order. We
resolve that once, here, so that at run time the image is used as stored:

* conv kernels: (kx, ky, C, F) → transpose(3, 2, 1, 0) → (F, C, ky, kx) = (F, C, kh, kw);
* first dense layer: rows permuted from (x, y, c) to (c, y, x) order, so that a plain NCHW
  reshape is the flatten; then stored as (F, D);
* other dense layers: (D, F) → (F, D); PReLU slopes (1, 1, C) → (C,).

Running the script twice gives identical arrays and identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mtcnn_np.nets.spec import SPECS  # noqa: E402
from mtcnn_np.weights import save_weights  # noqa: E402

NPY_IN_WHEEL = "mtcnn/data/mtcnn_weights.npy"


def read_source(path: Path) -> tuple[dict, str]:
    """The ``{'pnet': [...], 'rnet': [...], 'onet': [...]}`` lists, and a provenance string."""
    data = path.read_bytes()
    provenance = f"{path.name} sha256={hashlib.sha256(data).hexdigest()}"
    if path.suffix == ".whl":
        with zipfile.ZipFile(io.BytesIO(data)) as wheel:
            data = wheel.read(NPY_IN_WHEEL)
        provenance += f" :: {NPY_IN_WHEEL} sha256={hashlib.sha256(data).hexdigest()}"
    # The file is a pickled dict of lists; it comes from a pinned, checksummed PyPI release.
    weights = np.load(io.BytesIO(data), allow_pickle=True).tolist()
    return weights, provenance


def convert_net(net: str, arrays: list) -> dict:
    """Keras-ordered list of arrays → ``{layer: {param: array}}`` in mtcnn_np's layout."""
    arrays = list(arrays)
    params: dict = {}
    last_map_shape = None  # (C, H, W) of the conv map feeding the first dense layer
    for layer in SPECS[net]:
        if layer.op == "conv":
            kernel, bias = arrays.pop(0), arrays.pop(0)
            params[layer.name] = {"weight": kernel.transpose(3, 2, 1, 0), "bias": bias}
        elif layer.op == "prelu":
            params[layer.name] = {"alpha": arrays.pop(0).reshape(-1)}
        elif layer.op == "flatten":
            last_map_shape = flattened_map_shape(net)
        elif layer.op == "dense":
            kernel, bias = arrays.pop(0), arrays.pop(0)  # kernel (D, F)
            if last_map_shape is not None:
                kernel = xyc_rows_to_cyx(kernel, last_map_shape)
                last_map_shape = None
            params[layer.name] = {"weight": kernel.T, "bias": bias}
    if arrays:
        raise ValueError(f"{net}: {len(arrays)} source arrays left over")
    return {k: {p: np.ascontiguousarray(a, dtype=np.float32) for p, a in v.items()}
            for k, v in params.items()}


def flattened_map_shape(net: str) -> tuple[int, int, int]:
    """(C, H, W) of the map feeding the first dense layer: 3×3×64 for R-Net, 3×3×128 for
    O-Net, 3×3×320 for L-Net (its five branches concatenated)."""
    return {"rnet": (64, 3, 3), "onet": (128, 3, 3), "lnet": (320, 3, 3)}[net]


def xyc_rows_to_cyx(kernel: np.ndarray, map_shape: tuple[int, int, int]) -> np.ndarray:
    """Reorder a dense kernel's input rows from (x, y, c) to (c, y, x) order."""
    c, h, w = map_shape
    f = kernel.shape[1]
    return kernel.reshape(w, h, c, f).transpose(2, 1, 0, 3).reshape(c * h * w, f)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="mtcnn-0.1.1 wheel, or mtcnn_weights.npy")
    parser.add_argument("--out", type=Path, default=Path("weights"))
    args = parser.parse_args()
    weights, provenance = read_source(args.source)
    args.out.mkdir(parents=True, exist_ok=True)
    sums = []
    for net in SPECS:
        path = args.out / f"{net}.h5"
        save_weights(net, convert_net(net, weights[net]), path,
                     source=f"mtcnn 0.1.1 (PyPI, MIT): {provenance}")
        sums.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}")
        print(sums[-1])
    (args.out / "SHA256SUMS").write_text("\n".join(sums) + "\n")


if __name__ == "__main__":
    main()
