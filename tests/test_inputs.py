"""A catalogue of odd and bad inputs, each with its documented outcome (``mtcnn_np/image.py``).

Three kinds of outcome:
- ``Same(clean)``: converted, and the detections equal those of the clean (H, W, 3) uint8 RGB
  image ``clean`` value for value (the clean image has a face, so ``[] == []`` proves nothing);
- ``EMPTY``: accepted, and no face (``[]``);
- ``Raises(error, message)``: a TypeError/ValueError whose message says what was expected.

Every array is also passed read-only, and checked unchanged afterwards.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from conftest import IMAGES, read_rgb
from PIL import Image, ImageOps

from mtcnn_np.image import load_image

RGB = read_rgb("grace_hopper_small.png")                  # (200, 171, 3), one face
GRAY = np.asarray(Image.fromarray(RGB).convert("L"))      # (200, 171)
GRAY3 = np.repeat(GRAY[:, :, None], 3, axis=2)
RNG = np.random.default_rng(6)
ALPHA = RNG.integers(0, 256, RGB.shape[:2], dtype=np.uint8)[:, :, None]


@dataclass
class Same:
    clean: np.ndarray


@dataclass
class Raises:
    error: type
    message: str


EMPTY = "[]"


def readonly(array: np.ndarray) -> np.ndarray:
    array = array.copy()
    array.setflags(write=False)
    return array


def pil(array: np.ndarray, mode: str | None = None) -> Image.Image:
    image = Image.fromarray(array)
    return image.convert(mode) if mode else image


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def as_file(tmp_path, name: str, data: bytes | str):
    path = tmp_path / name
    path.write_bytes(data) if isinstance(data, bytes) else path.write_text(data)
    return path


def memmap(tmp_path, array: np.ndarray) -> np.memmap:
    """An ndarray subclass backed by a file opened read-only."""
    array.tofile(tmp_path / "pixels.raw")
    return np.memmap(tmp_path / "pixels.raw", array.dtype, "r", shape=array.shape)


def with_pixel(array: np.ndarray, value: float) -> np.ndarray:
    array = array.copy()
    array[7, 9, 1] = value
    return array


def pil_int32(values: np.ndarray) -> Image.Image:
    return Image.fromarray(values.astype(np.int32), mode="I")


def closed_image() -> Image.Image:
    image = Image.open(io.BytesIO(encoded(pil(RGB), "PNG")))
    image.close()
    return image


JPEG = (IMAGES / "grace_hopper.jpg").read_bytes()
PNG = encoded(pil(RGB), "PNG")

# (id, make the input (gets tmp_path), keyword arguments, expected outcome)
CATALOGUE: list[tuple[str, Callable, dict, object]] = [
    # -- sizes --------------------------------------------------------------------------------
    ("0x0", lambda t: np.zeros((0, 0, 3), np.uint8), {}, Raises(ValueError, "at least 2 pixels")),
    ("1x1", lambda t: np.zeros((1, 1, 3), np.uint8), {}, Raises(ValueError, "at least 2 pixels")),
    ("0x10-gray", lambda t: np.zeros((0, 10), np.uint8), {}, Raises(ValueError, "2 pixels")),
    ("1x1-pil", lambda t: Image.new("RGB", (1, 1)), {}, Raises(ValueError, "at least 2 pixels")),
    ("2x1", lambda t: np.zeros((2, 1, 3), np.uint8), {}, EMPTY),
    ("11x11", lambda t: RGB[:11, :11], {}, EMPTY),
    ("1x10000-strip", lambda t: np.full((1, 10000, 3), 128, np.uint8), {}, EMPTY),
    ("10000x1-strip", lambda t: np.full((10000, 1, 3), 128, np.uint8), {}, EMPTY),
    # -- content ------------------------------------------------------------------------------
    ("all-black", lambda t: np.zeros((100, 120, 3), np.uint8), {}, EMPTY),
    ("all-white", lambda t: np.full((100, 120, 3), 255, np.uint8), {}, EMPTY),
    ("noise", lambda t: np.random.default_rng(0).integers(0, 256, (200, 200, 3), np.uint8), {},
     EMPTY),
    # -- shapes -------------------------------------------------------------------------------
    ("gray-HW", lambda t: GRAY, {}, Same(GRAY3)),
    ("gray-HW1", lambda t: GRAY[:, :, None], {}, Same(GRAY3)),
    ("rgba-alpha-dropped", lambda t: np.dstack([RGB, ALPHA]), {}, Same(RGB)),
    ("channels-first", lambda t: RGB.transpose(2, 0, 1), {}, Raises(ValueError, "channels first")),
    ("two-channels", lambda t: RGB[:, :, :2], {}, Raises(ValueError, r"\(H, W, 3\) uint8")),
    ("1-D", lambda t: RGB.ravel(), {}, Raises(ValueError, r"shape \(102600,\)")),
    ("5-D", lambda t: RGB[None, None], {}, Raises(ValueError, r"\(H, W, 3\)")),
    # -- memory layout: views are read, never written -----------------------------------------
    ("strided-view", lambda t: RGB[::2, ::2], {}, Same(RGB[::2, ::2].copy())),
    ("negative-stride-rows", lambda t: RGB[::-1], {}, Same(RGB[::-1].copy())),
    ("negative-stride-cols", lambda t: RGB[:, ::-1], {}, Same(RGB[:, ::-1].copy())),
    ("fortran-order", lambda t: np.asfortranarray(RGB), {}, Same(RGB)),
    ("column-major-strides", lambda t: RGB.transpose(1, 0, 2).copy().transpose(1, 0, 2), {},
     Same(RGB)),
    ("channel-slice-view", lambda t: np.dstack([RGB, ALPHA])[:, :, :3], {}, Same(RGB)),
    ("memmap-read-only-gray", lambda t: memmap(t, GRAY), {}, Same(GRAY3)),
    # -- channel order ------------------------------------------------------------------------
    ("bgr", lambda t: RGB[:, :, ::-1].copy(), {"bgr": True}, Same(RGB)),
    ("bgra", lambda t: np.dstack([RGB[:, :, ::-1], ALPHA]), {"bgr": True}, Same(RGB)),
    ("bgr-not-a-bool", lambda t: RGB, {"bgr": "yes"}, Raises(TypeError, "bgr must be True")),
    ("bgr-with-a-path", lambda t: IMAGES / "grace_hopper_small.png", {"bgr": True},
     Raises(ValueError, "arrays only")),
    ("bgr-with-pil", lambda t: pil(RGB), {"bgr": True}, Raises(ValueError, "arrays only")),
    # -- dtypes -------------------------------------------------------------------------------
    ("float64-0-1", lambda t: RGB / 255.0, {"value_range": (0, 1)}, Same(RGB)),
    ("float32-0-1", lambda t: (RGB / np.float32(255)).astype(np.float32),
     {"value_range": (0, 1)}, Same(RGB)),
    ("float16-0-255", lambda t: RGB.astype(np.float16), {"value_range": (0, 255)}, Same(RGB)),
    ("float-minus1-1", lambda t: RGB / 127.5 - 1, {"value_range": (-1, 1)}, Same(RGB)),
    ("float-without-range", lambda t: RGB / 255.0, {}, Raises(TypeError, r"value_range=\(0, 1\)")),
    ("float-nan", lambda t: with_pixel(RGB / 255.0, np.nan), {"value_range": (0, 1)},
     Raises(ValueError, "NaN or infinity")),
    ("float-inf", lambda t: with_pixel(RGB / 255.0, -np.inf), {"value_range": (0, 1)},
     Raises(ValueError, "NaN or infinity")),
    ("float-out-of-range", lambda t: with_pixel(RGB / 255.0, 1.5), {"value_range": (0, 1)},
     Raises(ValueError, r"span \[[0-9.]+, 1.5\], outside value_range=\(0, 1\)")),
    ("int64-without-range", lambda t: RGB.astype(np.int64), {},
     Raises(TypeError, r"int64.*value_range=\(0, 255\)")),
    ("int64-0-255", lambda t: RGB.astype(np.int64), {"value_range": (0, 255)}, Same(RGB)),
    ("int8", lambda t: (RGB.astype(np.int16) - 128).astype(np.int8), {"value_range": (-128, 127)},
     Same(RGB)),
    ("uint16-full-range", lambda t: RGB.astype(np.uint16) * 257, {}, Same(RGB)),
    ("uint16-big-endian", lambda t: (RGB.astype(np.uint16) * 257).astype(">u2"), {}, Same(RGB)),
    ("uint16-12-bit", lambda t: (RGB.astype(np.uint32) * 4095 // 255).astype(np.uint16),
     {"value_range": (0, 4095)}, Same(RGB)),
    ("uint8-0-255-explicit", lambda t: RGB, {"value_range": (0, 255)}, Same(RGB)),
    ("bool", lambda t: RGB > 127, {}, Raises(TypeError, "bool array")),
    ("complex", lambda t: RGB.astype(np.complex64), {}, Raises(TypeError, "dtype complex64")),
    ("object", lambda t: RGB.astype(object), {}, Raises(TypeError, "dtype object")),
    ("strings", lambda t: np.full((20, 20, 3), "a"), {}, Raises(TypeError, "dtype <U1")),
    ("value-range-reversed", lambda t: RGB / 255.0, {"value_range": (1, 0)},
     Raises(ValueError, "lo < hi")),
    ("value-range-one-number", lambda t: RGB / 255.0, {"value_range": (1,)},
     Raises(ValueError, r"value_range must be \(lo, hi\)")),
    ("value-range-string", lambda t: RGB / 255.0, {"value_range": "01"},
     Raises(TypeError, r"value_range must be \(lo, hi\)")),
    ("value-range-nan", lambda t: RGB / 255.0, {"value_range": (0, float("nan"))},
     Raises(ValueError, "finite")),
    # -- PIL images ---------------------------------------------------------------------------
    ("pil-L", lambda t: pil(GRAY), {}, Same(GRAY3)),
    ("pil-RGBA", lambda t: pil(np.dstack([RGB, ALPHA])), {}, Same(RGB)),
    ("pil-LA", lambda t: pil(GRAY, "LA"), {}, Same(GRAY3)),
    ("pil-CMYK", lambda t: pil(RGB, "CMYK"), {}, Same(RGB)),       # naive CMYK: exact round trip
    ("pil-palette", lambda t: pil(RGB).quantize(64),
     {}, Same(np.asarray(pil(RGB).quantize(64).convert("RGB")))),
    ("pil-I;16", lambda t: pil(GRAY.astype(np.uint16) * 257), {}, Same(GRAY3)),
    ("pil-I;16B", lambda t: pil((GRAY.astype(np.uint16) * 257).astype(">u2")), {}, Same(GRAY3)),
    ("pil-I", lambda t: pil_int32(GRAY.astype(np.int32) * 257), {}, Same(GRAY3)),
    ("pil-I-beyond-16-bit", lambda t: pil_int32(GRAY.astype(np.int32) * 1000), {},
     Raises(ValueError, r"outside value_range=\(0, 65535\)")),
    ("pil-F-0-1", lambda t: Image.fromarray((GRAY / 255.0).astype(np.float32)),
     {"value_range": (0, 1)}, Same(GRAY3)),
    ("pil-F-without-range", lambda t: Image.fromarray(GRAY.astype(np.float32)), {},
     Raises(TypeError, "value_range")),
    ("pil-closed", lambda t: closed_image(), {}, Raises(ValueError, "cannot read the PIL image")),
    ("pil-lazy-truncated", lambda t: Image.open(io.BytesIO(JPEG[:3000])), {},
     Raises(ValueError, "cannot read the PIL image")),
    # -- files --------------------------------------------------------------------------------
    ("png-path", lambda t: as_file(t, "face.png", PNG), {}, Same(RGB)),
    ("png-str-path", lambda t: str(as_file(t, "face.png", PNG)), {}, Same(RGB)),
    ("png-bytesio", lambda t: io.BytesIO(PNG), {}, Same(RGB)),
    ("png-16-bit-gray", lambda t: as_file(t, "g16.png", encoded(pil(GRAY.astype(np.uint16) * 257),
                                                                 "PNG")), {}, Same(GRAY3)),
    ("tiff-16-bit-gray", lambda t: as_file(t, "g16.tif", encoded(pil(GRAY.astype(np.uint16) * 257),
                                                                  "TIFF")), {}, Same(GRAY3)),
    ("tiff-CMYK", lambda t: as_file(t, "cmyk.tif", encoded(pil(RGB, "CMYK"), "TIFF")), {},
     Same(RGB)),
    ("gif-palette-transparency", lambda t: as_file(t, "p.gif", encoded(
        pil(RGB).quantize(64), "GIF", transparency=0)), {},
     Same(np.asarray(pil(RGB).quantize(64).convert("RGB")))),
    ("png-bytes", lambda t: PNG, {}, Same(RGB)),             # decoded like a file (mtcnn 1.0)
    ("png-bytearray", lambda t: bytearray(PNG), {}, Same(RGB)),
    ("garbage-bytes", lambda t: b"\x00" * 100, {}, Raises(ValueError, "cannot read 100 bytes")),
    ("none-from-imread", lambda t: None, {}, Raises(TypeError, "cv2.imread returns None")),
    ("truncated-jpeg", lambda t: as_file(t, "cut.jpg", JPEG[:3000]), {},
     Raises(ValueError, "cannot read .*cut.jpg")),
    ("text-named-jpg", lambda t: as_file(t, "fake.jpg", "not an image"), {},
     Raises(ValueError, "cannot read .*fake.jpg")),
    ("empty-file", lambda t: as_file(t, "empty.png", b""), {}, Raises(ValueError, "cannot read")),
    ("missing-path", lambda t: t / "missing.jpg", {}, Raises(ValueError, "not found")),
    ("directory", lambda t: t, {}, Raises(ValueError, "not a file")),
    ("garbage-bytesio", lambda t: io.BytesIO(b"\x00" * 100), {}, Raises(ValueError, "cannot read")),
    # -- other types --------------------------------------------------------------------------
    ("dict", lambda t: {"image": RGB}, {}, Raises(TypeError, r"\(H, W, 3\) uint8.*got dict")),
    ("float-scalar", lambda t: 1.5, {}, Raises(TypeError, "got float")),
]


@pytest.fixture(scope="module")
def clean_results(detector):
    """Detections of each clean image, computed once (keyed by its bytes and shape)."""
    cache: dict = {}

    def get(clean: np.ndarray):
        key = (clean.shape, clean.tobytes())
        if key not in cache:
            cache[key] = detector.detect_faces(clean)
            assert cache[key], "a clean reference image must contain a face"
        return cache[key]
    return get


@pytest.mark.parametrize("name,make,kwargs,expected", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_catalogue(detector, clean_results, tmp_path, name, make, kwargs, expected):
    image = make(tmp_path)
    before = image.copy() if isinstance(image, np.ndarray) else None
    check_outcome(detector, image, kwargs, expected, clean_results)
    if before is not None:
        np.testing.assert_array_equal(image, before)          # the caller's array is untouched
        # The same array, read-only: nothing may try to write into it. (A converted image is
        # compared as pixels: the detector only ever sees load_image's own copy.)
        if isinstance(expected, Same):
            np.testing.assert_array_equal(load_image(readonly(image), **kwargs),
                                          load_image(image, **kwargs))
        else:
            check_outcome(detector, readonly(image), kwargs, expected, clean_results)


def check_outcome(detector, image, kwargs, expected, clean_results):
    if isinstance(expected, Raises):
        with pytest.raises(expected.error, match=expected.message):
            detector.detect_faces(image, **kwargs)
    elif expected is EMPTY:
        assert detector.detect_faces(image, **kwargs) == []
    else:
        assert detector.detect_faces(image, **kwargs) == clean_results(expected.clean)


def test_catalogue_is_long_enough():
    assert len(CATALOGUE) >= 30


def test_conversions_are_exact_at_the_pixel_level():
    # The detections agree because the pixels agree: check the pixels directly too.
    np.testing.assert_array_equal(load_image(RGB / 255.0, value_range=(0, 1)), RGB)
    np.testing.assert_array_equal(load_image(RGB.astype(np.uint16) * 257), RGB)
    np.testing.assert_array_equal(load_image(np.dstack([RGB[:, :, ::-1], ALPHA]), bgr=True), RGB)
    np.testing.assert_array_equal(load_image(GRAY), GRAY3)
    # 16-bit values are scaled by 255/65535 and rounded to nearest, not truncated or clipped.
    ramp = np.array([[0, 128, 129, 385, 65406, 65407, 65535]], np.uint16)
    assert load_image(ramp)[0, :, 0].tolist() == [0, 0, 1, 1, 254, 255, 255]


def test_sixteen_bit_is_scaled_not_clipped():
    # Pillow's own convert("RGB") clips I;16 values above 255 to white — the trap we avoid.
    sixteen = pil(GRAY.astype(np.uint16) * 257)
    assert (np.asarray(sixteen.convert("RGB")) == 255).mean() > 0.9
    np.testing.assert_array_equal(load_image(sixteen), GRAY3)


def test_result_is_a_fresh_contiguous_array():
    out = load_image(RGB)
    assert out.flags.c_contiguous and out.flags.writeable and out.dtype == np.uint8
    assert not np.shares_memory(out, RGB)
    out[:] = 0
    assert RGB.any()


def test_list_of_images_shares_the_options(detector, clean_results):
    bgr = RGB[:, :, ::-1].copy()
    assert detector.detect_faces([bgr, bgr], bgr=True) == [clean_results(RGB)] * 2


# -- EXIF orientation -------------------------------------------------------------------------

# What a viewer does to the stored pixels for each EXIF orientation (TIFF/EXIF spec), in NumPy:
# 3 = rotate 180°, 6 = rotate 90° clockwise, 8 = rotate 90° counter-clockwise.
DISPLAY = {1: lambda a: a, 3: lambda a: np.rot90(a, 2), 6: lambda a: np.rot90(a, -1),
           8: lambda a: np.rot90(a, 1)}
STORE = {1: lambda a: a, 3: lambda a: np.rot90(a, 2), 6: lambda a: np.rot90(a, 1),
         8: lambda a: np.rot90(a, -1)}


def iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0, min(ay + ah, by + bh) - max(ay, by))
    return iw * ih / (aw * ah + bw * bh - iw * ih)


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_exif_rotated_jpeg_is_read_upright(detector, clean_results, tmp_path, orientation):
    # A phone photo: pixels stored sideways, with a tag saying how to turn them for display.
    stored = np.ascontiguousarray(STORE[orientation](RGB))
    exif = Image.Exif()
    exif[0x0112] = orientation                                     # Orientation
    path = tmp_path / f"rotated_{orientation}.jpg"
    Image.fromarray(stored).save(path, quality=95, exif=exif)
    with Image.open(path) as im:
        assert im.getexif()[0x0112] == orientation
        raw = np.asarray(im.convert("RGB"))                        # as stored, still sideways
    upright = np.ascontiguousarray(DISPLAY[orientation](raw))
    assert upright.shape == RGB.shape
    faces = detector.detect_faces(path)
    # exactly the detections of the upright pixels...
    assert faces == detector.detect_faces(upright)
    # ...and the face is where it is in the original upright image (JPEG changed the pixels).
    [reference] = clean_results(RGB)
    assert len(faces) == 1 and iou(faces[0]["box"], reference["box"]) > 0.8
    # A PIL image is used as its pixels are (the caller draws on those): no rotation.
    with Image.open(path) as im:
        assert detector.detect_faces(im) == detector.detect_faces(raw)
        np.testing.assert_array_equal(load_image(ImageOps.exif_transpose(im)), upright)


def test_a_stacked_batch_is_a_list_of_images(detector):
    # detect_faces takes a stacked (N, H, W, C) array as N images (mtcnn 1.0, facenet-pytorch).
    batch = np.stack([RGB, RGB[:, ::-1]])
    assert detector.detect_faces(batch) == detector.detect_faces([RGB, RGB[:, ::-1]])
    assert detector.detect_faces(RGB[None]) == [detector.detect_faces(RGB)]
    with pytest.raises(ValueError, match="4-D .*detect_faces takes a list or a stacked"):
        detector.detect(batch)                      # detect() is one image: it says where to go


def test_bad_images_raise_invalid_image_which_is_both_value_and_type_error(detector):
    from mtcnn_np import InvalidImage

    assert issubclass(InvalidImage, ValueError) and issubclass(InvalidImage, TypeError)
    for bad in (None, RGB.astype(bool), RGB[:, :, :2], b"not an image", np.full((9, 9), np.nan)):
        with pytest.raises(InvalidImage):
            detector.detect_faces(bad, value_range=(0, 1) if np.ndim(bad) == 2 else None)
    with pytest.raises(TypeError) as bad_argument:       # a bad argument is not a bad image
        detector.detect_faces(RGB, bgr="yes")
    assert not isinstance(bad_argument.value, InvalidImage)
