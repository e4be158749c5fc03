"""Shared fixtures: paths to the bundled test images and reference files."""

from __future__ import annotations

import os
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


@pytest.fixture(scope="module")
def kernel_environment(tmp_path_factory):
    """For the tests that execute notebooks (test_notebooks.py, test_solutions.py): a python3
    kernel spec for this interpreter, first on the Jupyter path; Agg backend; the kernel imports
    mtcnn_np from where this process does."""
    from ipykernel.kernelspec import write_kernel_spec

    import mtcnn_np

    jupyter_path = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(jupyter_path / "kernels" / "python3")
    package_root = str(Path(mtcnn_np.__file__).resolve().parent.parent)
    python_path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("JUPYTER_PATH", str(jupyter_path))
        patch.setenv("MPLBACKEND", "Agg")
        patch.setenv("PYTHONPATH", python_path)
        patch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")   # quiets a debugger start-up note
        patch.setenv("MTCNN_NP_QUICK", "1")          # 08_training: fewer training steps
        yield
