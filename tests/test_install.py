"""A real (non-editable) install finds its weights from any working directory.

Builds the package from a copy of the sources with the test environment's own setuptools (no
network), installs it into a fresh folder and runs it from elsewhere. A missing package-data
line only shows up this way.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_installed_package_has_weights_and_detects(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "mtcnn_np", source / "mtcnn_np",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "weights", source / "weights",
                    ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation",
           "--no-index", "--quiet", "--target", str(target), str(source)]
    done = subprocess.run(pip, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    installed = sorted(p.name for p in (target / "mtcnn_np" / "pretrained").iterdir())
    assert {"pnet.h5", "rnet.h5", "onet.h5", "SHA256SUMS", "README.md"} <= set(installed)
    # setup.cfg lists the packages by hand: every subpackage of mtcnn_np/ must be in it.
    for init in (ROOT / "mtcnn_np").glob("*/__init__.py"):
        package = init.parent.relative_to(ROOT)
        assert (target / package / "__init__.py").is_file(), f"{package} not installed"

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import json, mtcnn_np, mtcnn_np.weights as w;"
        "print(json.dumps([mtcnn_np.__file__, str(w.bundled_weights_dir()),"
        f" mtcnn_np.MTCNN().detect_faces({str(ROOT / 'tests/images/grace_hopper_small.png')!r})]))"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run([sys.executable, "-c", script], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    package_file, weights_dir, faces = json.loads(done.stdout)
    assert package_file.startswith(str(target))
    assert weights_dir == str(target / "mtcnn_np" / "pretrained")
    assert len(faces) == 1
