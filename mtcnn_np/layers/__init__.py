"""The five layer types MTCNN is made of, each in its own file, all on NCHW float32 arrays.

Layout used everywhere inside the networks: ``x : (N, C, H, W) float32`` — N images, C channels,
H rows, W columns (the image is *not* transposed; see ``weights/README.md``). Dense layers work on
``(N, D)``.
"""

from .activations import prelu, softmax
from .conv import conv2d, conv_output_size
from .dense import dense, flatten
from .im2col import im2col
from .pool import max_pool2d, pool_output_size

__all__ = [
    "conv2d",
    "conv_output_size",
    "dense",
    "flatten",
    "im2col",
    "max_pool2d",
    "pool_output_size",
    "prelu",
    "softmax",
]
