"""The MTCNN architectures as data (Zhang et al. 2016, Fig. 2), with Caffe's layer names.

P-Net, R-Net and O-Net are the cascade (``SPECS``); L-Net is MTCNN v2's optional fourth net
(``EXTENDED``, the authors' ``det4.prototxt``; see ``refine.py``).

Each net is an ordered list of :class:`Layer`. A layer reads the output of the layer before it,
unless ``source`` names another one (the heads of each net branch off the same trunk). The
parameter shapes each layer needs are derived from this table, so the weight loader, the docs'
architecture table and the forward pass all read the same source.

Shapes: conv kernels ``(F, C, kh, kw)``, dense weights ``(F, D)``, biases ``(F,)``, PReLU slopes
``(C,)``.
"""

from __future__ import annotations

from typing import NamedTuple


class Layer(NamedTuple):
    name: str                      # Caffe's name: conv1, PReLU1, pool1, conv4-1, prob1, ...
    op: str                        # conv | prelu | maxpool | flatten | dense | softmax
                                   # | slice | concat
    size: tuple = ()               # conv (F, C, k); dense (F, D); prelu (C,); maxpool (k, stride);
                                   # slice (first, stop) channels
    source: str | tuple | None = None   # input layer, if not the previous one ("data" is the
                                        # net's input); concat: a tuple of layers


def conv(name: str, f: int, c: int, k: int, source: str | None = None) -> Layer:
    return Layer(name, "conv", (f, c, k), source)


def prelu(name: str, c: int) -> Layer:
    return Layer(name, "prelu", (c,))


def pool(name: str, k: int, stride: int) -> Layer:
    return Layer(name, "maxpool", (k, stride))


def dense(name: str, f: int, d: int, source: str | None = None) -> Layer:
    return Layer(name, "dense", (f, d), source)


def softmax(name: str, source: str) -> Layer:
    return Layer(name, "softmax", (), source)


# P-Net: fully convolutional, 12×12 receptive field, stride 2 overall (one 2×2 pool).
PNET = [
    conv("conv1", 10, 3, 3), prelu("PReLU1", 10), pool("pool1", 2, 2),
    conv("conv2", 16, 10, 3), prelu("PReLU2", 16),
    conv("conv3", 32, 16, 3), prelu("PReLU3", 32),
    conv("conv4-1", 2, 32, 1),                       # face / not-face scores
    softmax("prob1", source="conv4-1"),
    conv("conv4-2", 4, 32, 1, source="PReLU3"),      # box offsets (dx1, dy1, dx2, dy2)
]

# R-Net: 24×24 input → 3×3×64 map → 128-unit dense layer → two heads.
RNET = [
    conv("conv1", 28, 3, 3), prelu("prelu1", 28), pool("pool1", 3, 2),
    conv("conv2", 48, 28, 3), prelu("prelu2", 48), pool("pool2", 3, 2),
    conv("conv3", 64, 48, 2), prelu("prelu3", 64),
    Layer("flatten", "flatten"),
    dense("conv4", 128, 576), prelu("prelu4", 128),  # Caffe calls its dense layers "conv4", ...
    dense("conv5-1", 2, 128),
    softmax("prob1", source="conv5-1"),
    dense("conv5-2", 4, 128, source="prelu4"),
]

# O-Net: 48×48 input → 3×3×128 map → 256-unit dense layer → three heads (adds landmarks).
ONET = [
    conv("conv1", 32, 3, 3), prelu("prelu1", 32), pool("pool1", 3, 2),
    conv("conv2", 64, 32, 3), prelu("prelu2", 64), pool("pool2", 3, 2),
    conv("conv3", 64, 64, 3), prelu("prelu3", 64), pool("pool3", 2, 2),
    conv("conv4", 128, 64, 2), prelu("prelu4", 128),
    Layer("flatten", "flatten"),
    dense("conv5", 256, 1152), prelu("prelu5", 256),
    dense("conv6-1", 2, 256),
    softmax("prob1", source="conv6-1"),
    dense("conv6-2", 4, 256, source="prelu5"),       # box offsets
    dense("conv6-3", 10, 256, source="prelu5"),      # landmarks: x1..x5, y1..y5 in [0, 1]
]

