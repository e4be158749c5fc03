"""A record of every intermediate of one detection, for study and verification.

Keys look like ``"pnet/scale_03/prob"``, ``"stage1/after_nms"``, ``"onet/conv6-3"``,
``"final/boxes"``; values are NumPy arrays (scalars become 0-d arrays). Recording is off unless a
:class:`Trace` is passed in, and then costs only references to arrays that exist anyway.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


class Trace:
    """An ordered ``name → array`` record (a thin dict)."""

    def __init__(self, items: dict | None = None):
        self.items: dict = dict(items or {})

    def add(self, name: str, value) -> None:
        self.items[name] = np.asarray(value)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.items[name]

    def __contains__(self, name: str) -> bool:
        return name in self.items

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def keys(self):
        return self.items.keys()

    def filter(self, prefix: str) -> dict:
        """``{name: array}`` for the names starting with ``prefix``."""
        return {k: v for k, v in self.items.items() if k.startswith(prefix)}

    def summary(self) -> str:
        """One line per entry: name, shape, dtype, and min/max for numeric arrays."""
        lines = []
        for name, value in self.items.items():
            stats = ""
            if value.size and np.issubdtype(value.dtype, np.number):
                stats = f"  [{value.min():.4g}, {value.max():.4g}]"
            lines.append(f"{name:<40} {str(value.shape):<20} {value.dtype}{stats}")
        return "\n".join(lines)

    def save(self, path: str | Path) -> None:
        """Save as a compressed ``.npz`` (the format of the test reference files)."""
        np.savez_compressed(path, **self.items)

    @classmethod
    def load(cls, path: str | Path) -> Trace:
        with np.load(path) as data:
            return cls({k: data[k] for k in data.files})

    def compare(self, other, atol: float = 1e-4) -> str:
        """A table of the max absolute difference per common key (``other``: Trace or dict).

        The first entry that differs by more than ``atol`` (or in shape) is marked ``<-- first``.
        """
        rows = [f"{'name':<40} {'shape':<20} {'max abs err':>12}"]
        first = True
        for name, value in self.items.items():
            if name not in other:
                continue
            ref = np.asarray(other[name])
            if ref.shape != value.shape:
                err, text = np.inf, "shape " + str(ref.shape)
            else:
                err = float(np.max(np.abs(value.astype(np.float64) - ref))) if value.size else 0.0
                text = f"{err:.3g}"
            mark = ""
            if err > atol and first:
                mark, first = "  <-- first", False
            rows.append(f"{name:<40} {str(value.shape):<20} {text:>12}{mark}")
        return "\n".join(rows)

    def __repr__(self) -> str:
        return f"Trace({len(self.items)} entries)"
