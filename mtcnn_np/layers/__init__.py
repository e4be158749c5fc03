"""The layer types MTCNN is made of, each in its own file, all on NCHW float32 arrays.

P-Net, R-Net and O-Net need five (convolution, PReLU, max-pool, dense, softmax); L-Net also
needs channel slice and concat (``channels.py``).

Layout used everywhere inside the networks: ``x : (N, C, H, W) float32`` — N images, C channels,
H rows, W columns (the image is *not* transposed; see ``weights/README.md``). Dense layers work on
``(N, D)``.
"""

from .activations import prelu, prelu_backward, softmax, softmax_backward
from .channels import channel_concat, channel_slice
from .conv import conv2d, conv2d_backward, conv_output_size
from .dense import dense, dense_backward, flatten, flatten_backward
from .im2col import col2im, im2col
from .pool import max_pool2d, max_pool2d_backward, pool_output_size

__all__ = [
    "channel_concat",
    "channel_slice",
    "col2im",
    "conv2d",
    "conv2d_backward",
    "conv_output_size",
    "dense",
    "dense_backward",
    "flatten",
    "flatten_backward",
    "im2col",
    "max_pool2d",
    "max_pool2d_backward",
    "pool_output_size",
    "prelu",
    "prelu_backward",
    "softmax",
    "softmax_backward",
]
