"""mtcnn_np — the MTCNN face detector (Zhang et al., 2016) in plain NumPy.

>>> from mtcnn_np import MTCNN          # doctest: +SKIP
>>> MTCNN().detect_faces("photo.jpg")  # doctest: +SKIP
[{'box': [x, y, w, h], 'confidence': 0.99, 'keypoints': {...}}]
"""

__version__ = "0.1.0"

from .detector import MTCNN  # noqa: E402
from .image import InvalidImage  # noqa: E402
from .results import Detections  # noqa: E402
from .threads import blas_threads, get_blas_threads, set_blas_threads  # noqa: E402
from .trace import Trace  # noqa: E402

__all__ = ["MTCNN", "Detections", "InvalidImage", "Trace", "__version__", "blas_threads",
           "get_blas_threads", "set_blas_threads"]
