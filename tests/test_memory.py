"""Bounded memory on large images, and the exactness of the pieces that bound it.

The detector never holds a whole pyramid level's P-Net activations: P-Net runs in bands of
output rows (``Network.row_bands``); R-Net and O-Net run on chunks of crops
(``detector.CHUNK``) in small batches (``detector.NET_PIXELS``); crops are resized in batches
(``crops.batches.BATCH_VALUES``); NMS computes overlaps in chunks of ``nms.PAIR_CHUNK`` box pairs.
What remains grows with the pixel count: the copy of the input (``image.load_image``), the
pyramid level being processed (uint8) and its P-Net output maps (6 float32 per cell, one cell
per 2×2 level pixels), besides the candidate boxes. Documented bound, measured with tracemalloc
(which sees NumPy's allocations): for ``min_face_size ≥ 12`` a detection allocates at most
``3 × the image's bytes + 64 MiB`` at its peak (measured: 2.3–2.5× + about 15 MiB).

Each bounding step gives what doing it all at once gives, checked here too: the same bits where
the arithmetic is ours (crops, NMS), and the same up to float32 rounding for the nets' bands and
batches, because a BLAS may round a value differently by its place in a matrix product
(OpenBLAS's Haswell kernels on an AMD Zen 5 do). The detector therefore always cuts the same
bands and batches, so every mode gives the same bits (``tests/test_processes.py``,
``tests/test_parallel.py``).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import mtcnn_np.crops.batches as crops
import mtcnn_np.nms as nms_module
from mtcnn_np import MTCNN
from mtcnn_np.crops import crop_and_resize, crop_sizes, padded_crops
from mtcnn_np.nets import load_onet, load_pnet, load_rnet
from mtcnn_np.nms import nms
from mtcnn_np.resize import resize_area

MIB = 2 ** 20


def flat_photo(side: int) -> np.ndarray:
    """A side × side grey image with sparse noise: P-Net runs everywhere, finds nothing."""
    rng = np.random.default_rng(side)
    image = np.full((side, side, 3), 128, np.uint8)
    noise = image[::7, ::5]
    noise[...] = rng.integers(100, 156, noise.shape)
    return image


def peak_bytes(detector: MTCNN, image: np.ndarray) -> int:
    detector.detect(image[:64, :64])                       # weights, caches: load them first
    tracemalloc.start()
    try:
        detector.detect(image)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def detector():
    return MTCNN()


def test_large_image_stays_within_the_documented_bound(detector):
    image = flat_photo(2400)
    peak = peak_bytes(detector, image)
    assert peak <= 3 * image.nbytes + 64 * MIB, f"peak {peak / MIB:.0f} MiB"
    # Without the bands, P-Net's first conv on the first level (1440 × 1440 at min face 20)
    # would unfold 27 values per pixel, 224 MB in float32, and its second conv more.
    level = round(2400 * 12 / 20)
    assert peak < 27 * level * level * 4


def test_memory_grows_no_faster_than_the_pixel_count(detector):
    small, large = flat_photo(600), flat_photo(1200)       # 4× the pixels
    assert peak_bytes(detector, large) <= 4 * peak_bytes(detector, small)


@pytest.mark.parametrize("height,width", [(203, 157), (204, 90), (12, 40), (13, 13), (61, 12)])
def test_pnet_in_bands_equals_one_pass_to_rounding(height, width):
    pnet = load_pnet()
    x = np.random.default_rng(height).uniform(-1, 1, (1, 3, height, width)).astype(np.float32)
    whole = pnet.forward(x)
    assert whole[0].shape[2:] == pnet.output_size(height, width)
    bands = pnet.row_bands(height, width, cells=16)        # tiny bands: many of them
    assert len(bands) > 1 or height < 30
    assert bands[0].start == 0 and bands[-1].stop == height
    parts = [pnet.forward(x[:, :, rows]) for rows in bands]
    for name, full, pieces in zip(pnet.outputs, whole, zip(*parts)):
        np.testing.assert_allclose(np.concatenate(pieces, axis=2), full, rtol=1e-5, atol=1e-6,
                                   err_msg=name)


@pytest.mark.parametrize("net", [load_rnet, load_onet])
def test_crop_batches_of_any_size_agree_to_rounding(net):
    # R-Net and O-Net run on small batches of crops (detector.NET_PIXELS): a crop's result
    # may differ in its rounding only with the batch it shares and its place in it.
    net = net()
    size = net.input_size
    x = np.random.default_rng(size).uniform(-1, 1, (37, 3, size, size)).astype(np.float32)
    whole = net.forward(x)
    for batch in (1, 5, 8):
        parts = [net.forward(x[i:i + batch]) for i in range(0, len(x), batch)]
        for name, full, pieces in zip(net.outputs, whole, zip(*parts)):
            np.testing.assert_allclose(np.concatenate(pieces), full, rtol=1e-5, atol=1e-6,
                                       err_msg=name)


@pytest.mark.parametrize("net", [load_rnet, load_onet])
def test_memory_order_of_a_batch_does_not_change_the_bits(net):
    # The detector keeps crop batches batch-innermost in memory (layers/__init__.py); a
    # C-ordered batch, or one with the channels innermost, must give exactly the same outputs.
    net = net()
    size = net.input_size
    x = np.random.default_rng(size + 1).uniform(-1, 1, (21, 3, size, size)).astype(np.float32)
    batch_innermost = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    channels_innermost = np.ascontiguousarray(x.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2)
    expected = net.forward(np.ascontiguousarray(x))
    for other in (batch_innermost, channels_innermost):
        for name, want, got in zip(net.outputs, expected, net.forward(other)):
            np.testing.assert_array_equal(got, want, err_msg=name)


def test_receptive_field_of_pnet():
    assert load_pnet().receptive_field() == (12, 2)       # one cell = a 12×12 window, step 2


@pytest.mark.parametrize("size", [24, 48])
@pytest.mark.parametrize("batch_values,max_shrink", [(None, None), (500, 2)])
def test_batched_crops_equal_the_canonical_resize(monkeypatch, size, batch_values, max_shrink):
    if batch_values:     # tiny batches: every crop alone, cut in bands of rows; big crops
        monkeypatch.setattr(crops, "BATCH_VALUES", batch_values)   # through resize_area
        monkeypatch.setattr(crops, "MAX_SHRINK", max_shrink)
    rng = np.random.default_rng(size)
    image = rng.integers(0, 256, (120, 170, 3), dtype=np.uint8)
    # Every INTER_AREA regime: copies (size), integer factors (2·size, 3·size, mixed), area
    # shrinks, enlargements (< size) and one-pixel-off mixtures; boxes crossing every border,
    # boxes larger than the image, and one-pixel boxes.
    sides = [size, 2 * size, 3 * size, size - 1, size + 1, 1, 2, 7, 35, 100, 171, 250]
    sides += rng.integers(1, 140, 40).tolist()
    tall = rng.integers(-2, 3, len(sides))
    x1 = rng.integers(-60, 200, len(sides)).astype(float)
    y1 = rng.integers(-60, 150, len(sides)).astype(float)
    heights = np.maximum(np.array(sides) + tall, 1)
    boxes = np.stack([x1, y1, x1 + np.array(sides) - 1, y1 + heights - 1], axis=1)
    boxes = np.vstack([boxes, [[5, 5, 5 + 3 * size - 1, 5 + 2 * size - 1]]])   # 2×3 blocks
    ours = crop_and_resize(image, boxes, size)
    h, w = crop_sizes(boxes)
    for k in range(len(boxes)):
        crop = padded_crops(image, boxes[k:k + 1], int(h[k]), int(w[k]))
        np.testing.assert_array_equal(ours[k], resize_area(crop, size, size)[0], err_msg=k)


def test_nms_in_chunks_of_pairs_equals_the_plain_loop(monkeypatch):
    rng = np.random.default_rng(7)
    monkeypatch.setattr(nms_module, "PAIR_CHUNK", 16)       # many chunks
    for _ in range(200):
        n = int(rng.integers(1, 40))
        corner = rng.integers(0, 30, (n, 2)).astype(float)
        boxes = np.hstack([corner, corner + rng.integers(0, 15, (n, 2))])
        scores = rng.integers(0, 4, n) / 4                  # many exact ties
        order = np.argsort(scores, kind="stable")[::-1]
        for method in ("union", "min"):
            np.testing.assert_array_equal(nms(boxes, scores, 0.5, method),
                                          nms_module._nms_greedy(boxes, order, 0.5, method))
