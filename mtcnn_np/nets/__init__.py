"""P-Net, R-Net, O-Net (and MTCNN v2's L-Net): the spec (architectures as data) and the code
that runs them."""

from .lnet import load_lnet
from .network import Network
from .onet import load_onet
from .pnet import load_pnet
from .rnet import load_rnet
from .spec import OUTPUTS, SPECS, Layer, parameter_shapes

__all__ = ["Layer", "Network", "OUTPUTS", "SPECS", "load_lnet", "load_onet", "load_pnet",
           "load_rnet", "parameter_shapes"]
