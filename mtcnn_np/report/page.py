"""The report's HTML: one ``<section id=...>`` per stage, pictures inlined, no script.

Every function returns a string of HTML; :func:`build_page` puts them together. Text from the
user (the photo's name) is escaped; everything else is numbers we format.
"""

from __future__ import annotations

import html
import math
import re

import numpy as np
from PIL import Image

from ..draw import draw_detections
from ..results import Detections
from . import pictures as P
from . import stages as S

PHOTO_SIDE = 480    # longest side of a picture of the whole photo
LEVEL_SIDE = 320    # longest side of a picture of a pyramid level
THUMB_SIDE = 120    # the pyramid table's thumbnails
MAX_BOXES = 300     # boxes drawn per picture (the best scores)
CROP_PIXELS = 72    # crops are shown enlarged (pixelated) to this width
BEFORE, AFTER = "#ffd84d", "#ff3030"

#: (section id, heading), in the page's order.
SECTIONS = (
    ("pyramid", "1. Image pyramid"),
    ("pnet-heatmaps", "2. P-Net face probability, per level"),
    ("nms", "3. Candidates before and after NMS"),
    ("rnet", "4. R-Net: 24×24 crops"),
    ("onet", "5. O-Net: 48×48 crops"),
    ("faces", "6. Faces and landmarks"),
    ("funnel", "7. The funnel: how many boxes each step leaves"),
)

CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 70em; color: #222;
       line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0; }
