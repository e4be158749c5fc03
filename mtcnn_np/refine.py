"""MTCNN v2's extended stage: L-Net refines each landmark from a patch around it.

The authors' second release (``MTCNNv2/detect_face.m``, "extended stage") adds a fourth net,
L-Net. For every final face it cuts five square patches, one centred on each O-Net landmark,
resizes them to 24×24, stacks them along channels (15 channels) and lets L-Net say where in each
patch the landmark really is, as a fraction ``offset`` of the patch width. The recipe:

1. patch width ``pw = fix(0.25 · max(w, h))`` of the final box (``w = x2 − x1 + 1``), made even;
2. window ``x = fix(point − 0.5·pw)`` .. ``x + pw`` *inclusive*, so ``pw + 1`` pixels per side,
   zero-padded where it leaves the image (Matlab's ``pad.m``), resized to 24×24;
3. "do not make a large movement": an offset with ``|offset − 0.5| > 0.35`` in x or y is
   discarded (both coordinates of that point set to 0.5, i.e. the point stays put);
4. corrected point ``point − 0.5·pw + offset·pw``.

Frame. The Matlab code works in 1-based pixel numbers, and so do the canonical boxes and
canonical landmarks here (see ``crops.py`` and ``landmarks.py``), so the whole stage runs on the
canonical float points and reproduces Matlab's arithmetic as is (every ``fix``, the ``− 1`` the
stage-3 points carry). Its output needs no shift: measured on 1,498 AFLW crops
(``benchmarks/landmark_nme.py --refine-landmarks``), the refined points sit 0.1 px from the
ground truth (0-based pixel centres), so they are also the accurate landmarks — unlike O-Net's
Matlab-frame points, which need ``+ 1`` (``landmarks.py``).
"""

from __future__ import annotations

import numpy as np

from .crops import crop_and_resize, gather_pixels

PATCH = 24            # L-Net's input side
MAX_MOVE = 0.35       # |offset − 0.5| above this: L-Net's answer is discarded (Matlab)
RESAMPLING = ("area", "bilinear")


def patch_widths(boxes: np.ndarray) -> np.ndarray:
    """Patch width per face: ``fix(0.25 · max(w, h))`` rounded up to even.

    boxes : (K, 4) float64 ``[x1, y1, x2, y2]``, the final (regressed) boxes; ``w = x2 − x1 + 1``
    as in Matlab. Returns (K,) int64. (Even, so that ``0.5 · pw`` is a whole number of pixels.)
    """
    sides = np.maximum(boxes[:, 2] - boxes[:, 0] + 1, boxes[:, 3] - boxes[:, 1] + 1)
    widths = np.trunc(0.25 * sides).astype(np.int64)       # Matlab's fix: toward zero
    return widths + widths % 2


