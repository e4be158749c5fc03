"""A tiny progress bar for the folder run, drawn on stderr only when it is a terminal."""

from __future__ import annotations

import time
from typing import TextIO


class Progress:
    """``[#######.......]  12/40  30%  2.1/s  ETA 0:13`` redrawn in place on a terminal.

    ``enabled`` defaults to ``stream.isatty()``: nothing is drawn into logs or pipes. ``write``
    prints a line above the bar (warnings), ``close`` ends the bar's line.
    """

    def __init__(self, total: int, stream: TextIO, enabled: bool | None = None,
                 initial: int = 0, width: int = 30, every: float = 0.1):
        self.total, self.stream, self.width, self.every = total, stream, width, every
        self.enabled = _is_terminal(stream) if enabled is None else enabled
        self.count = self.initial = initial          # ``initial``: done before; not in the rate
        self.started = time.perf_counter()
        self.drawn_at = -1.0

    def update(self, n: int = 1) -> None:
        self.count += n
        now = time.perf_counter()
        if self.enabled and (now - self.drawn_at >= self.every or self.count >= self.total):
            self.drawn_at = now
            self.stream.write("\r" + self.line(now - self.started))
            self.stream.flush()

    def line(self, elapsed: float) -> str:
        """The bar's text for ``count`` of ``total`` after ``elapsed`` seconds."""
        fraction = self.count / self.total if self.total else 1.0
        filled = int(self.width * fraction)
        rate = (self.count - self.initial) / elapsed if elapsed > 0 else 0.0
        left = (self.total - self.count) / rate if rate > 0 else 0.0
        eta = f"ETA {int(left // 60)}:{int(left % 60):02d}" if rate > 0 else "ETA -:--"
        count = f"{self.count:>{len(str(self.total))}}/{self.total}"
        return (f"[{'#' * filled}{'.' * (self.width - filled)}] {count} {fraction:4.0%} "
                f"{rate:5.2f}/s {eta}")

    def write(self, message: str) -> None:
        if self.enabled:
            self.stream.write("\r\033[K")            # clear the bar's line, then redraw below
        self.stream.write(message + "\n")
        if self.enabled and self.drawn_at >= 0:
            self.stream.write(self.line(time.perf_counter() - self.started))
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self.drawn_at >= 0:
            self.stream.write("\n")
            self.stream.flush()


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
