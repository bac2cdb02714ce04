"""Progress of the HPO import: one-line messages, and the fraction done for a caller that
shows it.

Library code never draws on the terminal: messages go to the caller's ``progress``
callable, and the fraction done to its ``fraction(value, label)`` method when it has one
(the command line's bar, :class:`kg.cli.progress.TerminalProgress`).

Examples
--------
>>> messages = []
>>> p = Progress(messages.append)
>>> p.say("reading hp.obo")
>>> p.update(0.5)
>>> p.done()
>>> messages
['reading hp.obo']
"""

from __future__ import annotations

from typing import Callable

__all__ = ["Progress"]


class Progress:
    """Reports messages to a callable, and fractions done to its ``fraction`` method if any.

    Parameters
    ----------
    callback : callable, optional
        Receives each one-line message; if it has a ``fraction(value, label)`` method, that
        receives the fraction done (0..1) and the current step.
    """

    def __init__(self, callback: Callable[[str], None] | None = None) -> None:
        self.callback = callback
        self._fraction: Callable[[float, str], None] | None = getattr(callback, "fraction", None)
        self.value = 0.0
        self.label = ""

    def say(self, message: str) -> None:
        """Send a message to the callback."""
        self.label = message
        if self.callback is not None:
            self.callback(message)

    def update(self, fraction: float, label: str | None = None) -> None:
        """Report ``fraction`` (0..1) of the work done."""
        self.value = min(max(fraction, 0.0), 1.0)
        if label is not None:
            self.label = label
        if self._fraction is not None:
            self._fraction(self.value, self.label)

    def done(self) -> None:
        """Report the work finished."""
        self.update(1.0)
