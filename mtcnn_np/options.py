"""The keyword arguments other MTCNN packages take, mapped onto mtcnn_np's — or refused by name.

People arrive with code written for ``mtcnn`` 0.1.x, ``mtcnn`` 1.0 or facenet-pytorch. This
module is the one place that knows their keywords:

- :func:`call_options` splits ``detect_faces``'s keyword arguments into settings for this one
  call (``mtcnn`` 1.0's ``threshold_pnet=``, ``min_face_size=``, ``nms_rnet=``, ...) and output
  options (``box_format``, ``output_type``, ``fit_to_image``, ``limit_boundaries_landmarks``);
- :func:`check_device` and :func:`check_stages` accept 1.0's constructor arguments only where
  they mean what mtcnn_np does anyway;
- every other keyword raises a ``TypeError`` that names what to use instead (:data:`EQUIVALENTS`).

Defaults are ``mtcnn`` 0.1.1's everywhere (1.0's ``threshold_onet`` default is 0.8, ours 0.7),
so code that passes nothing gets exactly the canonical output.
"""

from __future__ import annotations

from typing import NamedTuple

#: ``mtcnn`` 1.0's per-call detector settings → (MTCNN attribute, index in it or None).
SETTINGS = {
    "min_face_size": ("min_face_size", None),
    "scale_factor": ("scale_factor", None),
    "threshold_pnet": ("steps_threshold", 0),
    "threshold_rnet": ("steps_threshold", 1),
    "threshold_onet": ("steps_threshold", 2),
    "nms_pnet1": ("nms_thresholds", 0),
    "nms_pnet2": ("nms_thresholds", 1),
    "nms_rnet": ("nms_thresholds", 2),
    "nms_onet": ("nms_thresholds", 3),
}

#: Keywords of other packages that mtcnn_np does not take, with what to do instead.
EQUIVALENTS = {
    "min_size": "P-Net's window is fixed at 12 px (the net was trained on 12×12 crops); "
                "to look for smaller or larger faces set min_face_size=",
    "thresholds": "facenet-pytorch's list: use MTCNN(steps_threshold=[p, r, o]) or "
                  "threshold_pnet=/threshold_rnet=/threshold_onet= per call",
    "steps_threshold": "a constructor argument: MTCNN(steps_threshold=[p, r, o]); per call "
                       "use threshold_pnet=/threshold_rnet=/threshold_onet=",
    "factor": "facenet-pytorch's name: use scale_factor=",
    "landmarks": "detect_faces always returns the five keypoints; for facenet-pytorch's "
                 "(boxes, probs, points) use mtcnn_np.facenet",
    "device": "mtcnn_np runs on NumPy on the CPU; device= is a constructor argument and only "
              "'CPU'/'CPU:0'/'cpu' is accepted",
    "stages": "a constructor argument (mtcnn 1.0); mtcnn_np always runs the full cascade",
    "trace": "use detector.detect(image, trace=True) for the intermediates",
    "return_prob": "each face's 'confidence' is its probability",
    "select_largest": "facenet-pytorch's option: use mtcnn_np.facenet",
    "keep_all": "facenet-pytorch's option: use mtcnn_np.facenet",
}

BOX_FORMATS = ("xywh", "xyxy")
OUTPUT_TYPES = ("json", "numpy")
JUSTIFICATIONS = ("top", "topleft", "topright", "bottom", "bottomleft", "bottomright",
                  "left", "right", "center")


class OutputOptions(NamedTuple):
    """How ``detect_faces`` formats its result (``mtcnn`` 1.0's meanings)."""

    box_format: str = "xywh"           # [x, y, w, h] or [x1, y1, x2, y2]
    output_type: str = "json"          # list of dicts, or one (n, 16) float array
    fit_to_image: bool = False         # clip boxes to [0, W-1] × [0, H-1] (1.0's default: True)
    limit_boundaries_landmarks: bool = False   # also clip keypoints (only with fit_to_image)


def call_options(options: dict) -> tuple[dict, OutputOptions]:
    """Split ``detect_faces``'s keyword arguments.

    Returns ``({setting name: value}, OutputOptions)``; settings are checked by the detector
    (the same checks as the constructor's). Raises ``TypeError`` for keywords we do not take,
    naming the equivalent, and ``ValueError`` for a bad value of an output option.
    """
    options = dict(options)
    output = OutputOptions(**{k: options.pop(k) for k in OutputOptions._fields if k in options})
    _check_choice("box_format", output.box_format, BOX_FORMATS)
    _check_choice("output_type", output.output_type, OUTPUT_TYPES)
    for flag in ("fit_to_image", "limit_boundaries_landmarks"):
        if not isinstance(getattr(output, flag), bool):
            raise TypeError(f"{flag} must be True or False, got {getattr(output, flag)!r}")
    _check_batch_options(options)
    settings = {k: options.pop(k) for k in list(options) if k in SETTINGS}
    if options:
        raise TypeError(_unsupported(sorted(options)))
    return settings, output


def _check_batch_options(options: dict) -> None:
    """``mtcnn`` 1.0 pads a batch to one size; we detect each image at its own size, which is
    what 1.0's ``postprocess=True`` (its default) gives back. So these change nothing here."""
    if options.pop("postprocess", True) is not True:
        raise ValueError("postprocess=False: mtcnn_np never pads images into a batch, so there "
                         "is no padding to keep; for unclipped boxes use fit_to_image=False "
                         "(the default here) or detector.detect(image).boxes")
    justification = options.pop("batch_stack_justification", "center")
    _check_choice("batch_stack_justification", justification, JUSTIFICATIONS)


def check_device(device) -> None:
    """``mtcnn`` 1.0's ``device=``: only the CPU, which is where NumPy runs."""
    if device is None or str(device).lower() in ("cpu", "cpu:0", "/cpu:0"):
        return
    raise ValueError(f"device={device!r}: mtcnn_np runs on NumPy on the CPU only; drop device= "
                     "(for speed on several cores use MTCNN(threads=N) or --jobs N)")


def check_stages(stages) -> None:
    """``mtcnn`` 1.0's ``stages=``: only its default, the full cascade."""
    if stages is None or stages == "face_and_landmarks_detection":
        return
    if stages == "face_detection_only":
        raise ValueError("stages='face_detection_only': mtcnn_np always runs all three nets "
                         "(O-Net's boxes are the better ones, and the landmarks come free); "
                         "drop stages= and ignore 'keypoints', or use "
                         "detector.stage1_proposals/stage2_refine to stop early")
    raise ValueError(f"stages={stages!r}: mtcnn_np runs the fixed P-Net → R-Net → O-Net "
                     "cascade; drop stages=")


def _check_choice(name: str, value, choices: tuple) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")


def _unsupported(names: list) -> str:
    parts = []
    for name in names:
        hint = EQUIVALENTS.get(name)
        parts.append(f"{name!r} ({hint})" if hint else repr(name))
    accepted = ", ".join(["bgr", "value_range", *OutputOptions._fields, *SETTINGS,
                          "postprocess", "batch_stack_justification"])
    return (f"detect_faces() got unsupported keyword argument(s) {'; '.join(parts)}. "
            f"It accepts: {accepted}")
