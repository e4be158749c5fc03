"""Read a Caffe ``.caffemodel`` file with nothing but the standard library and NumPy.

Developer tool (``tools/convert_caffe.py`` uses it); the package itself never reads Caffe files.

    python tools/caffemodel.py ../shared/zhang2016/MTCNNv2/model/det4.caffemodel   # list blobs

The format, for a student
-------------------------
A ``.caffemodel`` is one Protocol Buffers message, ``NetParameter`` (schema: Caffe's
``src/caffe/proto/caffe.proto``). Protocol Buffers writes a message as a sequence of fields, each
a *key* followed by a *value*:

- the key is a **varint** (7 bits per byte, least significant group first, the high bit set on
  every byte but the last) holding ``field_number << 3 | wire_type``;
- wire type 0 is a varint value; 1 is 8 fixed bytes; 5 is 4 fixed bytes; 2 is
  **length-delimited**: a varint length, then that many bytes — a string, a nested message, or a
  *packed* run of numbers (e.g. all the float32 weights of a blob, little-endian, back to back).

No field names are stored, only numbers, so we need these from ``caffe.proto``:

=====================  ======================================================================
message                fields read here
=====================  ======================================================================
NetParameter           1 name (string), 100 layer (LayerParameter, repeated),
                       2 layers (V1LayerParameter, the pre-2015 format, repeated)
LayerParameter         1 name, 2 type (strings), 7 blobs (BlobProto, repeated)
V1LayerParameter       4 name (string), 5 type (enum number), 6 blobs (BlobProto, repeated)
BlobProto              7 shape (BlobShape), 5 data (packed float32),
                       1–4 num/channels/height/width (the legacy 4-D shape)
BlobShape              1 dim (packed int64)
=====================  ======================================================================

Everything else (training parameters, layer settings) is skipped by its wire type: that is what
makes the format forward-compatible, and this reader short.

Blob order per layer type: Convolution ``[weight (F, C, kh, kw), bias (F,)]``, InnerProduct
``[weight (F, D), bias (F,)]``, PReLU ``[slope (C,)]``. Caffe under Matlab sees images
transposed (kh runs along the image's x): ``convert_caffe.py`` undoes that.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5


class CaffeLayer(NamedTuple):
    name: str
    type: str
    blobs: list             # float32 arrays, in Caffe's order and shape


def read_caffemodel(path: str | Path) -> list[CaffeLayer]:
    """Every layer of the ``NetParameter`` in ``path``, in file order (layers with no blobs too)."""
    data = Path(path).read_bytes()
    layers = []
    for number, _, value in fields(data):
        if number == 100:
            layers.append(_layer(value, name_field=1, type_field=2, blobs_field=7))
        elif number == 2:
            layers.append(_layer(value, name_field=4, type_field=5, blobs_field=6))
    if not layers:
        raise ValueError(f"{path}: no layers found; is it a .caffemodel (NetParameter)?")
    return layers


def fields(data: bytes):
    """Yield ``(field_number, wire_type, value)`` for each field of one message: ``value`` is an
    int for varints, bytes for the other wire types."""
    pos = 0
    while pos < len(data):
        key, pos = varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == VARINT:
            value, pos = varint(data, pos)
        elif wire == LENGTH:
            length, pos = varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        elif wire in (FIXED64, FIXED32):
            size = 8 if wire == FIXED64 else 4
            value, pos = data[pos:pos + size], pos + size
        else:
            raise ValueError(f"unsupported wire type {wire} at byte {pos}")
        if pos > len(data):
            raise ValueError("truncated message")
        yield number, wire, value


def varint(data: bytes, pos: int) -> tuple[int, int]:
    """Decode the varint starting at ``data[pos]``: ``(value, position after it)``."""
    result, shift = 0, 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _layer(message: bytes, name_field: int, type_field: int, blobs_field: int) -> CaffeLayer:
    name, kind, blobs = "", "", []
    for number, wire, value in fields(message):
        if number == name_field and wire == LENGTH:
            name = value.decode()
        elif number == type_field:
            kind = value.decode() if wire == LENGTH else f"V1 type {value}"
        elif number == blobs_field and wire == LENGTH:
            blobs.append(_blob(value))
    return CaffeLayer(name, kind, blobs)


def _blob(message: bytes) -> np.ndarray:
    shape, legacy, values = None, {}, []
    for number, wire, value in fields(message):
        if number == 7 and wire == LENGTH:
            shape = [v for n, w, v in fields(value) if n == 1 and w == VARINT] or \
                    [d for n, w, v in fields(value) if n == 1 and w == LENGTH
                     for d in _packed_varints(v)]
        elif number == 5 and wire == LENGTH:          # packed float32, little-endian
            values.append(np.frombuffer(value, dtype="<f4"))
        elif number == 5 and wire == FIXED32:         # one float written unpacked
            values.append(np.array(struct.unpack("<f", value), dtype="<f4"))
        elif number in (1, 2, 3, 4) and wire == VARINT:
            legacy[number] = value
    array = np.concatenate(values) if values else np.zeros(0, "<f4")
    if shape is None:                                 # legacy num, channels, height, width
        shape = [legacy.get(n, 1) for n in (1, 2, 3, 4)]
    if int(np.prod(shape)) != array.size:
        raise ValueError(f"blob of shape {shape} holds {array.size} values")
    return array.astype(np.float32).reshape(shape)


def _packed_varints(data: bytes) -> list[int]:
    values, pos = [], 0
    while pos < len(data):
        value, pos = varint(data, pos)
        values.append(value)
    return values


if __name__ == "__main__":
    for layer in read_caffemodel(sys.argv[1]):
        print(f"{layer.name:<12} {layer.type:<14} " + ", ".join(str(b.shape) for b in layer.blobs))
