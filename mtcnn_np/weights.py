"""Load and save the networks' weights (HDF5), with checks that fail clearly.

File layout (one file per net: ``pnet.h5``, ``rnet.h5``, ``onet.h5``, and L-Net's ``lnet.h5``)::

    /<layer name>/weight   conv (F, C, kh, kw) or dense (F, D), float32
    /<layer name>/bias     (F,) float32
    /<layer name>/alpha    PReLU slopes (C,) float32
    attrs: net, format, layout, source

Layer names and shapes come from :mod:`mtcnn_np.nets.spec`. The bundled files are also checked
against the SHA-256 sums in ``weights/SHA256SUMS`` so a truncated or altered file is refused
before it is used.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from .nets.spec import ALL_SPECS, SPECS, parameter_shapes

FORMAT = "mtcnn_np-weights-1"
LAYOUT = ("NCHW; conv kernels (F, C, kh, kw) and dense (F, D) act on the image as stored "
          "(rows = y), not on its transpose; first dense layer's inputs in (c, y, x) order")
NETS = tuple(SPECS)                 # the cascade's three, which a weights folder must hold


class WeightsError(ValueError):
    """A weights file is missing, unreadable, or does not match the network it is loaded into."""


def bundled_weights_dir() -> Path:
    """The folder of the shipped ``*.h5`` files.

    Installed, it is the package ``mtcnn_np.pretrained`` (setup.cfg maps the top-level
    ``weights/`` folder onto it); in a source checkout it is ``weights/`` next to ``mtcnn_np/``.
    """
    try:
        from importlib.resources import files

        folder = Path(str(files("mtcnn_np.pretrained")))
        if (folder / "SHA256SUMS").is_file():
            return folder
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / "weights"


def bundled_checksums() -> dict:
    """``{file name: sha256 hex}`` read from ``SHA256SUMS`` (the format of ``sha256sum``)."""
    sums = {}
    for line in (bundled_weights_dir() / "SHA256SUMS").read_text().splitlines():
        if line.strip():
            digest, name = line.split()
            sums[name.lstrip("*")] = digest
    return sums


def sha256_of(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_weights(net: str, path: str | Path | None = None) -> dict:
    """Read one net's parameters, checking every layer name and shape.

    Parameters
    ----------
    net : "pnet", "rnet", "onet" or "lnet".
    path : an HDF5 file in the layout above; default: the bundled file, whose SHA-256 is also
        verified.

    Returns
    -------
    ``{layer_name: {param_name: float32 C-contiguous array}}``

    Raises
    ------
    WeightsError (a ValueError) naming the file — and the layer, where one is at fault.
    """
    if net not in ALL_SPECS:
        raise ValueError(f"unknown net {net!r}; expected one of {tuple(ALL_SPECS)}")
    if path is None:
        path = bundled_weights_dir() / f"{net}.h5"
        _verify_checksum(path)
    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{net} weights file not found: {path}")
    try:
        return _read_params(net, path)
    except WeightsError:
        raise
    except Exception as exc:  # h5py raises OSError, KeyError, RuntimeError... on damaged files
        raise WeightsError(f"{path}: cannot be read as an HDF5 weights file "
                           f"(truncated or corrupted?): {exc}") from exc


def _verify_checksum(path: Path) -> None:
    if not path.is_file():
        raise WeightsError(f"bundled weights file is missing: {path} (reinstall mtcnn_np)")
    expected = bundled_checksums().get(path.name)
    actual = sha256_of(path)
    if expected != actual:
        raise WeightsError(f"{path}: SHA-256 {actual} does not match the manifest ({expected}); "
                           "the file is truncated or altered — reinstall mtcnn_np")


def _read_params(net: str, path: Path) -> dict:
    import h5py

    params: dict = {}
    with h5py.File(path, "r") as f:
        _check_net_attr(f, net, path)
        for layer, shapes in parameter_shapes(ALL_SPECS[net]).items():
            if layer not in f:
                raise WeightsError(f"{path}: layer {layer!r} of {net} is missing")
            params[layer] = {}
            for pname, shape in shapes.items():
                key = f"{layer}/{pname}"
                if key not in f or not isinstance(f[key], h5py.Dataset):
                    raise WeightsError(f"{path}: parameter {key!r} of {net} is missing")
                dtype = f[key].dtype
                if dtype.kind != "f" or dtype.itemsize != 4:             # float32, any byte order
                    # Refuse rather than cast: float64 would be silently rounded, ints are
                    # surely not weights. save_weights writes float32.
                    raise WeightsError(f"{path}: {key} has dtype {dtype}, {net} needs "
                                       "float32 (write the file with mtcnn_np.weights."
                                       "save_weights)")
                if f[key].shape != shape:                  # checked before reading it
                    raise WeightsError(f"{path}: {key} has shape {f[key].shape}, "
                                       f"{net} needs {shape}")
                array = np.ascontiguousarray(f[key][()], dtype=np.float32)
                if not np.isfinite(array).all():
                    raise WeightsError(f"{path}: {key} contains NaN or infinity")
                params[layer][pname] = array
    return params


def _check_net_attr(f, net: str, path: Path) -> None:
    """Files written by :func:`save_weights` say which net they hold: catch a swapped file."""
    stored = f.attrs.get("net")
    if isinstance(stored, bytes):
        stored = stored.decode()
    if stored is not None and stored != net:
        raise WeightsError(f"{path}: holds {stored} weights, not {net}")


def save_weights(net: str, params: dict, path: str | Path, source: str = "") -> None:
    """Write ``params`` (as returned by :func:`load_weights`) to ``path`` in the layout above.

    Written deterministically (no timestamps), so the same arrays give the same bytes.
    """
    import h5py

    shapes = parameter_shapes(ALL_SPECS[net])
    with h5py.File(path, "w", track_order=True) as f:
        f.attrs["net"] = net
        f.attrs["format"] = FORMAT
        f.attrs["layout"] = LAYOUT
        f.attrs["source"] = source
        for layer, pshapes in shapes.items():
            group = f.create_group(layer, track_order=True)
            for pname, shape in pshapes.items():
                array = np.ascontiguousarray(params[layer][pname], dtype=np.float32)
                if array.shape != shape:
                    raise WeightsError(f"{path}: {layer}/{pname} has shape {array.shape}, "
                                       f"{net} needs {shape}")
                group.create_dataset(pname, data=array, track_times=False)