def patch_windows(points: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """The five windows per face, as 1-based inclusive boxes (the convention of ``crops.py``).

    points : (K, 5, 2) canonical (Matlab-frame) float points. widths : (K,) from
    :func:`patch_widths`. Returns (K, 5, 4) float64 ``[x, y, x + pw, y + pw]`` with
    ``x = fix(point − 0.5·pw)``: each window is ``pw + 1`` pixels wide, as ``pad.m`` makes it.
    ``fix`` truncates toward zero, so for a point left of the image (negative) the window moves
    right by up to one pixel, as in Matlab; kept.
    """
    pw = widths[:, None, None].astype(np.float64)
    corner = np.trunc(points - 0.5 * pw)                    # (K, 5, 2) [x, y]
    return np.concatenate([corner, corner + pw], axis=2)


def cut_patches(image: np.ndarray, windows: np.ndarray, resampling: str = "area") -> np.ndarray:
    """Every window zero-padded and resized to 24×24.

    image : (H, W, 3) uint8. windows : (K, 5, 4) from :func:`patch_windows`.

    resampling : ``"area"`` — OpenCV's INTER_AREA, as the R-Net/O-Net crops (average when
        shrinking, interpolate when enlarging; Piotr's ``imResample`` that Matlab calls also
        averages when it shrinks); ``"bilinear"`` — point sampling between the 4 nearest pixels
        at OpenCV's half-pixel centres, in float64 (no 11-bit weights).

    Returns (K, 5, 24, 24, 3) float64, not normalised.
    """
    if resampling not in RESAMPLING:
        raise ValueError(f"resampling must be one of {RESAMPLING}, got {resampling!r}")
    flat = windows.reshape(-1, 4)
    if resampling == "area":
        patches = crop_and_resize(image, flat, PATCH)
    else:
        patches = _bilinear(image, flat)
    return patches.reshape(windows.shape[:2] + (PATCH, PATCH, 3))


def _bilinear(image: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """(M, 4) 1-based windows → (M, 24, 24, 3) float64, one gather for all of them."""
    side = windows[:, 2] - windows[:, 0] + 1                 # (M,) pixels per side, pw + 1
    # Source position of each output pixel's centre within the window (0-based), clamped to
    # the window's first/last pixel like OpenCV's INTER_LINEAR.
    pos = (np.arange(PATCH) + 0.5) * (side[:, None] / PATCH) - 0.5   # (M, 24)
    pos = np.clip(pos, 0, (side - 1)[:, None])
    low = np.minimum(np.floor(pos), (side - 2)[:, None].clip(0)).astype(np.int64)
    frac = pos - low
    x0 = windows[:, 0, None].astype(np.int64) - 1 + low      # 0-based image columns
    y0 = windows[:, 1, None].astype(np.int64) - 1 + low      # (same taps down the rows)
    fx, fy = frac[:, None, :, None], frac[:, :, None, None]
    out = np.zeros((len(windows), PATCH, PATCH, 3))
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            rows, cols = (y0 + dy)[:, :, None], (x0 + dx)[:, None, :]
            out += wy * wx * gather_pixels(image, rows, cols)
    return out


def lnet_input(patches: np.ndarray) -> np.ndarray:
    """(K, 5, 24, 24, 3) patches → (K, 15, 24, 24) float32, patch k at channels 3k..3k+2,
    normalised ``(pixel − 127.5) · 0.0078125`` as the other nets."""
    k, n = patches.shape[:2]
    x = patches.transpose(0, 1, 4, 2, 3).reshape(k, 3 * n, PATCH, PATCH)
    return ((x - 127.5) * 0.0078125).astype(np.float32)


def clamp_offsets(offsets: np.ndarray) -> np.ndarray:
    """Matlab's "do not make a large movement": (K, 5, 2) offsets in patch widths → a copy in
    which every point with ``|offset − 0.5| > 0.35`` in x *or* y gets (0.5, 0.5) (no move)."""
    large = (np.abs(offsets - 0.5) > MAX_MOVE).any(axis=2)
    return np.where(large[:, :, None], 0.5, offsets)


def corrected_points(points: np.ndarray, widths: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``point − 0.5·pw + offset·pw`` (Matlab's formula, from the unrounded point, not from the
    window's ``fix``-ed corner). points, offsets : (K, 5, 2); widths : (K,). → (K, 5, 2) f64."""
    pw = widths[:, None, None].astype(np.float64)
    return points.astype(np.float64) - 0.5 * pw + offsets.astype(np.float64) * pw


def refine_landmarks(image: np.ndarray, boxes: np.ndarray, points: np.ndarray, lnet,
                     resampling: str = "area", record=None) -> np.ndarray:
    """The whole extended stage.

    image : (H, W, 3) uint8. boxes : (K, 4) final boxes. points : (K, 5, 2) canonical points.
    lnet : has ``forward(x, record=None)`` taking (K, 15, 24, 24) float32 and returning five
    (K, 2) arrays of offsets. record : a :class:`~mtcnn_np.trace.Trace` or None.
    Returns (K, 5, 2) float64 refined canonical points (K = 0 gives an empty array).
    """
    points = np.asarray(points, np.float64)
    widths = patch_widths(boxes)
    windows = patch_windows(points, widths)
    patches = cut_patches(image, windows, resampling)
    x = lnet_input(patches)
    layers: dict | None = {} if record is not None else None
    if len(x):
        outputs = lnet.forward(x, record=layers) if layers is not None else lnet.forward(x)
        raw = np.stack([np.asarray(o, np.float64) for o in outputs], axis=1)   # (K, 5, 2)
    else:                                                      # no face: nothing to run
        raw = np.zeros((0, 5, 2))
    offsets = clamp_offsets(raw)
    refined = corrected_points(points, widths, offsets)
    if record is not None:
        record.add("lnet/patch_widths", widths)
        record.add("lnet/windows", windows)
        record.add("lnet/patches", patches)
        record.add("lnet/input", x)
        for name, value in (layers or {}).items():
            record.add(f"lnet/{name}", value)
        record.add("lnet/raw_offsets", raw)
        record.add("lnet/offsets", offsets)
        record.add("lnet/points", refined)
    return refined
