#!/usr/bin/env python3
"""Build ``tests/reference/resize_cv2.npz``: OpenCV INTER_AREA outputs for ``tests/test_resize.py``.

Developer tool; the package and its tests never run it or import OpenCV. It needs NumPy and
``cv2`` (here: ``/work/venvs/venv-m011``, opencv-python-headless 5.0.0.93) and does not import
``mtcnn_np``. From the repository root::

    /work/venvs/venv-m011/bin/python tools/make_resize_reference.py           # write the file
    /work/venvs/venv-m011/bin/python tools/make_resize_reference.py --list    # only print cases

Every input is made here from a fixed seed and stored next to OpenCV's output, so the tests
never regenerate anything. For each case ``name`` the file holds ``name.input`` ((H, W, C) or a
batch (N, H, W, C)) and ``name.output`` (``cv2.resize(img, (out_w, out_h),
interpolation=cv2.INTER_AREA)`` of each image, channel axis kept), plus ``meta.cases``,
``meta.cv2_version``, ``meta.numpy_version`` and ``meta.date``.

The cases cover the three INTER_AREA regimes (A: integer block average, B: area weight table,
C: enlarging "area-linear", also mixed per axis) in uint8, float32 and float64, as the detector
meets them: uint8 photos shrunk to pyramid levels, float64 batches of R-Net/O-Net crops resized to
24×24 or 48×48. Inputs favour rounding ties (few grey levels, checkers) where a wrong rounding
rule would show. See ``tests/reference/README_resize.md``.
"""

from __future__ import annotations

import argparse
import datetime
import math
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "tests" / "reference" / "resize_cv2.npz"
SEED = 20261123


