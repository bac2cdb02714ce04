"""Progress of the HPO import: one-line messages, plus a bar on stderr when it is a terminal.

The bar is redrawn in place (``\\r``) and erased before each message, so that messages
printed by the caller's ``progress`` callable (usually to stderr too) stay on their own
lines. When stderr is not a terminal (CI, pipes, tests) only the messages are produced.

Examples
--------
>>> import io
>>> messages = []
>>> p = Progress(messages.append, stream=io.StringIO())
>>> p.say("reading hp.obo")
>>> p.update(0.5)
>>> p.done()
>>> messages
['reading hp.obo']
"""

from __future__ import annotations

import sys
import time
from typing import Callable, TextIO

__all__ = ["Progress"]


class Progress:
    """Reports messages to a callable and draws a bar on a terminal.

    Parameters
    ----------
    callback : callable, optional
        Receives each one-line message.
    stream : file, optional
        Where the bar goes (default ``sys.stderr``); drawn only if it is a TTY.
    width : int
        Bar width in characters.
    """

    def __init__(self, callback: Callable[[str], None] | None = None, *, stream: TextIO | None = None,
                 width: int = 30) -> None:
        self.callback = callback
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.enabled = bool(self.stream.isatty())
        except (AttributeError, ValueError):
            self.enabled = False
        self.width = width
        self.fraction = 0.0
        self.label = ""
        self._drawn = False
        self._last = 0.0

    def say(self, message: str) -> None:
        """Send a message to the callback (erasing the bar first so it keeps its own line)."""
        self.label = message
        if self.callback is not None:
            self._erase()
            self.callback(message)
        self._draw(force=True)

    def update(self, fraction: float, label: str | None = None) -> None:
        """Move the bar to ``fraction`` (0..1); redrawn at most ten times a second."""
        self.fraction = min(max(fraction, 0.0), 1.0)
        if label is not None:
            self.label = label
        self._draw()

    def done(self) -> None:
        """Erase the bar."""
        self.fraction = 1.0
        self._erase()

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
        filled = int(self.width * self.fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r\033[K[{bar}] {self.fraction * 100:3.0f}% {self.label[:60]}")
        self.stream.flush()
        self._drawn = True
