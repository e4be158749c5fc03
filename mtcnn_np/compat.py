"""Code written for the ``mtcnn`` package (0.1.x or 1.0), run on mtcnn_np — without the name clash.

Installing mtcnn_np does not install a module called ``mtcnn`` (that name belongs to the real
package, which may be installed beside us). Change one import line instead:

==================================================  =============================================
``mtcnn``                                           mtcnn_np
==================================================  =============================================
``from mtcnn import MTCNN``                         ``from mtcnn_np.compat import MTCNN``
``from mtcnn.exceptions import InvalidImage``       ``from mtcnn_np.compat import InvalidImage``
``MTCNN(weights_file, min_face_size, ...)`` (0.1)   the same positional order
``MTCNN(stages=..., device="CPU:0")`` (1.0)         accepted for the full cascade on the CPU;
                                                    anything else is a clear ``ValueError``
``detect_faces(img, box_format=..., ...)`` (1.0)    the same keywords and meanings; the defaults
                                                    are 0.1.1's (``fit_to_image=False``,
                                                    ``threshold_onet=0.7``)
==================================================  =============================================

``mtcnn_np.compat.MTCNN`` *is* :class:`mtcnn_np.MTCNN` (not a subclass): everything else in the
package works on it unchanged. ``InvalidImage`` subclasses both ``ValueError`` and ``TypeError``,
so ``except`` clauses written for either package keep catching bad images.

Colour order: ``mtcnn`` expects RGB. Code that feeds OpenCV frames (BGR) as they come finds far
fewer faces in either package; build the detector with ``MTCNN(channel_order="bgr")`` and the
loop needs no other change.
"""

from .detector import MTCNN
from .image import InvalidImage

__all__ = ["MTCNN", "InvalidImage"]
