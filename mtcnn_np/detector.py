"""MTCNN: the three-stage cascade (Zhang et al. 2016, §II-A, Fig. 1), as a numbered recipe::

    Stage 1  pyramid → P-Net on every level → candidates → NMS per scale, NMS over all scales →
             regression (P-Net's offsets) → square → snap to whole pixels.
    Stage 2  24×24 crops → R-Net → keep score > t2 → NMS → regression (R-Net's) → square.
    Stage 3  snap → 48×48 crops → O-Net → keep score > t3 → landmarks → regression (O-Net's) →
             NMS ('min').
    Stage 4  (opt-in, ``refine_landmarks=True``; MTCNN v2's "extended stage") five 24×24 patches
             around the landmarks → L-Net → corrected landmarks (``refine.py``).

Each step is a call into a small module; the conventions (every +1, rounding, ≥ vs >) are
explained where they happen. The behaviour reproduces the canonical port (Sandberg's
``detect_face.py`` as packaged in ``mtcnn`` 0.1.1) — see ``docs/verification.md`` for the one
bug we fix.

Why this file is longer than the others (~500 lines): it is the public class, and most of it is
the docstrings of its API (inputs, outputs, errors) and the four stages side by side, which a
reader should see in one place; the argument checks live in ``arguments.py``, the threads in
``parallel.py``.
"""

from __future__ import annotations

import contextlib
import copy
import os
import time
from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from . import arguments
from . import boxes as B
from .candidates import candidates_from_pnet
from .colour import warn_if_bgr
from .crops import crop_and_resize, crop_sizes
from .formats import to_json, to_numpy
from .image import load_image
from .landmarks import decode_landmarks
from .nets import load_onet, load_pnet, load_rnet
from .nms import nms
from .options import SETTINGS, call_options, check_device, check_stages
from .parallel import DEFAULT_THREADS, alone, blas_count, check_threads, ordered_map, workers_for
from .processes import Processes, flow, level_cost, split_boxes, split_levels
from .pyramid import compute_scales, normalize, pyramid_level, to_nchw
from .refine import refine_landmarks as refine_points
from .results import Detections
from .threads import blas_threads
from .trace import Trace

CHUNK = 256       # boxes cropped at a time for R-Net/O-Net: bounds the memory of the crops
# Input pixels per R-Net/O-Net forward pass: 32 R-Net, 8 O-Net crops. Larger batches were slower
# inside the detector: their arrays are faulted in afresh on every pass (from 4 MiB on NumPy asks
# for huge pages; O-Net's im2col passes that beyond 8 crops). See docs/speed.md.
NET_PIXELS = 32 * 24 * 24


