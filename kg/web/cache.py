"""A least-recently-used cache of serialised responses, bounded in bytes.

The graph a server serves never changes while it runs, so the answer to a query depends only
on the query text, the dataset and the response format: the server keeps the serialised
bytes and answers a repeated query without running it.

Examples
--------
>>> cache = ResponseCache(max_bytes=10, max_entry=10)
>>> cache.put("a", b"12345")
>>> cache.put("b", b"123456")          # evicts "a": 11 bytes would not fit
>>> cache.get("a") is None, cache.get("b")
(True, b'123456')
>>> cache.stats()["entries"]
1
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Hashable

__all__ = ["ResponseCache"]


def _size(value: Any) -> int:
    if isinstance(value, (bytes, bytearray, str)):
        return len(value)
    body = getattr(value, "body", None)
    return len(body) if isinstance(body, (bytes, bytearray)) else 256


class ResponseCache:
    """An LRU mapping from keys to values (bytes, or objects with a ``body``), bounded in bytes.

    Parameters
    ----------
    max_bytes : int
        Total size kept; the least recently used entries go first. ``0`` disables the cache.
    max_entry : int, optional
        Largest single entry kept (default: an eighth of ``max_bytes``).

    Raises
    ------
    ValueError
        If ``max_bytes`` is negative.
    """

    def __init__(self, max_bytes: int = 64 * 1024 * 1024, max_entry: int | None = None) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must be 0 or more")
        self.max_bytes = max_bytes
        self.max_entry = max_entry if max_entry is not None else max_bytes // 8 or max_bytes
        self._data: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        """The cached value, or ``None``; a hit makes the entry the most recent."""
        with self._lock:
            item = self._data.get(key)
            if item is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return item[0]

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` under ``key`` (unless it is larger than ``max_entry``)."""
        size = _size(value) + len(str(key)) // 4
        if size > self.max_entry or self.max_bytes == 0:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._data[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes and self._data:
                _, (_, dropped) = self._data.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._data)

    def stats(self) -> dict[str, int]:
        """Entries, bytes held, hits and misses."""
        return {"entries": len(self._data), "bytes": self._bytes, "max_bytes": self.max_bytes,
                "hits": self.hits, "misses": self.misses}