td, th { border: 1px solid #ddd; padding: 0.2em 0.6em; text-align: right; }
td.text, th.text { text-align: left; }
.grid { display: flex; flex-wrap: wrap; gap: 0.8em; align-items: flex-start; }
figure { margin: 0; font-size: 0.85em; }
figure img { display: block; border: 1px solid #999; }
img.crop { image-rendering: pixelated; width: 72px; height: 72px; border-width: 3px; }
.kept img { border-color: #2a2; } .nms img { border-color: #e80; }
.threshold img { border-color: #c22; }
.bar { background: #1f77b4; height: 1em; }
.legend { display: inline-block; width: 12em; height: 0.9em; vertical-align: middle;
          background: linear-gradient(to right, #000004, #57106e, #bc3754, #f98e09, #fcffa4); }
.swatch { display: inline-block; width: 1.2em; height: 0.8em; border: 2px solid; }
.note { color: #555; font-size: 0.9em; }
"""


def build_page(result: Detections, detector, title: str, max_crops: int) -> str:
    """The whole HTML page for one detection made with ``trace=True``."""
    trace = result.trace
    rgb = trace["input/image"]
    levels = S.pyramid_levels(trace)
    funnel = S.funnel(trace, detector.steps_threshold)
    crops = [S.rnet_crops(trace, detector.steps_threshold, detector.nms_thresholds),
             S.onet_crops(trace, detector.steps_threshold, detector.nms_thresholds)]
    body = [header(title, rgb, detector),
            pyramid_section(levels, rgb),
            heatmap_section(levels, detector.steps_threshold[0]),
            nms_section(levels, trace, rgb),
            crops_section("rnet", crops[0], detector.steps_threshold[1], max_crops),
            crops_section("onet", crops[1], detector.steps_threshold[2], max_crops),
            faces_section(rgb, result, funnel),
            funnel_section(funnel)]
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>MTCNN stage report: {html.escape(title)}</title>\n"
            f"<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")


def section(key: str, *parts: str) -> str:
    heading = dict(SECTIONS)[key]
    return f'<section id="{key}">\n<h2>{heading}</h2>\n' + "\n".join(parts) + "\n</section>"


def figure(picture: Image.Image, caption: str, css_class: str = "", img_class: str = "") -> str:
    """``<figure>`` with the picture inlined; ``caption`` is HTML."""
    attrs = f' class="{img_class}"' if img_class else ""
    size = "" if img_class else f' width="{picture.width}" height="{picture.height}"'
    klass = f' class="{css_class}"' if css_class else ""
    alt = html.unescape(re.sub(r"<[^>]+>", " ", caption))      # the caption as plain text
    return (f'<figure{klass}><img{attrs} src="{P.data_uri(picture)}"{size} '
            f'alt="{html.escape(alt, quote=True)}"><figcaption>{caption}</figcaption></figure>')


def table(head: list, rows: list, text_columns: tuple = ()) -> str:
    """An HTML table; cells are HTML; columns in ``text_columns`` are left-aligned."""
    def cells(tag: str, values: list) -> str:
        return "".join(f'<{tag}{" class=text" if k in text_columns else ""}>{v}</{tag}>'
                       for k, v in enumerate(values))
    return ("<table><tr>" + cells("th", head) + "</tr>"
            + "".join("<tr>" + cells("td", row) + "</tr>" for row in rows) + "</table>")


def header(title: str, rgb: np.ndarray, detector) -> str:
    links = " · ".join(f'<a href="#{key}">{heading[3:]}</a>' for key, heading in SECTIONS)
    t1, t2, t3 = detector.steps_threshold
    return (f"<header><h1>MTCNN stage report: {html.escape(title)}</h1>\n"
            f"<p>{rgb.shape[1]}×{rgb.shape[0]} pixels; min_face_size {detector.min_face_size:g}, "
            f"scale_factor {detector.scale_factor:g}, thresholds P/R/O {t1:g} / {t2:g} / {t3:g}, "
            f"NMS overlaps {' / '.join(f'{v:g}' for v in detector.nms_thresholds)}.</p>\n"
            f"<p class=note>Zhang et al. 2016, §II-A: a pyramid of the photo goes through P-Net; "
            f"its candidates through R-Net, then O-Net, with NMS after each stage. Big pictures "
            f"are shown downscaled (at most {PHOTO_SIDE} px).</p>\n<nav>{links}</nav></header>")


def pyramid_section(levels: list, rgb: np.ndarray) -> str:
    if not levels:
        return section("pyramid", "<p>The photo is smaller than P-Net's 12×12 window: no "
                       "level, so nothing is scanned.</p>")
    rows = []
    for lv in levels:
        thumb, _ = P.fit(Image.fromarray(lv.level), THUMB_SIDE)
        rows.append([lv.index, f"{lv.scale:.4f}", f"{lv.level.shape[1]}×{lv.level.shape[0]}",
                     f"{lv.prob.shape[1]}×{lv.prob.shape[0]}", f"{12 / lv.scale:.0f} px",
                     f'<img src="{P.data_uri(thumb)}" width="{thumb.width}" '
                     f'height="{thumb.height}" alt="level {lv.index}">'])
    intro = (f"<p>The photo ({rgb.shape[1]}×{rgb.shape[0]}) is shrunk by 12 / min_face_size, "
             f"then by scale_factor again and again while its short side is at least 12 px: "
             f"{len(levels)} levels. A 12×12 window of a level covers 12 / scale pixels of the "
             f"photo, so the levels look for bigger and bigger faces.</p>")
    return section("pyramid", intro, table(
        ["level", "scale", "size (W×H)", "P-Net map (W×H)", "face size sought", "level"],
        rows, text_columns=(5,)))


def heatmap_section(levels: list, t1: float) -> str:
    figures = []
    for lv in levels:
        picture, _ = P.fit(P.heat_over_level(lv.level, lv.prob), LEVEL_SIDE)
        figures.append(figure(picture, f"level {lv.index} (scale {lv.scale:.3f}): max "
                              f"p = {lv.prob.max():.3f}, {len(lv.candidates)} cells ≥ {t1:g}"))
    intro = ("<p>P-Net slides over each level with stride 2 and gives every 12×12 window a face "
             "probability; each cell is painted at the centre of the window it scored, over the "
             "level. <span class=legend></span> 0 → 1.</p>")
    body = f'<div class="grid">{"".join(figures)}</div>' if figures else "<p>No level.</p>"
    return section("pnet-heatmaps", intro, body)


def nms_section(levels: list, trace, rgb: np.ndarray) -> str:
    figures = []
    for lv in levels:
        picture, factor = P.fit(Image.fromarray(lv.level), LEVEL_SIDE)
        P.draw_boxes(picture, P.best(lv.candidates, MAX_BOXES), factor * lv.scale, BEFORE)
        P.draw_boxes(picture, P.best(lv.after_nms, MAX_BOXES), factor * lv.scale, AFTER, 2)
        figures.append(figure(picture, f"level {lv.index}: {len(lv.candidates)} → "
                              f"{len(lv.after_nms)}"))
    survivors = [lv.after_nms for lv in levels]
    merged = np.concatenate(survivors) if survivors else np.zeros((0, 5))
    photo, factor = P.fit(Image.fromarray(rgb), PHOTO_SIDE)
    P.draw_boxes(photo, P.best(merged, MAX_BOXES), factor, BEFORE)
    P.draw_boxes(photo, P.best(trace["stage1/after_nms"], MAX_BOXES), factor, AFTER, 2)
    across = figure(photo, f"all levels: {len(merged)} → {len(trace['stage1/after_nms'])}")
    legend = (f'<p><span class=swatch style="border-color:{BEFORE}"></span> before NMS, '
              f'<span class=swatch style="border-color:{AFTER}"></span> after NMS. NMS keeps '
              f"the best box and drops those overlapping it too much (intersection over "
              f"union), then repeats. At most {MAX_BOXES} boxes (the best) are drawn per "
              f"picture.</p>")
    return section("nms", legend, "<h3>Within each level</h3>",
                   f'<div class="grid">{"".join(figures)}</div>',
                   "<h3>Across levels (these boxes are cropped for R-Net)</h3>", across)


def crops_section(key: str, crops: S.Crops, threshold: float, max_crops: int) -> str:
    name = "R-Net" if key == "rnet" else "O-Net"
    reasons = {"kept": "kept", "nms": "dropped: NMS", "threshold": f"dropped: p ≤ {threshold:g}"}
    counts = ", ".join(f"{crops.count(fate)} {reasons[fate]}" for fate in S.FATES)
    order = np.lexsort((-crops.scores, [S.FATES.index(f) for f in crops.fates]))
    shown = order[:max_crops]
    figures = [figure(Image.fromarray(crops.pixels[k]),
                      f"p = {crops.scores[k]:.3f}<br>{reasons[crops.fates[k]]}",
                      css_class=crops.fates[k], img_class="crop") for k in shown]
    intro = (f"<p>{name} saw {len(crops.scores)} crops: {counts}. A crop is kept if its face "
             f"probability is above {threshold:g} and NMS does not suppress it for a better "
             f"overlapping box. Border: green kept, orange NMS, red threshold.</p>")
    cap = (f"<p class=note>Showing {len(shown)} of {len(crops.scores)} crops (at most "
           f"{max_crops}: kept first, then NMS, then threshold, best score first).</p>")
    body = f'<div class="grid">{"".join(figures)}</div>' if figures else "<p>No crop.</p>"
    return section(key, intro, cap, body)


def faces_section(rgb: np.ndarray, result: Detections, funnel: list) -> str:
    faces = result.to_mtcnn()
    if not faces:
        empty = next((row for row in funnel if row[1] == 0), funnel[-1])
        return section("faces", f"<p><strong>No face found.</strong> The first step that left "
                       f"nothing: <em>{empty[0]}</em> ({empty[2]}).</p>")
    picture, _ = P.fit(draw_detections(rgb, faces), PHOTO_SIDE)
    rows = [[k + 1, f"{f['confidence']:.4f}", str(f["box"]),
             ", ".join(f"{n} {p}" for n, p in f["keypoints"].items())]
            for k, f in enumerate(faces)]
    return section("faces", f"<p>{len(faces)} face{'s' if len(faces) != 1 else ''}: O-Net's "
                   "boxes and its five landmarks (eyes green, nose yellow, mouth corners "
                   "magenta), in the <code>mtcnn</code> package's format.</p>",
                   figure(picture, f"{len(faces)} faces"),
                   table(["#", "confidence", "box [x, y, w, h]", "keypoints (x, y)"], rows,
                         text_columns=(2, 3)))


def funnel_section(funnel: list) -> str:
    top = math.log10(max(10, max(count for _, count, _ in funnel)))
    rows = [[html.escape(label), f"{count:,}",
             f'<div class="bar" style="width:{max(0.2, 20 * math.log10(count + 1) / top):.1f}em">'
             "</div>", html.escape(definition)] for label, count, definition in funnel]
    return section("funnel", "<p>Counted from the trace of this detection; bars on a log "
                   "scale.</p>", table(["step", "count", "", "what is counted"], rows,
                                       text_columns=(0, 2, 3)))
