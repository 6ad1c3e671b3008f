"""A small sqlite cache of link results and metadata records, with expiry, safe across processes."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import platformdirs

SCHEMA_VERSION = 1


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def default_cache_path() -> Path:
    return Path(platformdirs.user_cache_dir("refcheck")) / "cache.sqlite3"


class Cache:
    """Key/value records in namespaces (`link`, `arxiv`, `crossref`), each stored with an expiry time.

    WAL mode and a busy timeout let several refcheck processes share one file (pre-commit runs hooks in
    parallel). A corrupt or foreign file is moved aside and rebuilt; `warnings` says so once.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.warnings: list[str] = []
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = self._open(path)

    def _open(self, path: Path) -> sqlite3.Connection | None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return self._connect_waiting(path)
        except sqlite3.OperationalError as exc:
            if _is_busy(exc):
                self.warnings.append(f"cache {path} stayed locked by another process; not used this run")
                return None
            return self._rebuild(path, exc)
        except sqlite3.DatabaseError as exc:
            return self._rebuild(path, exc)
        except OSError as exc:
            self.warnings.append(f"cache disabled: cannot open {path}: {exc.strerror or exc}")
            return None

    def _rebuild(self, path: Path, exc: sqlite3.DatabaseError) -> sqlite3.Connection | None:
        """Move a corrupt file aside (as `.corrupt`) and start an empty cache."""
        self.warnings.append(f"cache {path} is corrupt ({exc}); rebuilt")
        try:
            path.replace(path.with_name(path.name + ".corrupt"))
            for suffix in ("-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            return self._connect(path)
        except (OSError, sqlite3.DatabaseError) as exc2:
            self.warnings.append(f"cache disabled: {exc2}")
            return None

    @classmethod
    def _connect_waiting(cls, path: Path, patience: float = 10.0) -> sqlite3.Connection:
        """Connect, waiting while another process holds a lock: a busy file is not a corrupt one."""
        deadline = time.monotonic() + patience
        while True:
            try:
                return cls._connect(path)
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS entries (namespace TEXT NOT NULL, key TEXT NOT NULL, "
                "value TEXT NOT NULL, expires REAL NOT NULL, PRIMARY KEY (namespace, key))"
            )
            db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            db.execute("SELECT count(*) FROM entries").fetchone()
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def get(self, namespace: str, key: str) -> dict[str, Any] | None:
        """The stored value, or None when absent, expired or unreadable."""
        if self._db is None:
            return None
        try:
            with self._lock:
                row = self._db.execute(
                    "SELECT value, expires FROM entries WHERE namespace = ? AND key = ?", (namespace, key)
                ).fetchone()
        except sqlite3.Error:
            return None
        if row is None or row[1] < time.time():
            return None
        try:
            value = json.loads(row[0])
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def put(self, namespace: str, key: str, value: dict[str, Any], ttl: float) -> None:
        """Store `value` for `ttl` seconds; a failed write only loses the cache entry."""
        if self._db is None or ttl <= 0:
            return
        try:
            with self._lock:
                self._db.execute(
                    "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)",
                    (namespace, key, json.dumps(value, separators=(",", ":")), time.time() + ttl),
                )
        except sqlite3.Error as exc:
            if not any("cache write failed" in w for w in self.warnings):
                self.warnings.append(f"cache write failed: {exc}")

    def delete(self, namespace: str, key: str) -> None:
        if self._db is None:
            return
        try:
            with self._lock:
                self._db.execute("DELETE FROM entries WHERE namespace = ? AND key = ?", (namespace, key))
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
