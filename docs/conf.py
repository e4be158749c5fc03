"""Sphinx configuration of the mtcnn_np documentation (``docs/``).

Build (from the repository root):  sphinx-build -W --keep-going -b html docs docs/_build/html

Sphinx + myst-nb rather than MkDocs: the API reference comes from the package's numpydoc
docstrings through autodoc/autosummary (napoleon reads their numpy style), and myst-nb executes
the notebooks at build time, so the rendered outputs are always those of the code being
documented. The notebooks stay in ``notebooks/`` (one copy in git): they are copied into
``docs/_notebooks/`` (git-ignored) when the build starts.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import mtcnn_np  # noqa: E402

project = "mtcnn_np"
author = "the mtcnn_np developers"
copyright = "the mtcnn_np developers; MTCNN models © 2016 Kaipeng Zhang (MIT)"
release = version = mtcnn_np.__version__

extensions = [
    "myst_nb",                     # Markdown pages and executed notebooks
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",         # numpy-style docstrings
    "sphinx.ext.mathjax",
]
exclude_patterns = ["_build", "README.md", "_notebooks/solutions"]
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

# Notebooks: executed at every build, a failing cell fails the build (like the tests).
nb_execution_mode = os.environ.get("NB_EXECUTION_MODE", "force")   # "off": a quick draft
# Per cell. The slowest cell takes about 3 s on 2 cores, so 60 s is ample. It is kept short on
# purpose: now and then nbclient misses the zmq.asyncio wakeup for a reply that has arrived and
# sees it only when this timeout ends (the cell then goes on normally), so a stall costs 60 s.
nb_execution_timeout = 60
nb_execution_raise_on_error = True
nb_execution_show_tb = True
os.environ.setdefault("MTCNN_NP_QUICK", "1")   # notebook 08: 60 training steps, as in the tests

autosummary_generate = True
# ignore-module-all: a package's __all__ re-exports (mtcnn_np.MTCNN) are documented once, where
# they are defined (mtcnn_np.detector.MTCNN), not twice.
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True,
                           "ignore-module-all": True}
autodoc_typehints = "description"
autodoc_mock_imports = ["cv2"]                 # optional extra; the video module imports it lazily
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True       # "Attributes" as fields: no second description of dataclass fields

html_theme = "furo"
html_title = f"mtcnn_np {release}"
html_static_path: list = []


def _copy_notebooks() -> None:
    target = DOCS / "_notebooks"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy2(notebook, target / notebook.name)


_copy_notebooks()
