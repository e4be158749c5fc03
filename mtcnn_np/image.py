"""Turn what the user passes into the detector's input: a fresh (H, W, 3) uint8 RGB array.

The input contract (also in the documentation, ``docs/inputs.md``):

=================================  ===========================================================
input                              conversion
=================================  ===========================================================
(H, W, 3) uint8 array              RGB, used as is (copied). OpenCV's BGR: pass ``bgr=True``.
(H, W) or (H, W, 1) array          grayscale, replicated to three channels
(H, W, 4) array                    RGBA (or BGRA with ``bgr=True``): alpha dropped, not blended
uint16 array                       full 16-bit range: 0 → 0, 65535 → 255 (rounded)
float or other integer array       only with ``value_range=(lo, hi)``: lo → 0, hi → 255
PIL image, any mode                converted to RGB ('I;16' and 'I' scaled as 16-bit, not
                                   clipped; 'F' needs ``value_range``); pixels used as they are
path or binary file object         decoded with Pillow, rotated upright by its EXIF orientation
``bytes`` (encoded file contents)  decoded like a file (as ``mtcnn`` 1.0 accepts them)
=================================  ===========================================================

Rejected with :class:`InvalidImage` (a ``TypeError`` and a ``ValueError`` at once, as ``mtcnn``
0.1.x names it), with a message naming the expected shape and dtype: other types (``TypeError``),
bool / complex / object arrays (``TypeError``), floats or non-uint8/uint16 integers without
``value_range`` (``TypeError``), other shapes, 4-D batches, fewer than 2 pixels, NaN or
infinity, values outside ``value_range``, missing or unreadable files (``ValueError``).
The caller's array is only read, never written.
"""

from __future__ import annotations

import io
import numbers
import os
from pathlib import Path

import numpy as np

EXPECTED = ("an (H, W, 3) uint8 RGB array (also (H, W), (H, W, 1), (H, W, 4)), a PIL.Image, "
            "or a path to an image file")
SIXTEEN_BIT = (0, 65535)


class InvalidImage(ValueError, TypeError):
    """The image cannot be used: wrong type, dtype, shape or values, or an unreadable file.

    ``mtcnn`` 0.1.x raises an exception of this name; this one is a subclass of both
    ``ValueError`` and ``TypeError``, so ``except InvalidImage``, ``except ValueError`` and
    ``except TypeError`` written for either package all catch it. (Bad *arguments*, such as
    ``bgr="yes"``, still raise a plain ``TypeError``/``ValueError``.)
    """


def load_image(image, *, bgr: bool = False, value_range: tuple | None = None) -> np.ndarray:
    """Return ``image`` as a new C-contiguous (H, W, 3) uint8 RGB array (see the module table).

    Parameters
    ----------
    image : ndarray, ``PIL.Image.Image``, ``str`` / ``os.PathLike`` path, or a binary file
        object (e.g. ``io.BytesIO`` holding encoded JPEG/PNG bytes).
    bgr : the array's channels are in OpenCV's order (B, G, R[, A]); they are reversed.
        Arrays only: PIL images and files are always decoded as RGB.
    value_range : ``(lo, hi)``, the pixel values that mean black and white; mapped linearly to
        0..255 and rounded; applies to whatever values the input holds. Required for float data
        and integer dtypes other than uint8 and uint16; defaults to (0, 255) for uint8 and
        (0, 65535) for uint16 and 16-bit PIL images.

    Raises
    ------
    TypeError : unsupported type or dtype (the message says what to pass instead).
    ValueError : unsupported shape, fewer than 2 pixels, NaN/inf or values outside
        ``value_range``, a file that is missing or cannot be decoded.
    """
    if not isinstance(bgr, (bool, np.bool_)):
        raise TypeError(f"bgr must be True or False, got {bgr!r}")
    value_range = _check_value_range(value_range)
    if bgr and not isinstance(image, np.ndarray):
        raise ValueError("bgr=True applies to NumPy arrays only: PIL images and image files "
                         "are always decoded as RGB")
    pixels, default_range = _decode(image)
    _check_dtype(pixels.dtype, value_range or default_range)
    _check_shape(pixels.shape)
    pixels = _to_uint8(pixels, value_range or default_range)
    return _to_rgb(pixels, bgr)


