"""Resuming: the lines an earlier run already wrote (a half-written last line is dropped), which
of them miss an output asked for now, and rewriting those lines in place once redone.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .jobs import Job, Options, output_paths


def done_images(jsonl: Path, warn=None) -> set:
    """Paths that already have a line in ``jsonl`` (see ``done_records``)."""
    return set(done_records(jsonl, warn))


def done_records(jsonl: Path, warn=None) -> dict:
    """The records already in ``jsonl``, by image path (empty if the file does not exist).

    A last line without its newline was cut off mid-write: it is removed from the file so that
    appending starts on a fresh line, and that image is done again.
    """
    if not jsonl.exists():
        return {}
    data = jsonl.read_bytes()
    complete = data[:data.rfind(b"\n") + 1]
    if len(complete) != len(data):
        with open(jsonl, "r+b") as f:
            f.truncate(len(complete))
    done = {}
    for number, line in enumerate(complete.decode("utf-8", "replace").splitlines(), 1):
        try:
            record = json.loads(line)
            done[record["image"]] = record
        except (ValueError, KeyError, TypeError):
            if line.strip() and warn:
                warn(f"warning: {jsonl}:{number} is not a result line; ignored")
    return done


def lacks_outputs(record: dict, job: Job, options: Options) -> bool:
    """True when ``record`` (a line from an earlier run) misses a file asked for now.

    We detect again rather than crop from the line's faces: the line holds the ``mtcnn``
    format's integer keypoints (or rounded floats), from which aligned crops would differ by up
    to a pixel from those of a fresh run. Detection is deterministic, so the faces are the same.
    Unreadable images (an ``"error"`` line) have nothing to add.
    """
    if "error" in record or not isinstance(record.get("faces"), list):
        return False
    wanted = output_paths(job, options, len(record["faces"]))
    for key, paths in wanted.items():
        if record.get(key) != paths or not all(map(os.path.exists, _as_list(paths))):
            return True
    return False


def _as_list(paths) -> list:
    return paths if isinstance(paths, list) else [paths]


def replace_lines(jsonl: Path, records: dict) -> None:
    """Rewrite ``jsonl`` with the line of each path in ``records`` replaced by its new record.

    Written to a temporary file, then renamed over the old one: an interruption leaves either
    the old file or the new one, never a mix, and never two lines for one image.
    """
    if not records:
        return
    lines = jsonl.read_text(encoding="utf-8").splitlines(keepends=True)
    temporary = jsonl.with_name(jsonl.name + ".tmp")
    written = set()
    with open(temporary, "w", encoding="utf-8") as f:
        for line in lines:
            try:
                path = json.loads(line)["image"]
            except (ValueError, KeyError, TypeError):
                path = None
            if not (isinstance(path, str) and path in records):
                f.write(line)
            elif path not in written:                # an older duplicate line goes too
                f.write(json.dumps(records[path]) + "\n")
                written.add(path)
    os.replace(temporary, jsonl)