class MTCNN:
    """The MTCNN face detector.

    Parameters
    ----------
    min_face_size : smallest face to look for, in pixels (> 0). Smaller is slower.
    scale_factor : ratio between pyramid levels, in (0, 1). Larger is slower and finds more.
    steps_threshold : face-probability thresholds of P-Net, R-Net, O-Net, each in [0, 1].
    nms_thresholds : overlap thresholds of the four NMS steps — P-Net within a scale ('union'),
        P-Net over all scales ('union'), R-Net ('union'), O-Net ('min') — each in [0, 1].
    weights : a folder holding ``pnet.h5``, ``rnet.h5``, ``onet.h5``, or a dict
        ``{"pnet": path, "rnet": path, "onet": path}`` (a net left out, or None, gets the bundled
        file); default: the bundled weights. Every file is checked (names, shapes, dtype).
    threads : cores one detection runs on (``parallel.py``): default 1; N > 1 runs the
        pyramid levels and the R-Net/O-Net crops on N threads, with the same output to the bit;
        0 means all cores. NumPy's BLAS is held at one thread meanwhile (restored afterwards;
        needs ``threadpoolctl``, the ``[fast]`` extra — without it, the environment variables
        decide, and a count you passed warns once; :mod:`mtcnn_np.threads`). None leaves
        NumPy's BLAS setting alone and runs on one thread.
    parallel : how ``threads=N`` splits a detection: "threads" (default) or "processes" —
        this process and N − 1 worker processes, which scale better on small photos (threads
        wait for Python's interpreter lock there); same output to the bit. The workers start
        on the first detection (about a second) and a script must then create the detector
        under ``if __name__ == "__main__":`` (``processes.py``).
    refine_landmarks : run MTCNN v2's extended stage (L-Net, ``refine.py``) after O-Net: each
        landmark is corrected from a patch around it. Off by default (the output is then that of
        ``mtcnn`` 0.1.1); the L-Net weights are loaded only when it is on.
    channel_order : "rgb" (default) or "bgr": the channel order of the arrays this detector is
        given when a call does not say (``bgr=None``); "bgr" for OpenCV's frames. The helpers
        that take the detector (crops, drawing, video) follow it.
    bgr_warning : warn (:class:`~mtcnn_np.colour.LikelyBGRWarning`) when an array whose channel
        order nobody stated gives bluish faces, a sign of BGR passed as RGB (``colour.py``).
    weights_file : ``mtcnn`` 0.1.1's first positional argument: the same as ``weights``.
    stages : ``mtcnn`` 1.0's; only the full cascade is accepted (``options.py``).
    device : ``mtcnn`` 1.0's; only the CPU is accepted (``options.py``).

    Notes
    -----
    The positional order is that of ``mtcnn`` 0.1.1, ``weights_file``, ``min_face_size``,
    ``steps_threshold``, ``scale_factor``; the rest is keyword-only.

    Bad arguments raise ``TypeError`` (wrong type) or ``ValueError`` (wrong value; for weights
    a :class:`~mtcnn_np.weights.WeightsError`) naming the argument.

    One detector may be shared by several threads: ``detect`` keeps no per-call state on
    ``self``, and the same input gives bit-identical output (``docs/threads.md``).
    """

    #: Verification only: set True to reproduce the canonical port's single-cell bug (see
    #: ``candidates.py``); the tests use it to show that this is the only difference.
    reproduce_single_cell_bug = False
    #: How stage 4 resizes its patches to 24×24, "area" or "bilinear" (see ``refine.py``).
    refine_resampling = "area"

    def __init__(self, weights_file: str | os.PathLike | dict | None = None,
                 min_face_size: float = 20, steps_threshold: Sequence | None = None,
                 scale_factor: float = 0.709, *,
                 nms_thresholds: Sequence = (0.5, 0.7, 0.7, 0.7),
                 weights: str | os.PathLike | dict | None = None,
                 threads: int | None = DEFAULT_THREADS, parallel: str = "threads",
                 refine_landmarks: bool = False, channel_order: str = "rgb",
                 bgr_warning: bool = True, stages: str | None = None, device: str | None = None):
        # The first four are mtcnn 0.1.1's, in its positional order; stages and device are
        # mtcnn 1.0's, accepted where they mean what we do anyway (options.py).
        check_stages(stages)
        check_device(device)
        self._configure(min_face_size, scale_factor,
                        (0.6, 0.7, 0.7) if steps_threshold is None else steps_threshold,
                        nms_thresholds)
        self.threads = check_threads(threads)
        self.parallel = arguments.parallel(parallel)
        count = workers_for(self.threads)
        self._processes = Processes(count) if self.parallel == "processes" and count > 1 else None
        # Only a count the caller chose warns if NumPy's BLAS cannot be set (threads.py).
        self._warn_blas = threads is not DEFAULT_THREADS
        self.channel_order = arguments.channel_order(channel_order)
        if not isinstance(bgr_warning, bool):
            raise TypeError(f"bgr_warning must be True or False, got {bgr_warning!r}")
        self.bgr_warning = bgr_warning
        paths = arguments.weight_paths(arguments.weights_argument(weights_file, weights))
        self.pnet = load_pnet(paths["pnet"])
        self.rnet = load_rnet(paths["rnet"])
        self.onet = load_onet(paths["onet"])
        if not isinstance(refine_landmarks, bool):
            raise TypeError(f"refine_landmarks must be True or False, got {refine_landmarks!r}")
        self.refine_landmarks = refine_landmarks
        self.lnet = _load_lnet() if refine_landmarks else None

    def _configure(self, min_face_size, scale_factor, steps_threshold, nms_thresholds) -> None:
        self.min_face_size = arguments.positive("min_face_size", min_face_size)
        self.scale_factor = arguments.in_range("scale_factor", scale_factor, 0, 1, open_ends=True)
        self.steps_threshold = arguments.thresholds("steps_threshold", steps_threshold, 3)
        self.nms_thresholds = arguments.thresholds("nms_thresholds", nms_thresholds, 4)

    # -- public API -------------------------------------------------------------------------

    def detect_faces(self, image, *, bgr: bool | None = None, value_range: tuple | None = None,
                     **options) -> list | np.ndarray:
        """Faces in the ``mtcnn`` package's format.

        Parameters
        ----------
        image : one image, a list of images, or a stacked (N, H, W, C) array of images; each one
            of:

            - an (H, W, 3) uint8 RGB array (as Pillow and matplotlib read it), used as is;
            - (H, W) or (H, W, 1) grayscale (replicated), (H, W, 4) RGBA (alpha dropped);
            - a uint16 array, read as full-range 16-bit (65535 is white);
            - a float or other integer array, with ``value_range``;
            - a ``PIL.Image`` in any mode (16-bit modes scaled, not clipped), used as it is;
            - a path, a binary file object or ``bytes`` of an encoded file, decoded by Pillow
              and turned upright by its EXIF orientation tag.

        bgr : the arrays are OpenCV's BGR (or BGRA): channels are reversed. Arrays only.
            None (the default) follows the detector's ``channel_order``.
        value_range : ``(lo, hi)``, the values meaning black and white, e.g. ``(0, 1)`` for
            floats in [0, 1]. Required for float and non-uint8/uint16 integer data.
        **options : ``mtcnn`` 1.0's keywords, with its meanings (``options.py``,
            ``formats.py``): for this call only ``min_face_size``, ``scale_factor``,
            ``threshold_pnet``, ``threshold_rnet``, ``threshold_onet``, ``nms_pnet1``,
            ``nms_pnet2``, ``nms_rnet``, ``nms_onet``; the output's ``box_format`` ("xywh" or
            "xyxy"), ``output_type`` ("json" or "numpy"), ``fit_to_image`` and
            ``limit_boundaries_landmarks`` (default False, so the output is 0.1.1's).
            Other keywords raise ``TypeError`` naming what to use instead.

        Returns
        -------
        ``[{'box': [x, y, w, h], 'confidence': float, 'keypoints': {'left_eye': (x, y),
        'right_eye': ..., 'nose': ..., 'mouth_left': ..., 'mouth_right': ...}}, ...]``, best
        first; ``[]`` when there is no face (also for images smaller than 12 px). For a list of
        images, a list of such lists (with ``threads=N``, N images detected at a time). As in
        the ``mtcnn`` package, ``x, y`` are clipped at 0 but a face cut by the right or bottom
        border can have ``x + w > W`` or ``y + h > H``, and keypoints are not clipped. With
        ``output_type="numpy"``: one (n, 16) array for all the images (``formats.py``).

        Raises
        ------
        :class:`~mtcnn_np.image.InvalidImage` (a TypeError and a ValueError) for an unusable
        image: unsupported type, dtype or shape, fewer than 2 pixels, NaN/inf, values outside
        ``value_range``, or an unreadable file; the message says what is expected. The
        caller's array is never modified.
        """
        settings, output = call_options(options)
        detector = self.with_settings(**settings) if settings else self
        images, is_batch = _as_batch(image)

        def detect_one(one) -> tuple:
            rgb = detector._to_rgb(one, bgr, value_range)
            return rgb, detector._detect_rgb(rgb)

        # A batch with threads=N: whole images on the N threads (each one then runs on its
        # thread alone, parallel.py), or on the N processes (processes.flow); the results in
        # the batch's order.
        if self._processes is not None and len(images) > 1:
            converted = ((rgb, rgb) for rgb in
                         (detector._to_rgb(one, bgr, value_range) for one in images))
            detected = [(rgb, found) for rgb, found, _ in
                        detector._detect_flow(converted, 2 * self._processes.count)]
        else:
            detected = ordered_map(detect_one, images, workers_for(self.threads))
        found = []
        for one, (rgb, result) in zip(images, detected):
            self._check_colour(one, bgr, rgb, result)    # warnings from the caller's thread
            found.append((result, rgb.shape))
        if output.output_type == "numpy":
            return to_numpy(*zip(*found), output) if found else np.zeros((0, 16))
        faces = [to_json(result, shape, output) for result, shape in found]
        return faces if is_batch else faces[0]

    def predict(self, image, **options) -> list | np.ndarray:
        """``mtcnn`` 1.0's name for :meth:`detect_faces`."""
        return self.detect_faces(image, **options)

    def detect(self, image, trace: bool = False, *, bgr: bool | None = None,
               value_range: tuple | None = None) -> Detections:
        """Faces as arrays: float boxes ``[x1, y1, x2, y2]`` *not* clipped to the image (a face
        cut by the border may have x1 < 0 or x2 > W), scores, accurate landmarks.

        ``image``, ``bgr`` and ``value_range``: one image, as in :meth:`detect_faces` (and
        ``mtcnn_np.image``, which lists every conversion). ``trace=True`` also records every
        intermediate in ``result.trace`` (see ``trace.py``).
        """
        rgb = self._to_rgb(image, bgr, value_range)
        result = self._detect_rgb(rgb, trace)
        self._check_colour(image, bgr, rgb, result)
        return result

    def with_settings(self, **settings) -> MTCNN:
        """A copy sharing this detector's nets, with some of ``mtcnn`` 1.0's per-call settings
        changed (``threshold_onet=0.8``, ``min_face_size=40``, ... see ``options.SETTINGS``)."""
        unknown = sorted(set(settings) - set(SETTINGS))
        if unknown:
            raise TypeError(f"unknown setting(s) {', '.join(unknown)}; known: "
                            f"{', '.join(SETTINGS)}")
        values = {"min_face_size": self.min_face_size, "scale_factor": self.scale_factor,
                  "steps_threshold": list(self.steps_threshold),
                  "nms_thresholds": list(self.nms_thresholds)}
        for name, value in settings.items():
            attribute, index = SETTINGS[name]
            if index is None:
                values[attribute] = value
            else:
                values[attribute][index] = value
        clone = copy.copy(self)
        clone._configure(**values)
        return clone

    def _to_rgb(self, image, bgr: bool | None, value_range: tuple | None) -> np.ndarray:
        """The (H, W, 3) uint8 RGB array the nets see; ``bgr=None`` follows ``channel_order``
        for arrays (files and PIL images are always decoded as RGB)."""
        if bgr is None:
            bgr = self.channel_order == "bgr" and isinstance(image, np.ndarray)
        return load_image(image, bgr=bgr, value_range=value_range)

    def _check_colour(self, image, bgr: bool | None, rgb: np.ndarray, result: Detections) -> None:
        """The likely-BGR warning (``colour.py``), for arrays whose channel order nobody stated:
        ``bgr=`` not passed, the detector's ``channel_order`` left at "rgb"."""
        if self.bgr_warning and bgr is None and self.channel_order == "rgb" \
                and isinstance(image, np.ndarray) and len(result):
            warn_if_bgr(rgb, result.boxes)

    def _detect_rgb(self, rgb: np.ndarray, trace: bool = False) -> Detections:
        """The cascade on one converted image, on the threads or processes it may use."""
        with self._blas_threads(), self._hold_processes(rgb, trace):
            record = Trace() if trace else None
            if record is not None:
                record.add("input/image", rgb)
            return self._cascade(rgb, record)

    def _detect_flow(self, items: Iterable, depth: int) -> Iterator:
        """(key, rgb or None) in → (key, Detections or None, seconds) out, in order: with
        worker processes, whole images on every process at once, ``depth`` read ahead
        (``processes.flow``; batches, and video frames in flight); else one at a time."""
        holding = (contextlib.nullcontext() if self._processes is None
                   else self._processes.hold(self._nets(), None))
        with self._blas_threads(), holding as team:
            if team is None:                      # no workers, or another thread has them
                for key, rgb in items:
                    start = time.perf_counter()
                    found = None if rgb is None else self._cascade(rgb, None)
                    yield key, found, time.perf_counter() - start
                return
            # This process's images on this thread alone, as each worker's: one per core.
            yield from flow(team, self._image_settings(), items, depth,
                            lambda rgb: alone(self._cascade, rgb, None))

    def _cascade(self, rgb: np.ndarray, record: Trace | None) -> Detections:
        """The cascade on one converted image (the numbered recipe), in this thread's setting."""
        boxes = self.stage1_proposals(rgb, record)                       # 1. P-Net
        boxes, scores = self.stage2_refine(rgb, boxes, record)            # 2. R-Net
        result = self.stage3_output(rgb, boxes, scores, record)           # 3. O-Net
        return self.stage4_refine_landmarks(rgb, result, record)          # 4. L-Net (opt-in)

    # -- the three stages --------------------------------------------------------------------

    def stage1_proposals(self, rgb: np.ndarray, record: Trace | None = None) -> np.ndarray:
        """P-Net over the pyramid → (K, 4) squared, whole-pixel candidate boxes."""
        nms_all = self.nms_thresholds[1]
        # 1.1 the scales: 12/min_face_size, times scale_factor until the short side is < 12.
        scales = compute_scales(rgb.shape[0], rgb.shape[1], self.min_face_size, self.scale_factor)
        _add(record, "pyramid/scales", np.array(scales))
        # 1.2–1.3 per level, each independent of the others (on several threads with
        # threads=N, level 0 — the biggest — first; parallel.py).
        team = self._team()
        if team is not None:
            levels = self._levels_on_team(team, rgb, scales)
        else:
            levels = ordered_map(
                lambda scale: self._level_candidates(rgb, scale, record is not None), scales,
                workers_for(self.threads))
        found = []
        for k, (boxes, scores, cell_offsets, keep, entries) in enumerate(levels):
            found.append((boxes[keep], scores[keep], cell_offsets[keep]))
            if record is not None:
                for name, value in entries.items():
                    record.add(f"pnet/scale_{k:02d}/{name}", value)
        boxes, scores, offsets = _concat(found)
        # 1.4 NMS over all scales.
        keep = nms(boxes, scores, nms_all, "union")
        boxes, scores, offsets = boxes[keep], scores[keep], offsets[keep]
        _add(record, "stage1/after_nms", _with_scores(boxes, scores))
        # 1.5 regression with P-Net's offsets (here w = x2 − x1, no +1), square, whole pixels.
        boxes = B.fix(B.square(B.regress(boxes, offsets, inclusive=False)))
        _add(record, "stage1/boxes", boxes)
        return boxes

    def stage2_refine(self, rgb: np.ndarray, boxes: np.ndarray, record: Trace | None = None
                      ) -> tuple:
        """R-Net on 24×24 crops → (K, 4) squared boxes (not yet whole pixels), (K,) scores."""
        boxes = _drop_empty(boxes)
        # 2.1 crops (zero-padded at the border, area-resized to 24×24) through R-Net.
        prob, offsets = self._run_on_crops(self.rnet, rgb, boxes, record)
        # 2.2 keep prob > t2 (strict); the box's score is now R-Net's.
        passed = prob[:, 1] > self.steps_threshold[1]
        boxes, scores, offsets = boxes[passed], prob[passed, 1], offsets[passed]
        # 2.3 NMS on the boxes R-Net saw (before its regression), then regress (+1) and square.
        keep = nms(boxes, scores, self.nms_thresholds[2], "union")
        boxes, scores = B.square(B.regress(boxes[keep], offsets[keep])), scores[keep]
        _add(record, "stage2/boxes", _with_scores(boxes, scores))
        return boxes, scores

    def stage3_output(self, rgb: np.ndarray, boxes: np.ndarray, scores: np.ndarray,
                      record: Trace | None = None) -> Detections:
        """O-Net on 48×48 crops → final boxes, scores and landmarks."""
        # 3.1 whole pixels, crops (48×48) through O-Net.
        boxes = _drop_empty(B.fix(boxes))
        prob, offsets, raw_points = self._run_on_crops(self.onet, rgb, boxes, record)
        # 3.2 keep prob > t3 (strict).
        passed = prob[:, 1] > self.steps_threshold[2]
        boxes, scores = boxes[passed], prob[passed, 1]
        # 3.3 landmarks, relative to the box O-Net saw (before its regression).
        canonical = decode_landmarks(boxes, raw_points[passed], canonical=True)
        accurate = decode_landmarks(boxes, raw_points[passed], canonical=False)
        # 3.4 regression (+1), then NMS with 'min' overlap, so boxes nested in a face go too.
        boxes = B.regress(boxes, offsets[passed])
        keep = nms(boxes, scores, self.nms_thresholds[3], "min")
        result = Detections(boxes[keep], scores[keep], accurate[keep], canonical[keep], record)
        if record is not None:
            record.add("final/boxes", result.boxes)
            record.add("final/scores", result.scores)
            record.add("final/landmarks", result.landmarks)
        return result

    def stage4_refine_landmarks(self, rgb: np.ndarray, result: Detections,
                                record: Trace | None = None) -> Detections:
        """L-Net on patches around each landmark → corrected landmarks (``refine.py``).

        Off (``refine_landmarks=False``): ``result`` unchanged. On: both readings become
        L-Net's points — ``landmarks`` the refined float64 points as the Matlab formula gives
        them, ``canonical_landmarks`` the same in float32, so the ``mtcnn``-format keypoints are
        their ``int()`` as before. No ``+ 1`` this time: O-Net's Matlab-frame points sit ~1 px
        up-left of the truth, L-Net's refined ones only 0.1 px (measured with
        ``benchmarks/landmark_nme.py --refine-landmarks``; NME 4.8 % as they are, 7.0 % with
        ``+ 1``). Boxes and scores are not touched.
        """
        if not self.refine_landmarks:
            return result
        # Stage 4 starts from Matlab's stage-3 points, w·lx + x1 − 1 (its 1-based `− 1` kept:
        # the windows are cut where Matlab cuts them), in float64 as Matlab holds them — the
        # accurate points minus 1, not the float32 canonical copy.
        refined = refine_points(rgb, result.boxes, result.landmarks - 1, self.lnet,
                                self.refine_resampling, record)
        result.canonical_landmarks = refined.astype(np.float32)
        result.landmarks = refined
        _add(record, "final/landmarks", result.landmarks)
        return result

    # -- helpers -----------------------------------------------------------------------------

    def _blas_threads(self):
        """The ``with`` block a detection runs in: BLAS at one thread (``parallel.py``)."""
        return blas_threads(blas_count(self.threads), warn=self._warn_blas)

    def _hold_processes(self, rgb: np.ndarray, trace: bool):
        """The ``with`` block in which this thread detects with the worker processes (if any,
        and if no other thread has them; ``processes.py``). A traced detection runs here
        alone, so it neither takes them nor copies the image for them."""
        if self._processes is None or trace:
            return contextlib.nullcontext()
        return self._processes.hold(self._nets(), rgb)

    def _nets(self) -> dict:
        """The nets each worker process gets a copy of (L-Net only when stage 4 is on)."""
        nets = {"pnet": self.pnet, "rnet": self.rnet, "onet": self.onet}
        if self.lnet is not None:
            nets["lnet"] = self.lnet
        return nets

    def _team(self):
        return None if self._processes is None else self._processes.team()

    def _team_settings(self) -> dict:
        """What a worker's detector needs to compute a piece as this one would."""
        return {"steps_threshold": self.steps_threshold, "nms_thresholds": self.nms_thresholds,
                "reproduce_single_cell_bug": self.reproduce_single_cell_bug}

    def _image_settings(self) -> dict:
        """What a worker's detector needs to detect a whole image as this one would."""
        return {**self._team_settings(), "min_face_size": self.min_face_size,
                "scale_factor": self.scale_factor, "refine_landmarks": self.refine_landmarks,
                "refine_resampling": self.refine_resampling}

    def _levels_on_team(self, team, rgb: np.ndarray, scales: list) -> list:
        """Steps 1.2–1.3 of every level, the levels dealt out by cost to this process and the
        workers; returned in the order of ``scales``."""
        height, width = rgb.shape[:2]
        shares = split_levels([level_cost(height, width, s) for s in scales], team.size)
        results = team.scatter(
            "levels", self._team_settings(), [[scales[i] for i in share] for share in shares],
            lambda mine: [self._level_candidates(rgb, scale, False) for scale in mine])
        levels: list = [None] * len(scales)
        for share, result in zip(shares, results):
            for index, level in zip(share, result):
                levels[index] = level
        return levels

    def _level_candidates(self, rgb: np.ndarray, scale: float, traced: bool) -> tuple:
        """Steps 1.2–1.3 on one pyramid level → (boxes, scores, cell offsets) of every
        candidate, the indices NMS within the scale keeps, and the trace entries ({} unless
        ``traced``)."""
        # 1.2 resize (area, rounded to uint8), normalise, run P-Net on the level.
        level = pyramid_level(rgb, scale)
        layers = {} if traced else None
        prob, offsets = self._pnet_on_level(level, layers)
        # 1.3 every cell with prob ≥ t1 is a candidate window; NMS within the scale.
        boxes, scores, cell_offsets = candidates_from_pnet(
            prob[0, 1], offsets[0], scale, self.steps_threshold[0],
            self.reproduce_single_cell_bug)
        keep = nms(boxes, scores, self.nms_thresholds[0], "union")
        entries = {}
        if traced:
            entries = {"level": level, **layers,
                       "candidates": _with_scores(boxes, scores),
                       "after_nms": _with_scores(boxes[keep], scores[keep])}
        return boxes, scores, cell_offsets, keep, entries

    def _pnet_on_level(self, level: np.ndarray, layers: dict | None) -> tuple:
        """P-Net on one pyramid level (H, W, 3) uint8 → prob (1, 2, h, w), offsets (1, 4, h, w).

        The level goes through P-Net in bands of rows (``Network.row_bands``, fixed by the
        level's size), so memory stays bounded on huge images and each band's work fits in
        cache. Always the same bands, traced or not, on any thread or process: the outputs
        are the same bits everywhere (a BLAS may round a pixel differently in another place
        of a bigger product). When tracing, every layer's whole map is recorded from one more
        pass over the whole level, equal to the bands' up to float32 rounding; the two outputs
        recorded are the bands' own.
        """
        height, width = self.pnet.output_size(*level.shape[:2])
        maps: list = []
        first = 0                                   # the band's first output row
        for rows in self.pnet.row_bands(*level.shape[:2]):
            parts = self.pnet.forward(to_nchw(normalize(level[rows])))
            if not maps:                            # (1, channels, height, width) each
                maps = [np.empty(p.shape[:2] + (height, width), p.dtype) for p in parts]
            for full, part in zip(maps, parts):
                full[:, :, first:first + part.shape[2]] = part
            first += parts[0].shape[2]
        if layers is not None:
            self.pnet.forward(to_nchw(normalize(level)), record=layers)
            layers.update(zip(self.pnet.outputs, maps))
        return tuple(maps)

    def _run_on_crops(self, net, rgb: np.ndarray, boxes: np.ndarray, record: Trace | None
                      ) -> tuple:
        """Run R-Net or O-Net on every box's crop: CHUNK boxes cropped at a time, each chunk
        through the net in batches of NET_PIXELS input pixels.

        Returns the net's outputs concatenated over chunks: prob (K, 2), offsets (K, 4)[,
        landmarks (K, 10)]; with zero boxes, arrays with zero rows.

        With threads=N the chunks run on N threads, cut smaller so that every thread gets
        some. Every chunk starts at a multiple of the batch, so the net sees exactly the
        batches of the serial loop (the same rows, the same bits: a BLAS may round a crop
        differently in another batch or place), and a box's crop does not depend on which
        other boxes share its chunk (``crops.py``). With worker processes, a run of
        consecutive batches goes to this process and to each worker.
        """
        if record is not None and len(boxes):
            return self._run_on_crops_traced(net, rgb, boxes, record)
        team = self._team()
        batch = _crop_batch(net)
        if team is not None and len(boxes) > batch:               # two batches at least
            parts = split_boxes(len(boxes), team.size, batch)
            results = team.scatter(net.name, self._team_settings(),
                                   [boxes[part] for part in parts],
                                   lambda mine: self._crops_on_threads(net, rgb, mine, 1))
            return tuple(np.concatenate(outputs) for outputs in zip(*results))
        return self._crops_on_threads(net, rgb, boxes, workers_for(self.threads))

    def _crops_on_threads(self, net, rgb: np.ndarray, boxes: np.ndarray, workers: int
                          ) -> tuple:
        """:meth:`_run_on_crops` on ``workers`` threads (one: a plain loop)."""
        if not len(boxes):
            widths = {"rnet": (2, 4), "onet": (2, 4, 10)}[net.name]
            return tuple(np.zeros((0, w), np.float32) for w in widths)
        size = net.input_size
        batch = _crop_batch(net)
        # On several threads: chunks of whole batches, at most CHUNK boxes, about two per
        # thread (load balance).
        chunk = CHUNK if workers == 1 else min(
            CHUNK, batch * max(1, -(-len(boxes) // (2 * workers * batch))))

        def run(start: int) -> tuple:
            crops = crop_and_resize(rgb, boxes[start:start + chunk], size)  # (n, s, s, 3) f64
            x = to_nchw(normalize(crops))                                   # (n, 3, s, s) f32
            return _forward_in_batches(net, x, batch)

        chunks = ordered_map(run, range(0, len(boxes), chunk), workers)
        return tuple(np.concatenate(parts) for parts in zip(*chunks))

    def _run_on_crops_traced(self, net, rgb: np.ndarray, boxes: np.ndarray, record: Trace
                             ) -> tuple:
        """:meth:`_run_on_crops` recording every layer: the same chunks and batches (so the
        same bits), each layer's outputs joined over all of them."""
        chunks = []
        layers: dict = {}
        for start in range(0, len(boxes), CHUNK):
            x = to_nchw(normalize(crop_and_resize(rgb, boxes[start:start + CHUNK],
                                                  net.input_size)))
            layers.setdefault("input", []).append(x)
            chunks.append(_forward_in_batches(net, x, _crop_batch(net), layers))
        for name, parts in layers.items():
            record.add(f"{net.name}/{name}", np.concatenate(parts))
        return tuple(np.concatenate(parts) for parts in zip(*chunks))

    def __repr__(self) -> str:
        return (f"MTCNN(min_face_size={self.min_face_size}, scale_factor={self.scale_factor}, "
                f"steps_threshold={self.steps_threshold}, nms_thresholds={self.nms_thresholds}, "
                f"threads={self.threads}"
                + (", parallel='processes'" if self.parallel == "processes" else "")
                + (", channel_order='bgr'" if self.channel_order == "bgr" else "")
                + (", refine_landmarks=True)" if self.refine_landmarks else ")"))


def _load_lnet():
    """The L-Net (``weights/lnet.h5``), read only when asked for: stage 4 is opt-in."""
    from .nets import load_lnet

    return load_lnet()


def _crop_batch(net) -> int:
    """Crops per R-Net/O-Net forward pass (``NET_PIXELS``): 32 for R-Net, 8 for O-Net."""
    return max(1, NET_PIXELS // (net.input_size * net.input_size))


def _forward_in_batches(net, x: np.ndarray, batch: int, layers: dict | None = None) -> tuple:
    """``net`` on the crops x (n, 3, s, s), ``batch`` at a time: the batches every mode uses,
    so the same bits. Returns the outputs joined over the batches; with ``layers``, each
    layer's output per batch is appended to ``layers[name]``."""
    outputs = []
    for first in range(0, len(x), batch):
        record: dict | None = None if layers is None else {}
        outputs.append(net.forward(x[first:first + batch], record=record))
        for name, value in (record or {}).items():
            layers.setdefault(name, []).append(value)
    return tuple(np.concatenate(parts) for parts in zip(*outputs))


def _drop_empty(boxes: np.ndarray) -> np.ndarray:
    """Drop boxes less than one pixel wide or tall (the canonical port crashes on them)."""
    heights, widths = crop_sizes(boxes)
    return boxes[(heights >= 1) & (widths >= 1)]


def _concat(found: list) -> tuple:
    if not found:
        return np.zeros((0, 4)), np.zeros(0, np.float32), np.zeros((0, 4), np.float32)
    return tuple(np.concatenate(parts) for parts in zip(*found))


def _with_scores(boxes: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """(K, 5) [x1, y1, x2, y2, score] for the trace."""
    return np.hstack([boxes, scores[:, None].astype(np.float64)])


def _add(record: Trace | None, name: str, value) -> None:
    if record is not None:
        record.add(name, value)


def _as_batch(image) -> tuple:
    """``(list of images, is_batch)``: a list/tuple, or a stacked (N, H, W, C) array, is a batch."""
    if isinstance(image, (list, tuple)):
        return list(image), True
    if isinstance(image, np.ndarray) and image.ndim == 4:
        return list(image), True
    return [image], False
