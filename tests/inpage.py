"""Waiting in a page under test, for the browser tests (Playwright's sync API)."""

from __future__ import annotations

import time

__all__ = ["wait_in_page"]


def wait_in_page(target, expression: str, timeout: float) -> bool:
    """Whether ``expression`` became true in ``target`` (a page or frame) within ``timeout`` s.

    The pages' CSP forbids the string eval that ``wait_for_function`` uses; ``evaluate`` is
    not governed by it, so the page checks the expression itself every 25 ms inside one
    evaluated function (the expression is part of its source): one round trip in all. A
    navigation that replaces the document while waiting is waited through."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout
    poll = ("(timeout) => new Promise((resolve, reject) => {"
            " const deadline = performance.now() + timeout;"
            " const check = () => { try {"
            f" if ({expression}) resolve(true);"
            " else if (performance.now() > deadline) resolve(false);"
            " else setTimeout(check, 25);"
            " } catch (e) { reject(e); } };"
            " check(); })")
    while True:
        try:
            return bool(target.evaluate(poll, max(0.0, deadline - time.monotonic()) * 1000))
        except Error as exc:
            if "context was destroyed" not in str(exc) or time.monotonic() > deadline:
                raise