def textured(rng: np.random.Generator, h: int, w: int, c: int, tile: int = 8) -> np.ndarray:
    """A uint8 (h, w, c) "photo" of tile × tile patches, each one texture: flat, 1-level checker
    (averages land on .5 ties), stripes, ramp, or noise. Compresses well, exercises rounding."""
    ty, tx = -(-h // tile), -(-w // tile)
    yy, xx = np.mgrid[0:tile, 0:tile]
    patches = []
    for _ in range(ty * tx):
        base = rng.integers(0, 250, c)
        kind = rng.integers(5)
        if kind == 0:
            p = np.broadcast_to(base, (tile, tile, c))
        elif kind == 1:
            p = base + ((yy + xx) % 2)[:, :, None] * rng.integers(1, 4)
        elif kind == 2:
            p = base + (yy % 3 == 0)[:, :, None] * rng.integers(1, 6)
        elif kind == 3:
            p = base * 0 + ((xx * 255) // (tile - 1))[:, :, None]
        else:
            p = rng.integers(0, 256, (tile, tile, c))
        patches.append(np.clip(p, 0, 255))
    grid = np.array(patches).reshape(ty, tx, tile, tile, c).transpose(0, 2, 1, 3, 4)
    return np.ascontiguousarray(grid.reshape(ty * tile, tx * tile, c)[:h, :w]).astype(np.uint8)


def uniform(rng: np.random.Generator, shape: tuple, dtype) -> np.ndarray:
    """Random values: uint8 0–255, or floats with fractions in 0–255."""
    if np.dtype(dtype) == np.uint8:
        return rng.integers(0, 256, shape, dtype=np.uint8)
    return (rng.random(shape) * 255).astype(dtype)


def levels(rng: np.random.Generator, shape: tuple, dtype) -> np.ndarray:
    """Few grey levels (0, 1, 2, 3 × a step): many exact ties in the averages."""
    return (rng.integers(0, 4, shape) * rng.choice([1, 85])).astype(dtype)


def crops(rng: np.random.Generator, n: int, h: int, w: int) -> np.ndarray:
    """(n, h, w, 3) float64 with whole values 0–255, like padded crops of a uint8 photo."""
    batch = np.stack([textured(rng, h, w, 3, tile=4) for _ in range(n)]).astype(np.float64)
    batch[0, : h // 3, : w // 4] = 0.0            # the zero padding of a crop leaving the image
    return batch


def cases(rng: np.random.Generator) -> list[tuple[str, np.ndarray, int, int]]:
    """(name, input, out_h, out_w) for every stored case. Names: dtype_regime_size."""
    out = []

    def add(name: str, image: np.ndarray, out_h: int, out_w: int) -> None:
        out.append((name, image, out_h, out_w))

    # uint8 photos → pyramid levels (3 channels).
    add("u8_B_37x53_to_26x38", textured(rng, 37, 53, 3), 26, 38)
    add("u8_B_480x640_to_341x454", textured(rng, 480, 640, 3), 341, 454)
    add("u8_B_120x160_to_85x114", uniform(rng, (120, 160, 3), np.uint8), 85, 114)
    add("u8_A2_64x96_to_32x48", levels(rng, (64, 96, 3), np.uint8), 32, 48)   # half-up 2×2
    add("u8_A3_63x90_to_21x30", levels(rng, (63, 90, 3), np.uint8), 21, 30)
    add("u8_A_1x2_48x96_to_48x48", levels(rng, (48, 96, 3), np.uint8), 48, 48)
    add("u8_A_24x24_to_1x1", uniform(rng, (24, 24, 3), np.uint8), 1, 1)
    add("u8_B_37x53_to_1x1", uniform(rng, (37, 53, 3), np.uint8), 1, 1)
    add("u8_B_40x30_to_1x17", uniform(rng, (40, 30, 3), np.uint8), 1, 17)
    add("u8_B_40x30_to_13x1", uniform(rng, (40, 30, 3), np.uint8), 13, 1)
    # 1/(1/49) is not 49 in float64, so this integer factor takes the area table (B), not A.
    add("u8_B_factor49_98x49_to_2x1", uniform(rng, (98, 49, 3), np.uint8), 2, 1)
    add("f64c1_B_factor49_49x98_to_1x2", uniform(rng, (49, 98, 1), np.float64), 1, 2)
    for k, size in enumerate((100, 150)):       # a small photo's pyramid, min face 20, factor .709
        scale = 12 / 20 * 0.709 ** (2 * k)
        add(f"u8_pyramid_{size}x{size + 50}_s{scale:.3f}", textured(rng, size, size + 50, 3),
            math.ceil(size * scale), math.ceil((size + 50) * scale))
    # uint8, other channel counts and the fixed-point enlarging path (C).
    add("u8c1_A2_40x62_to_20x31", levels(rng, (40, 62, 1), np.uint8), 20, 31)
    add("u8c2_A2_40x62_to_20x31", levels(rng, (40, 62, 2), np.uint8), 20, 31)   # half even
    add("u8c4_B_33x47_to_20x29", uniform(rng, (33, 47, 4), np.uint8), 20, 29)
    add("u8_C_13x12_to_24x24", uniform(rng, (13, 12, 3), np.uint8), 24, 24)
    add("u8_C_5x2_to_9x4", uniform(rng, (5, 2, 3), np.uint8), 9, 4)
    add("u8c1_C_mixed_30x7_to_20x19", uniform(rng, (30, 7, 1), np.uint8), 20, 19)

    # float64 crop batches → 24×24 (R-Net) and 48×48 (O-Net).
    for (h, w, size, n) in [(7, 7, 24, 3), (13, 12, 24, 3), (23, 24, 24, 3), (24, 25, 24, 3),
                            (24, 24, 24, 2), (30, 30, 24, 3), (37, 36, 24, 3), (48, 48, 24, 2),
                            (72, 72, 24, 2), (96, 96, 24, 1), (1, 1, 24, 2), (2, 3, 24, 2),
                            (20, 21, 48, 2), (47, 48, 48, 2), (48, 49, 48, 2), (60, 59, 48, 2),
                            (96, 96, 48, 1), (97, 101, 48, 1)]:
        add(f"f64_crops_{h}x{w}_to_{size}", crops(rng, n, h, w), size, size)
    add("f64_A3_fraction_33x36_to_11x12", uniform(rng, (33, 36, 3), np.float64), 11, 12)
    add("f64_B_fraction_31x29_to_24x24", uniform(rng, (31, 29, 3), np.float64), 24, 24)
    add("f64_C_fraction_9x11_to_24x24", uniform(rng, (9, 11, 3), np.float64), 24, 24)

    # float32 (OpenCV's 2×2 float32 SIMD adds pairwise for 1 and 4 channels).
    add("f32c1_A2_40x62_to_20x31", uniform(rng, (40, 62, 1), np.float32), 20, 31)
    add("f32c4_A2_16x18_to_8x9", uniform(rng, (16, 18, 4), np.float32), 8, 9)
    add("f32_A2_16x18_to_8x9", uniform(rng, (16, 18, 3), np.float32), 8, 9)
    add("f32_A3_27x24_to_9x8", uniform(rng, (27, 24, 3), np.float32), 9, 8)
    add("f32_B_41x37_to_24x24", uniform(rng, (41, 37, 3), np.float32), 24, 24)
    add("f32_C_10x9_to_24x24", uniform(rng, (10, 9, 3), np.float32), 24, 24)

    # inf and NaN propagate as in OpenCV (B pads its taps with weight 0: inf·0 must not leak).
    special = uniform(rng, (9, 13, 3), np.float64)
    special[2, 3, 0], special[5, 7, 1], special[8, 12, 2] = np.inf, np.nan, -np.inf
    add("f64_B_nonfinite_9x13_to_4x5", special, 4, 5)
    add("f32_C_nonfinite_9x13_to_14x20", special.astype(np.float32), 14, 20)

    # uint8 pyramid levels with large shrink factors (4.7× to 37×): resize.py computes these
    # from exact area sums and replays OpenCV's float32 arithmetic only near rounding ties.
    for k in range(3, 10, 2):
        scale = 12 / 20 * 0.709 ** k
        add(f"u8_pyramid_large_240x320_s{scale:.4f}", textured(rng, 240, 320, 3),
            math.ceil(240 * scale), math.ceil(320 * scale))
    return out


def cv2_area(image: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """OpenCV INTER_AREA of one (H, W, C) image or each image of a batch, channel axis kept."""
    if image.ndim == 4:
        return np.stack([cv2_area(im, out_h, out_w) for im in image])
    result = cv2.resize(image, (out_w, out_h), interpolation=cv2.INTER_AREA)
    return result.reshape(out_h, out_w, image.shape[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the cases, write nothing")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    rng = np.random.default_rng(SEED)
    arrays = {}
    names = []
    for name, image, out_h, out_w in cases(rng):
        result = cv2_area(image, out_h, out_w)
        assert result.dtype == image.dtype
        names.append(name)
        arrays[f"{name}.input"] = image
        arrays[f"{name}.output"] = result
        print(f"{name:42s} {str(image.dtype):8s} {image.shape} -> {result.shape}")
    if args.list:
        return
    arrays["meta.cases"] = np.array(names)
    arrays["meta.cv2_version"] = np.array(cv2.__version__)
    arrays["meta.numpy_version"] = np.array(np.__version__)
    arrays["meta.date"] = np.array(datetime.date.today().isoformat())
    np.savez_compressed(OUTPUT, **arrays)
    print(f"wrote {OUTPUT.relative_to(ROOT)}: {len(names)} cases, "
          f"{OUTPUT.stat().st_size / 1e6:.2f} MB, cv2 {cv2.__version__}")


if __name__ == "__main__":
    main()
