"""The README stays in sync with the code it describes."""

from __future__ import annotations

from pathlib import Path

from mtcnn_np.nets.spec import SPECS, architecture_table

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
PAPER = (ROOT / "docs" / "paper.md").read_text()      # the README's long sections live in docs/


def test_architecture_tables_match_spec():
    for net in SPECS:
        assert architecture_table(net) in PAPER, f"docs/paper.md's {net} table is out of date"
    from mtcnn_np.nets.spec import LNET

    assert f'architecture_table("lnet")` ({len(LNET)} layers)' in PAPER


def test_readme_points_to_every_docs_page():
    pages = {p.name for p in (ROOT / "docs").glob("*.md")} - {"index.md", "notebooks.md",
                                                             "api.md"}
    for page in sorted(pages):
        assert f"docs/{page}" in README, f"README has no pointer to docs/{page}"


def test_quick_start_has_exactly_two_commands():
    bash_blocks = README.split("## Quick start")[1].split("## ")[0].count("```bash")
    assert bash_blocks == 2


def test_install_commands_name_extras_that_exist():
    """Every ``pip install ".[extra]"`` in the READMEs and docs pages names an extra of
    setup.cfg, and installs from the clone (``.``): the package is not on PyPI under that name."""
    import configparser
    import re

    root = Path(__file__).resolve().parent.parent
    config = configparser.ConfigParser()
    config.read(root / "setup.cfg")
    extras = set(config["options.extras_require"])
    texts = README + (root / "notebooks" / "README.md").read_text() + "".join(
        page.read_text() for page in sorted((root / "docs").glob("*.md")))
    specs = re.findall(r'pip install [^\n`]*?"([^"\s]*\[[^\]]*\])"', texts)
    assert len(specs) >= 5                            # test, video, video-headless, dask, notebooks
    for spec in specs:
        target, names = spec.split("[")
        assert target == ".", f"{spec}: install from the clone, as pip install \".[...]\""
        for name in names.rstrip("]").split(","):
            assert name.strip() in extras, f"README installs {spec}, but setup.cfg has no [{name}]"
    assert {"video", "video-headless", "dask"} <= {s.split("[")[1].rstrip("]") for s in specs}
