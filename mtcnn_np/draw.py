"""Draw detections on an image with Pillow: a box per face, a dot per landmark, the score."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from .image import in_channel_order, load_image, wants_bgr

# One colour per landmark, in the order of landmarks.NAMES (eyes, nose, mouth corners).
LANDMARK_COLOURS = ("#00ff00", "#00ff00", "#ffff00", "#ff00ff", "#ff00ff")


def draw_detections(image, faces: list, box_colour: str = "#ff3030", width: int | None = None,
                    show_scores: bool = True, *, bgr: bool | None = None):
    """Return a copy of ``image`` with the faces drawn on it.

    image : (H, W, 3) uint8 RGB array or PIL image.

    faces : ``detect_faces`` output (list of dicts with 'box', 'confidence', 'keypoints').

    width : line width; default scales with the image (≈ 1/300 of its larger side, at least 2).

    bgr : True: ``image`` is an OpenCV BGR(A) array, and the result is an (H, W, 3) uint8 BGR
        *array* (for ``cv2.imshow``/``cv2.imwrite``; the colours are drawn as named, e.g. a red
        box stays red). None or False: a PIL image in RGB.
    """
    if wants_bgr(bgr):
        drawn = draw_detections(load_image(image, bgr=True), faces, box_colour, width,
                                show_scores, bgr=False)
        return in_channel_order(np.asarray(drawn), True)
    picture = Image.fromarray(np.asarray(image)) if not isinstance(image, Image.Image) else image
    picture = picture.convert("RGB")
    pen = ImageDraw.Draw(picture)
    width = width or max(2, round(max(picture.size) / 300))
    for face in faces:
        x, y, w, h = face["box"]
        radius = max(1.5, min(width + 1, w / 20))  # dots that do not hide small faces
        pen.rectangle([x, y, x + w, y + h], outline=box_colour, width=width)
        for colour, (px, py) in zip(LANDMARK_COLOURS, face["keypoints"].values()):
            pen.ellipse([px - radius, py - radius, px + radius, py + radius], fill=colour)
        if show_scores:
            pen.text((x + width, max(0, y - 12)), f"{face['confidence']:.3f}", fill=box_colour)
    return picture