def wants_bgr(bgr, detector=None) -> bool:
    """A helper's ``bgr=`` argument resolved: True/False as given; None (the default) follows the
    detector, ``getattr(detector, "channel_order", "rgb") == "bgr"`` (False without one).

    ``bgr=True`` in the helpers (crops, drawing, video) means: the arrays you pass are OpenCV's
    BGR(A) and the arrays you get back are BGR too, ready for ``cv2.imshow``/``cv2.imwrite``.
    """
    if bgr is None:
        return getattr(detector, "channel_order", "rgb") == "bgr"
    if not isinstance(bgr, (bool, np.bool_)):
        raise TypeError(f"bgr must be True, False or None, got {bgr!r}")
    return bool(bgr)


def in_channel_order(pixels: np.ndarray, bgr: bool) -> np.ndarray:
    """(..., 3) RGB pixels as the caller wants them back: a C-contiguous BGR copy when ``bgr``,
    else unchanged."""
    return np.ascontiguousarray(pixels[..., ::-1]) if bgr else pixels


# -- decoding: whatever was passed → (array, the value range its dtype implies) ---------------

def _decode(image) -> tuple:
    if isinstance(image, np.ndarray):
        array = np.asarray(image)           # ndarray subclasses (np.matrix, memmap) as plain
        return array, _default_range(array.dtype)
    if isinstance(image, (str, os.PathLike)):
        return _read_path(Path(image))
    if isinstance(image, (bytes, bytearray, memoryview)):
        # Encoded file contents (JPEG, PNG, ...), as `mtcnn` 1.0 accepts: decoded like a file.
        data = bytes(image)
        return _guarded(lambda: _open_and_convert(io.BytesIO(data)), f"{len(data)} bytes")
    from PIL import Image

    if isinstance(image, Image.Image):
        return _guarded(lambda: _from_pil(image), "the PIL image")
    if hasattr(image, "read"):
        return _guarded(lambda: _open_and_convert(image), f"the file object {image!r}")
    if image is None:        # cv2.imread's answer for a file it cannot read
        raise InvalidImage(f"image must be {EXPECTED}; got None (cv2.imread returns None for "
                           "a missing or unreadable file)")
    raise InvalidImage(f"image must be {EXPECTED}; got {type(image).__name__}")


def _default_range(dtype: np.dtype) -> tuple | None:
    if dtype.kind == "u" and dtype.itemsize == 1:
        return (0, 255)
    if dtype.kind == "u" and dtype.itemsize == 2:   # any byte order
        return SIXTEEN_BIT
    return None


def _read_path(path: Path) -> tuple:
    if not path.exists():
        raise InvalidImage(f"image file not found: {path}")
    if not path.is_file():
        raise InvalidImage(f"not a file: {path}")
    return _guarded(lambda: _open_and_convert(path), str(path))


def _guarded(decode, what: str) -> tuple:
    """Run ``decode``; any failure inside Pillow (on untrusted bytes it raises OSError,
    SyntaxError, struct.error, DecompressionBombError…) becomes one ``ValueError``."""
    try:
        return decode()
    except MemoryError:
        raise
    except Exception as exc:
        raise InvalidImage(f"cannot read {what} as an image: {exc}") from exc


def _open_and_convert(source) -> tuple:
    from PIL import Image, ImageOps

    with Image.open(source) as im:
        im.load()                           # decode now, so a truncated file fails here
        # The pixels as every viewer shows them: the boxes refer to this upright image.
        return _from_pil(ImageOps.exif_transpose(im))


def _from_pil(im) -> tuple:
    """A PIL image's pixels. A PIL image is used as it is (no EXIF rotation), because the
    caller holds exactly these pixels and will draw the boxes on them."""
    if im.mode == "I" or im.mode.startswith("I;16"):
        # Pillow's 16-bit modes; 'I' (int32) is what it uses for 16-bit data in some formats.
        # im.convert("RGB") would clip everything above 255 to white: scale instead.
        return np.asarray(im), SIXTEEN_BIT
    if im.mode == "F":
        return np.asarray(im), None
    if im.mode in ("P", "PA"):
        im = im.convert("RGBA")             # palette → colours (and no transparency warning)
    return np.asarray(im.convert("RGB")), (0, 255)


