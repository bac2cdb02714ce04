"""No network for the processes that run queries: the second defence behind the SERVICE check.

:func:`drop_network` moves the calling process into a new, empty Linux network namespace
(``unshare(2)``, through ``_ctypes``, the C half of ctypes: Python 3.11 has no
``os.unshare``). The namespace has only a loopback interface, and it is down: any
``connect`` fails with "network unreachable", to the outside and to the machine's own
loopback services alike. So even if the query check
(:mod:`kg.query.safety`) were wrong, a ``SERVICE`` that pyoxigraph tries to call cannot
connect. Reading and writing files is unchanged.

* As root (CI, containers) a network namespace needs ``CAP_SYS_ADMIN``: ``CLONE_NEWNET``
  alone is tried first.
* Otherwise, and where that is refused, an unprivileged user namespace comes with it
  (``CLONE_NEWUSER | CLONE_NEWNET``, the user id mapped to itself). A user namespace needs
  a single-threaded process, so this must run before any thread starts.
* Elsewhere (macOS, Windows, kernels or containers without user namespaces) nothing
  changes: the check alone stands, and :class:`Isolation` says why.

It is a whole-process decision, so library code never calls it: the entry points of the
processes that run queries do (``python -m kg.web.workers``, and ``kg query`` on a local
build when it runs as its own process). The Python API inside a user's own process (a
notebook) keeps its network; there the check alone holds.

Examples
--------
>>> iso = drop_network()                                           # doctest: +SKIP
>>> iso.active, iso.how                                            # doctest: +SKIP
(True, 'network namespace')
"""

from __future__ import annotations

import os
import sys
from typing import Callable, NamedTuple

__all__ = ["Isolation", "drop_network", "isolation"]

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


class Isolation(NamedTuple):
    """Whether this process has lost its network (``active``) and how, or why not (``how``)."""

    active: bool
    how: str


_state: Isolation | None = None


def isolation() -> Isolation | None:
    """The result of :func:`drop_network` in this process, or ``None`` if it was not called."""
    return _state


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode("ascii"))
    finally:
        os.close(fd)


def _libc_unshare() -> tuple[Callable[[int], int], Callable[[], int]]:
    """The C library's ``unshare(int flags) -> int`` (errno kept) and the errno reader, through
    ``_ctypes``, the C half of ctypes: it is what ``ctypes.CDLL(None, use_errno=True).unshare``
    with ``argtypes = [c_int]`` builds, without importing the ``ctypes`` package (its types,
    ``struct``, endianness helpers: a few ms of every ``kg query`` start-up)."""
    import _ctypes

    class CInt(_ctypes._SimpleCData):
        _type_ = "i"

    class LibcFunction(_ctypes.CFuncPtr):
        _flags_ = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_USE_ERRNO
        _restype_ = CInt
        _argtypes_ = (CInt,)

    handle = _ctypes.dlopen(None, _ctypes.RTLD_LOCAL)  # type: ignore[arg-type]  # None: this program and its libraries
    return LibcFunction(_ctypes.dlsym(handle, "unshare")), _ctypes.get_errno


def drop_network() -> Isolation:
    """Move this process into a new network namespace with no usable interface (Linux).

    Idempotent: later calls return the first result. Call it early, before any thread
    starts and before a store is opened.

    Returns
    -------
    Isolation
        ``active`` True if the process now has no network; otherwise ``how`` says why
        (the platform, or the error of ``unshare``).
    """
    global _state
    if _state is not None:
        return _state
    if not sys.platform.startswith("linux"):
        _state = Isolation(False, f"network namespaces are a Linux feature (this is {sys.platform})")
        return _state
    try:
        unshare, get_errno = _libc_unshare()
    except (OSError, AttributeError, ImportError) as exc:  # pragma: no cover - exotic libc
        _state = Isolation(False, f"unshare(2) is not available: {exc}")
        return _state
    if os.geteuid() == 0 and unshare(_CLONE_NEWNET) == 0:
        _state = Isolation(True, "network namespace")
        return _state
    uid, gid = os.getuid(), os.getgid()
    if unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0:
        try:  # map our ids to themselves, so files keep their owner as seen from inside
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        except OSError:  # unmapped ids show as 'nobody'; access checks are unchanged
            pass
        _state = Isolation(True, "user and network namespace")
        return _state
    error = get_errno()
    _state = Isolation(False, f"unshare(2) refused a network namespace: {os.strerror(error)}")
    return _state
