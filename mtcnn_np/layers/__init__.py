"""The layer types MTCNN is made of, each in its own file, all on NCHW float32 arrays.

P-Net, R-Net and O-Net need five (convolution, PReLU, max-pool, dense, softmax); L-Net also
needs channel slice and concat (``channels.py``).

Layout used everywhere inside the networks: ``x : (N, C, H, W) float32`` — N images, C channels,
H rows, W columns (the image is *not* transposed; see ``weights/README.md``). Dense layers work on
``(N, D)``.

That is the order of the *axes*. In *memory*, a batch of crops keeps its image axis innermost
(``x.transpose(1, 2, 3, 0)`` is C-contiguous, as ``conv2d`` and ``pyramid.to_nchw`` make it):
then every strided slice over rows and columns (im2col's taps, max-pool's windows) copies runs
of N adjacent values instead of a few pixels of one row, about 1.5× faster for R-Net. Every
layer accepts any memory order and computes the same bits; for one image (P-Net) both orders
are the same.
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
