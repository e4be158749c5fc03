"""Agreement with the canonical detector on a folder of photos (not shipped with the project).

    python benchmarks/agreement.py PATH/TO/FOLDER

The folder holds the photos and ``m011.jsonl``: a header line, then one line per photo,
``{"image": relative path, "faces": [...]}`` with the faces `mtcnn` 0.1.1 returned on the RGB
photo with default parameters. Prints, per photo with any difference, what differs, and a
summary: photos, faces, photos whose face count differs, the largest box/landmark difference in
pixels and the largest confidence difference.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mtcnn_np import MTCNN  # noqa: E402
from mtcnn_np.image import load_image  # noqa: E402


def largest_pixel_difference(ours: dict, theirs: dict) -> float:
    diff = np.abs(np.subtract(ours["box"], theirs["box"])).max()
    for name, point in ours["keypoints"].items():
        diff = max(diff, np.abs(np.subtract(point, theirs["keypoints"][name])).max())
    return float(diff)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path, help="photos + m011.jsonl")
    args = parser.parse_args()
    lines = (args.folder / "m011.jsonl").read_text().splitlines()[1:]
    detector = MTCNN()
    photos = faces = count_mismatches = 0
    worst_px = worst_conf = 0.0
    for line in lines:
        record = json.loads(line)
        ours = detector.detect_faces(load_image(args.folder / record["image"]))
        theirs = record["faces"]
        photos += 1
        if len(ours) != len(theirs):
            count_mismatches += 1
            print(f"{record['image']}: {len(ours)} faces, canonical {len(theirs)}")
            continue
        for a, b in zip(ours, theirs):
            faces += 1
            px = largest_pixel_difference(a, b)
            worst_px = max(worst_px, px)
            worst_conf = max(worst_conf, abs(a["confidence"] - b["confidence"]))
            if px:
                print(f"{record['image']}: box {a['box']} vs {b['box']} ({px:g} px)")
    print(f"photos {photos}, faces {faces}, face-count mismatches {count_mismatches}, "
          f"largest box/landmark difference {worst_px:g} px, "
          f"largest confidence difference {worst_conf:.1e}")


if __name__ == "__main__":
    main()
