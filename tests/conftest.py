"""Shared fixtures: paths to the bundled test images and reference files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

TESTS = Path(__file__).resolve().parent
IMAGES = TESTS / "images"
REFERENCE = TESTS / "reference"


@pytest.fixture(scope="session")
def detector():
    from mtcnn_np import MTCNN

    return MTCNN()


def read_rgb(name: str) -> np.ndarray:
    from PIL import Image

    with Image.open(IMAGES / name) as im:
        return np.asarray(im.convert("RGB"))
