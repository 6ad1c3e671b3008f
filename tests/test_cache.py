"""The sqlite cache: expiry, corrupt files rebuilt with a warning, a locked file waited for, not rebuilt."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from refcheck.cache import Cache


def test_values_expire(tmp_path: Path) -> None:
    with Cache(tmp_path / "c.sqlite3") as cache:
        cache.put("link", "https://a.example", {"ok": True}, ttl=60)
        cache.put("link", "https://b.example", {"ok": True}, ttl=0.01)
        time.sleep(0.05)
        assert cache.get("link", "https://a.example") == {"ok": True}
        assert cache.get("link", "https://b.example") is None
        assert cache.get("arxiv", "https://a.example") is None


def test_corrupt_file_is_rebuilt_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with Cache(path) as cache:
        assert cache.enabled
        assert any("corrupt" in w for w in cache.warnings)
        cache.put("link", "k", {"v": 1}, ttl=60)
        assert cache.get("link", "k") == {"v": 1}


def test_a_locked_file_is_waited_for_not_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with Cache(path) as first:
        first.put("link", "k", {"v": 1}, ttl=60)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode=DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(0.5, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        with Cache(path) as second:
            assert second.warnings == []
            assert second.get("link", "k") == {"v": 1}
    finally:
        release.join()
        holder.close()


def test_disabled_cache_stores_nothing() -> None:
    cache = Cache(None)
    cache.put("link", "k", {"v": 1}, ttl=60)
    assert cache.get("link", "k") is None and not cache.enabled
