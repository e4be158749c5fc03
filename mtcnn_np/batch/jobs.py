"""What a folder run has to do: the images found in the inputs (``find_images``, one ``Job``
each, with an output stem unique within the run), the ``Options`` every worker gets, and the
files each image's line names (``output_paths``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff",
                              ".webp", ".ppm", ".pgm", ".pbm"})
DRAWING_FORMATS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})


@dataclass(frozen=True)
class Job:
    """One image to do: ``path`` as written to the output, ``stem`` for its crop/drawing files
    (relative, no extension, unique within a run), ``suffix`` its extension."""

    path: str
    stem: str
    suffix: str


@dataclass(frozen=True)
class Options:
    """What each worker needs to know (picklable: sent once to every process)."""

    detector: dict = field(default_factory=dict)   # MTCNN(**detector)
    float_output: bool = False                     # float boxes and accurate landmarks
    crops: str | None = None                       # folder for crops
    plain_crops: bool = False                      # square crops instead of aligned ones
    crop_size: int | None = None                   # default: 112 aligned, 160 plain
    margin: float = 0.2                            # plain crops: fraction of the box per side
    draw: str | None = None                        # folder for annotated images


def find_images(inputs: list) -> list:
    """Jobs for the files and folders in ``inputs``, in order; folders walked recursively.

    Raises ValueError for an input that does not exist.
    """
    found = []                                      # (path, relative name)
    for item in map(Path, inputs):
        if item.is_dir():
            for root, dirs, files in os.walk(item):
                dirs.sort()
                for name in sorted(files):
                    if Path(name).suffix.lower() in IMAGE_EXTENSIONS:
                        path = Path(root) / name
                        found.append((str(path), path.relative_to(item)))
        elif item.exists():
            found.append((str(item), Path(item.name)))
        else:
            raise ValueError(f"no such file or folder: {item}")
    return _unique_jobs(found)


def _unique_jobs(found: list) -> list:
    """Drop repeated paths and give every image its own output stem: ``a/b`` for ``a/b.jpg``,
    then ``a/b_png`` for a later ``a/b.png``, then ``…_2``, ``…_3``: the first comes first in
    input order (folders sorted), so the names depend on the inputs only. Stems are compared
    case-folded, so ``A.jpg`` and ``a.png`` do not overwrite each other on macOS or Windows."""
    jobs, seen_paths, taken = [], set(), set()
    for path, rel in found:
        if path in seen_paths:
            continue
        seen_paths.add(path)
        plain = rel.with_suffix("").as_posix()
        alternative = plain + rel.suffix.replace(".", "_")
        stem, n = (plain if plain.casefold() not in taken else alternative), 2
        while stem.casefold() in taken:
            stem, n = f"{alternative}_{n}", n + 1
        taken.add(stem.casefold())
        jobs.append(Job(path, stem, rel.suffix.lower()))
    return jobs


def output_paths(job: Job, options: Options, faces: int) -> dict:
    """The files an image with ``faces`` faces gets: ``{"crops": [...], "drawing": path}``,
    only the keys asked for (``"crops": []`` for no face). These are the line's extra keys."""
    paths = {}
    if options.crops:
        base = Path(options.crops) / job.stem
        paths["crops"] = [f"{base}_{k}.png" for k in range(faces)]   # k = 0 is the best face
    if options.draw:
        # Keep the photo's format when Pillow writes it as RGB; otherwise PNG.
        suffix = job.suffix if job.suffix in DRAWING_FORMATS else ".png"
        paths["drawing"] = str(Path(options.draw) / (job.stem + suffix))
    return paths
