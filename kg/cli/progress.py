"""The progress bar of long commands (``kg build --hpo full``): drawn by the command line only.

Library code reports progress through a callable (one-line messages) that may also have a
``fraction(value, label)`` method (:class:`kg.hpo.progress.Progress` calls it); this module's
:class:`TerminalProgress` is such a callable. Messages go to stderr on their own lines; the bar
is drawn under them, in place (``\\r``), only when stderr is a terminal.

Examples
--------
>>> import io
>>> screen = io.StringIO()
>>> progress = TerminalProgress(stream=screen)
>>> progress("reading hp.obo")
>>> progress.fraction(0.5, "reading hp.obo")
>>> progress.close()
>>> screen.getvalue()                     # not a terminal: the messages only
'reading hp.obo\\n'
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

__all__ = ["TerminalProgress"]


class TerminalProgress:
    """Messages on their own lines, and a bar of the fraction done when ``stream`` is a TTY.

    Parameters
    ----------
    stream : file, optional
        Where messages and the bar go (default ``sys.stderr``).
    width : int
        Bar width in characters.
    """

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.enabled = bool(self.stream.isatty())
        except (AttributeError, ValueError):
            self.enabled = False
        self.width = width
        self.value = 0.0
        self.label = ""
        self._drawn = False
        self._last = 0.0

    def __call__(self, message: str) -> None:
        """Write a message on its own line (erasing the bar first, redrawing it after)."""
        self._erase()
        self.stream.write(message + "\n")
        self.stream.flush()
        self.label = message.strip()
        if self.value > 0:
            self._draw(force=True)

    def fraction(self, value: float, label: str | None = None) -> None:
        """Move the bar to ``value`` (0..1); redrawn at most ten times a second."""
        self.value = min(max(value, 0.0), 1.0)
        if label is not None:
            self.label = label
        self._draw()

    def close(self) -> None:
        """Erase the bar."""
        self._erase()
        self.value = 0.0

    def _erase(self) -> None:
        if self.enabled and self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._drawn = False

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        filled = int(self.width * self.value)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r\033[K[{bar}] {self.value * 100:3.0f}% {self.label[:60]}")
        self.stream.flush()
        self._drawn = True
