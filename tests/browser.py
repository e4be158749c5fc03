"""Render a local HTML file in headless Chromium, for tests (the stage report, the docs site).

    from browser import find_chromium, render
    page = render(path_to_html, tmp_path / "shot.png")   # -> Rendered
    page.dom        # the DOM after loading (``--dump-dom``), as HTML text
    page.console    # every console message the page logged ("Uncaught ..." for JS errors)
    page.png        # the screenshot's path

``find_chromium()`` is None when no browser is installed: skip the test then, e.g.
``pytest.mark.skipif(find_chromium() is None, reason=NO_CHROMIUM)``.

Chromium runs without network: every host name resolves to nothing
(``--host-resolver-rules``), so a page that needs the internet shows it, and a test never
reaches out. Chromium's stderr log does not give the console level, so ``console`` holds
every message (``console.log`` too); a page without scripts should log none.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
NO_CHROMIUM = ("headless Chromium not found (apt-get install chromium, or set CHROMIUM to its "
               "path)")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--host-resolver-rules=MAP * ~NOTFOUND")
CONSOLE = re.compile(r":CONSOLE[:(]\d+\)?\] (.*)$", re.MULTILINE)


@dataclass
class Rendered:
    """What Chromium made of a page: the screenshot, the DOM, the console messages."""

    png: Path
    dom: str
    console: list


def find_chromium() -> str | None:
    """The browser's path: ``$CHROMIUM`` if set (None if that is not a program), else the
    first of CANDIDATES on PATH, else None."""
    if os.environ.get("CHROMIUM"):
        return shutil.which(os.environ["CHROMIUM"])
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


def render(html: str | os.PathLike, png: str | os.PathLike, width: int = 1280,
           height: int = 2400, timeout: float = 120) -> Rendered:
    """Load the local file ``html``; screenshot it (``width × height`` window) to ``png``.

    Two runs of a fresh browser profile each: one screenshot, one ``--dump-dom``. Raises
    ``RuntimeError`` with Chromium's message if it fails or writes no screenshot.
    """
    url = Path(html).resolve().as_uri()
    png = Path(png)
    shot = _run([f"--screenshot={png}", f"--window-size={width},{height}", url], timeout)
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot:\n{shot.stderr[-2000:]}")
    dom = _run(["--dump-dom", url], timeout)
    messages = CONSOLE.findall(shot.stderr) + CONSOLE.findall(dom.stderr)
    return Rendered(png, dom.stdout, list(dict.fromkeys(messages)))   # once each, in order


def _run(arguments: list, timeout: float) -> subprocess.CompletedProcess:
    chromium = find_chromium()
    if chromium is None:
        raise RuntimeError(NO_CHROMIUM)
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        command = [chromium, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr",
                   "--v=1", *arguments]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              errors="replace")
    if done.returncode != 0:
        raise RuntimeError(f"chromium exited with {done.returncode}:\n{done.stderr[-2000:]}")
    return done
