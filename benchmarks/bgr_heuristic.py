"""How often the likely-BGR warning (``mtcnn_np/colour.py``) is right, and how often it is wrong.

For every photo in the given folders (jpg/png, searched recursively), detect on the photo as it
is (RGB, read with Pillow) and on its channels swapped (what an OpenCV frame passed as RGB
looks like), and apply ``colour.looks_bgr`` to the faces each detection found:

- false alarm: the RGB photo looks BGR (the rate must stay under 1 % for the warning to ship);
- hit: the swapped photo looks BGR; photos where the swapped detection finds no face cannot be
  judged (they never warn) and are counted apart.

    python benchmarks/bgr_heuristic.py tests/images ../shared/data/dev/photos \
        ../shared/data/dev/wider_dev/images ../shared/data/dev/mtfl_dev/AFLW

Also prints the spread of the face chromaticity on both sides of the threshold, and the faces
found on RGB vs swapped photos (the cost of the mistake the warning is for).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mtcnn_np import MTCNN  # noqa: E402
from mtcnn_np.colour import BLUISH, face_chromaticity, looks_bgr  # noqa: E402
from mtcnn_np.image import load_image  # noqa: E402

SUFFIXES = {".jpg", ".jpeg", ".png"}


def photos(folders: list) -> list:
    found = []
    for folder in folders:
        found += sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in SUFFIXES)
    return found


def judge(detector: MTCNN, rgb: np.ndarray) -> tuple:
    """(faces found, looks BGR?, median chromaticity or None) for one array read as RGB."""
    boxes = detector.detect(rgb, bgr=False).boxes        # bgr=False: no warning while measuring
    chroma = face_chromaticity(rgb, boxes)
    return len(boxes), looks_bgr(rgb, boxes), float(np.median(chroma)) if len(chroma) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+")
    args = parser.parse_args()
    detector = MTCNN()
    rows, start = [], time.perf_counter()
    for path in photos(args.folders):
        rgb = load_image(path)
        rows.append(judge(detector, rgb) + judge(detector, np.ascontiguousarray(rgb[..., ::-1])))
    report(rows, time.perf_counter() - start)


def report(rows: list, seconds: float) -> None:
    judged_rgb = [r for r in rows if r[2] is not None]
    judged_bgr = [r for r in rows if r[5] is not None]
    alarms = sum(r[1] for r in judged_rgb)
    hits = sum(r[4] for r in judged_bgr)
    print(f"{len(rows)} photos ({seconds:.0f} s); threshold (R-B)/(R+G+B) < {BLUISH}")
    print(f"false alarms on RGB photos: {alarms}/{len(rows)} = {100 * alarms / len(rows):.2f} % "
          f"({len(rows) - len(judged_rgb)} with no face found, never warned)")
    print(f"hits on swapped photos: {hits}/{len(judged_bgr)} judged = "
          f"{100 * hits / max(len(judged_bgr), 1):.1f} % ({len(rows) - len(judged_bgr)} with no "
          f"face found: no warning possible); {100 * hits / len(rows):.1f} % of all photos")
    print(f"faces found: {sum(r[0] for r in rows)} on RGB, {sum(r[3] for r in rows)} on swapped")
    rgb_values = np.sort([r[2] for r in judged_rgb])
    bgr_values = np.sort([r[5] for r in judged_bgr])
    print("lowest RGB chromaticities:", np.round(rgb_values[:5], 3).tolist())
    print("highest swapped chromaticities:", np.round(bgr_values[-5:], 3).tolist())


if __name__ == "__main__":
    main()