# L-Net (MTCNN v2, det4): five 24×24 patches, one per landmark, stacked as 15 channels. Each
# patch has its own small R-Net-like trunk; the five 64×3×3 maps are concatenated (320×3×3),
# one shared dense layer follows, then one small head per landmark gives its (dx, dy).
def lnet_branch(k: int) -> list:
    """Landmark k's trunk (k = 1 … 5): channels 3(k−1) … 3k − 1 of the input."""
    return [
        Layer(f"data24{k}", "slice", (3 * (k - 1), 3 * k), "data"),
        conv(f"conv1_{k}", 28, 3, 3), prelu(f"prelu1_{k}", 28), pool(f"pool1_{k}", 3, 2),
        conv(f"conv2_{k}", 48, 28, 3), prelu(f"prelu2_{k}", 48), pool(f"pool2_{k}", 3, 2),
        conv(f"conv3_{k}", 64, 48, 2), prelu(f"prelu3_{k}", 64),
    ]


def lnet_head(k: int) -> list:
    return [dense(f"fc4_{k}", 64, 256, source="prelu4"), prelu(f"prelu4_{k}", 64),
            dense(f"fc5_{k}", 2, 64)]


LNET = [
    *(layer for k in range(1, 6) for layer in lnet_branch(k)),
    Layer("concat", "concat", (), tuple(f"prelu3_{k}" for k in range(1, 6))),   # 320 channels
    Layer("flatten", "flatten"),
    dense("fc4", 256, 2880), prelu("prelu4", 256),
    *(layer for k in range(1, 6) for layer in lnet_head(k)),
]

SPECS = {"pnet": PNET, "rnet": RNET, "onet": ONET}        # the cascade
EXTENDED = {"lnet": LNET}                                   # MTCNN v2's extra stage
ALL_SPECS = {**SPECS, **EXTENDED}

# What each net returns: face probability, box offsets (and O-Net's landmarks).
OUTPUTS = {
    "pnet": ("prob1", "conv4-2"),
    "rnet": ("prob1", "conv5-2"),
    "onet": ("prob1", "conv6-2", "conv6-3"),
    "lnet": ("fc5_1", "fc5_2", "fc5_3", "fc5_4", "fc5_5"),   # (dx, dy) per landmark
}

# The input each net was trained for (P-Net takes any size ≥ 12).
INPUT_SIZE = {"pnet": 12, "rnet": 24, "onet": 48, "lnet": 24}
# Input channels: RGB, or L-Net's five RGB patches stacked.
INPUT_CHANNELS = {"pnet": 3, "rnet": 3, "onet": 3, "lnet": 15}


def parameter_shapes(spec: list) -> dict:
    """``{layer_name: {param_name: shape}}`` for every layer that has parameters."""
    shapes: dict = {}
    for layer in spec:
        if layer.op == "conv":
            f, c, k = layer.size
            shapes[layer.name] = {"weight": (f, c, k, k), "bias": (f,)}
        elif layer.op == "dense":
            f, d = layer.size
            shapes[layer.name] = {"weight": (f, d), "bias": (f,)}
        elif layer.op == "prelu":
            shapes[layer.name] = {"alpha": layer.size}
    return shapes


def architecture_table(net: str) -> str:
    """A Markdown table of one net's layers (``docs/paper.md``'s tables are generated by this)."""
    rows = ["| layer | op | size | input |", "|---|---|---|---|"]
    for layer in ALL_SPECS[net]:
        if layer.op == "conv":
            f, c, k = layer.size
            size = f"{k}×{k}, {c} → {f} channels"
        elif layer.op == "dense":
            f, d = layer.size
            size = f"{d} → {f}"
        elif layer.op == "prelu":
            size = f"{layer.size[0]} slopes"
        elif layer.op == "maxpool":
            size = f"{layer.size[0]}×{layer.size[0]}, stride {layer.size[1]}, round up"
        elif layer.op == "slice":
            size = f"channels {layer.size[0]}–{layer.size[1] - 1}"
        else:
            size = ""
        source = ", ".join(layer.source) if isinstance(layer.source, tuple) else layer.source
        rows.append(f"| `{layer.name}` | {layer.op} | {size} | {source or ''} |")
    return "\n".join(rows)
