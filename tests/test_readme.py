"""The README stays in sync with the code it describes."""

from __future__ import annotations

from pathlib import Path

from mtcnn_np.nets.spec import SPECS, architecture_table

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_architecture_tables_match_spec():
    for net in SPECS:
        assert architecture_table(net) in README, f"README's {net} table is out of date"


def test_quick_start_has_exactly_two_commands():
    bash_blocks = README.split("## Quick start")[1].split("## ")[0].count("```bash")
    assert bash_blocks == 2
