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


def corrupt_cache(path: Path) -> None:
    """A cache refcheck made (its marker in the header intact) whose pages are then overwritten."""
    with Cache(path) as cache:
        cache.put("link", "k", {"v": 1}, ttl=60)
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\xff" * (len(data) - 100))


def test_a_corrupt_cache_of_refchecks_own_is_rebuilt_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    corrupt_cache(path)
    with Cache(path) as cache:
        assert cache.enabled
        assert any("corrupt" in w and "rebuilt" in w for w in cache.warnings)
        cache.put("link", "k", {"v": 2}, ttl=60)
        assert cache.get("link", "k") == {"v": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.sqlite3"]  # nothing moved aside


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
