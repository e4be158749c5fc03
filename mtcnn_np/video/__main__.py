"""``python -m mtcnn_np.video``: the program in ``cli``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