# -- checks -----------------------------------------------------------------------------------

def _check_value_range(value_range) -> tuple | None:
    if value_range is None:
        return None
    message = f"value_range must be (lo, hi), two finite numbers with lo < hi; got {value_range!r}"
    if isinstance(value_range, (str, bytes)) or not hasattr(value_range, "__len__"):
        raise TypeError(message)
    if len(value_range) != 2:
        raise ValueError(message)
    if any(isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real)
           for v in value_range):
        raise TypeError(message)
    low, high = float(value_range[0]), float(value_range[1])
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(message)
    return low, high


def _check_dtype(dtype: np.dtype, value_range: tuple | None) -> None:
    if dtype.kind == "b":
        raise InvalidImage(f"image must be {EXPECTED}; got a bool array (a mask?) — convert it, "
                           "e.g. mask.astype(np.uint8) * 255")
    if dtype.kind not in "uif":
        raise InvalidImage(f"image must be {EXPECTED}; got an array of dtype {dtype}")
    if value_range is None:
        example = "(0, 1) or (0, 255)" if dtype.kind == "f" else "(0, 255)"
        raise InvalidImage(f"image must be {EXPECTED}; got dtype {dtype}, whose range is "
                           f"ambiguous — pass value_range={example} (the values meaning black "
                           "and white), or convert to uint8 yourself")


def _check_shape(shape: tuple) -> None:
    if len(shape) == 4:
        raise InvalidImage(f"image must be {EXPECTED}; got a 4-D array of shape {shape} (a "
                           "batch?) — pass one image here; detect_faces takes a list or a "
                           "stacked (N, H, W, 3) batch")
    if len(shape) not in (2, 3) or (len(shape) == 3 and shape[2] not in (1, 3, 4)):
        hint = ""
        if len(shape) == 3 and shape[0] in (1, 3, 4):
            hint = " (channels first? use np.moveaxis(image, 0, -1))"
        raise InvalidImage(f"image must be {EXPECTED}; got an array of shape {shape}{hint}")
    height, width = shape[:2]
    if height * width <= 1:
        raise InvalidImage(f"image must be {EXPECTED} with at least 2 pixels; got "
                           f"{height}×{width}")


# -- conversion -------------------------------------------------------------------------------

def _to_uint8(pixels: np.ndarray, value_range: tuple) -> np.ndarray:
    """Map ``value_range`` linearly onto 0..255 and round to nearest (same shape, uint8)."""
    low, high = value_range
    if pixels.dtype.kind == "u" and pixels.dtype.itemsize == 1 and (low, high) == (0, 255):
        return pixels
    x = pixels.astype(np.float64)
    if not np.isfinite(x).all():
        raise InvalidImage("image contains NaN or infinity")
    if x.min() < low or x.max() > high:
        raise InvalidImage(f"pixel values span [{x.min():g}, {x.max():g}], outside "
                           f"value_range=({low:g}, {high:g}); pass the range your data uses, or "
                           "clip it first (np.clip)")
    # Multiply before dividing: exact for integer data, so 16-bit k·257 gives back 8-bit k.
    return np.rint((x - low) * 255.0 / (high - low)).astype(np.uint8)


def _to_rgb(pixels: np.ndarray, bgr: bool) -> np.ndarray:
    """(H, W), (H, W, 1), (H, W, 3) or (H, W, 4) uint8 → a new (H, W, 3) C-contiguous array."""
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if pixels.shape[2] == 1:
        pixels = np.broadcast_to(pixels, pixels.shape[:2] + (3,))    # gray → R = G = B
    pixels = pixels[:, :, :3]                                        # drop alpha
    if bgr:
        pixels = pixels[:, :, ::-1]
    # Always a copy: nothing downstream can touch the caller's array, nor the caller ours.
    return np.array(pixels, dtype=np.uint8, order="C", copy=True)
