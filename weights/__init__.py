"""Pretrained MTCNN weights (HDF5), installed as the package ``mtcnn_np.pretrained``.

See README.md in this folder for source, license, layout and checksums.
"""
