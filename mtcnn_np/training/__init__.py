"""Training MTCNN's nets in plain NumPy, for study (Zhang et al. 2016, §II-C). Never used by the
detector: importing :mod:`mtcnn_np` does not import this package.

- ``backprop.py``  forward walk that keeps activations; backward walk over the same spec
- ``losses.py``    eqs. (1)–(4): cross-entropy, Euclidean losses, task masks β, task weights α
- ``ohem.py``      online hard sample mining: the hardest 70 % of each mini-batch (§II-C.5)
- ``optim.py``     SGD with momentum
- ``data.py``      crops labelled by IoU: negatives, positives, part faces, landmark faces
- ``train.py``     the training loop, evaluation, and export to the detector's weights format

The layers' backward passes live beside their forwards in :mod:`mtcnn_np.layers`.
"""

from .backprop import forward, network_backward
from .data import CropSet, faces_from_detector, make_crop_set
from .losses import (
    LANDMARK,
    NEGATIVE,
    PART,
    POSITIVE,
    TASK_WEIGHTS,
    euclidean_loss,
    multitask_loss,
    softmax_cross_entropy,
    task_masks,
)
from .ohem import hard_sample_mask
from .optim import SGD
from .train import (
    copy_params,
    evaluate,
    export_weights,
    head_layers,
    init_params,
    loss_and_gradients,
    predict,
    train,
)

__all__ = [
    "CropSet", "LANDMARK", "NEGATIVE", "PART", "POSITIVE", "SGD", "TASK_WEIGHTS", "copy_params",
    "euclidean_loss", "evaluate", "export_weights", "faces_from_detector", "forward",
    "hard_sample_mask", "head_layers", "init_params", "loss_and_gradients", "make_crop_set",
    "multitask_loss", "network_backward", "predict", "softmax_cross_entropy", "task_masks",
    "train",
]
