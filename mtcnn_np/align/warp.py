"""The geometry of alignment: the least-squares similarity transform between two point sets
(Umeyama 1991), and resampling an image through affine maps (the NumPy ``cv2.warpAffine``).

Pixel convention, shared with ``mtcnn_np.landmarks``: a point (x, y) is in pixels, 0-based, and
(0, 0) is the *centre* of the top-left pixel, so ``image[r, c]`` is the value at (x=c, y=r). It
is also OpenCV's ``warpAffine`` convention, so the identity transform returns the image
unchanged.

S. Umeyama, "Least-squares estimation of transformation parameters between two point patterns",
IEEE TPAMI 13(4), 1991 — equations (38)–(42) are quoted where they are used.
"""

from __future__ import annotations

import numpy as np

BORDERS = ("constant", "edge")


def umeyama(src: np.ndarray, dst: np.ndarray, estimate_scale: bool = True) -> np.ndarray:
    """Least-squares similarity transform from ``src`` to ``dst`` points (Umeyama 1991).

    src, dst : (..., N, 2) [x, y], N ≥ 2, one set of corresponding points per leading index.
    Returns (..., 2, 3) ``M = [c·R | t]`` minimising ``Σ ‖dst_i − (c·R·src_i + t)‖²`` with R a
    rotation (never a reflection) and c > 0 (c = 1 when ``estimate_scale`` is False).
    Raises ValueError when a set of ``src`` points all coincide (no rotation is defined).
    """
    src, dst = np.asarray(src, np.float64), np.asarray(dst, np.float64)
    if src.shape != dst.shape or src.ndim < 2 or src.shape[-1] != 2 or src.shape[-2] < 2:
        raise ValueError(f"umeyama needs src and dst of the same shape (..., N ≥ 2, 2); got "
                         f"{src.shape} and {dst.shape}")
    n = src.shape[-2]
    mu_src, mu_dst = src.mean(axis=-2), dst.mean(axis=-2)                   # (..., 2)
    a, b = src - mu_src[..., None, :], dst - mu_dst[..., None, :]           # (..., N, 2)
    var_src = (a ** 2).sum(axis=(-2, -1)) / n                               # (...,) eq. (36)
    if np.any(var_src <= 1e-12 * (1 + np.abs(mu_src).max(axis=-1) ** 2)):
        raise ValueError("umeyama: the source points coincide; no transform is defined")
    cov = np.swapaxes(b, -1, -2) @ a / n                                    # (..., 2, 2) eq. (38)
    u, d, vt = np.linalg.svd(cov)
    # S = diag(1, −1) when the best orthogonal fit would be a reflection (eq. 39): a mirrored
    # face is not "aligned", so we take the best proper rotation instead.
    s = np.ones_like(d)
    s[..., 1] = np.where(np.linalg.det(u) * np.linalg.det(vt) < 0, -1.0, 1.0)
    rotation = u @ (s[..., :, None] * vt)                                   # eq. (40) R = U S Vᵀ
    c = (d * s).sum(axis=-1) / var_src if estimate_scale else np.ones_like(var_src)  # eq. (42)
    linear = c[..., None, None] * rotation                                  # (..., 2, 2)
    t = mu_dst - (linear @ mu_src[..., :, None])[..., 0]                    # eq. (41)
    return np.concatenate([linear, t[..., :, None]], axis=-1)               # (..., 2, 3)


def apply_transform(matrices: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Map points through affine matrices: (K, 2, 3) and (K, P, 2) → (K, P, 2)."""
    return points @ np.swapaxes(matrices[..., :2], -1, -2) + matrices[..., None, :, 2]


def warp_affine(image: np.ndarray, matrices: np.ndarray, size: int,
                border: str = "constant") -> np.ndarray:
    """Resample ``image`` through affine maps, bilinearly: the NumPy ``cv2.warpAffine``.

    image : (H, W, C) uint8. matrices : (K, 2, 3), photo pixel → output pixel (as returned by
    ``umeyama``). Each output pixel (u, v) takes the photo's value at ``M⁻¹ (u, v)``, where
    pixel centres sit at whole coordinates (see the module docstring).
    Returns (K, size, size, C) uint8, rounded to nearest.
    """
    _check_border(border)
    matrices = np.asarray(matrices, np.float64)
    if matrices.ndim != 3 or matrices.shape[1:] != (2, 3):
        raise ValueError(f"matrices must be (K, 2, 3); got {matrices.shape}")
    k = len(matrices)
    inverse = np.linalg.inv(matrices[:, :, :2])                             # (K, 2, 2)
    rows, cols = np.mgrid[0:size, 0:size]                                   # (size, size)
    grid = np.stack([cols.ravel(), rows.ravel()], axis=1).astype(np.float64)  # (P, 2) [x, y]
    source = (grid[None] - matrices[:, None, :, 2]) @ np.swapaxes(inverse, 1, 2)  # (K, P, 2)
    values = sample_bilinear(image, source[..., 0], source[..., 1], border)  # (K, P, C)
    return np.clip(np.rint(values), 0, 255).astype(np.uint8).reshape(k, size, size, image.shape[2])


def sample_bilinear(image: np.ndarray, x: np.ndarray, y: np.ndarray,
                    border: str = "constant") -> np.ndarray:
    """Bilinear interpolation of ``image`` (H, W, C) at points x, y (any same shape S).

    Returns ``(*S, C)`` float32. Each point mixes its 4 neighbouring pixels with weights
    (1 − fx)(1 − fy), fx(1 − fy), … ; a neighbour outside the image counts as 0 ("constant")
    or as the nearest border pixel ("edge"). At whole coordinates the result is the pixel itself.
    """
    h, w = image.shape[:2]
    # Far-away points all read the same (zero or border) values; clipping keeps the int cast safe.
    x, y = np.clip(x, -2, w + 1), np.clip(y, -2, h + 1)
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = (x - x0)[..., None], (y - y0)[..., None]                       # (*S, 1)
    x0, y0 = x0.astype(np.intp), y0.astype(np.intp)
    out = np.zeros(x.shape + image.shape[2:], dtype=np.float32)
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            r, c = y0 + dy, x0 + dx
            weight = (wy * wx).astype(np.float32)
            if border == "constant":
                weight *= ((r >= 0) & (r < h) & (c >= 0) & (c < w))[..., None]
            out += weight * image[np.clip(r, 0, h - 1), np.clip(c, 0, w - 1)]
    return out


def _check_border(border) -> None:
    if border not in BORDERS:
        raise ValueError(f"border must be one of {BORDERS}; got {border!r}")
