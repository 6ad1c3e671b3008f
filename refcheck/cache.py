"""A small sqlite cache of link results and metadata records, with expiry, safe across processes."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from refcheck.sources import file_kind

T = TypeVar("T")

SCHEMA_VERSION = 1
APPLICATION_ID = 0x52436B31  # "RCk1" in the sqlite header: the file is a refcheck cache
_SQLITE_MAGIC = b"SQLite format 3\x00"
_OUR_TABLES = frozenset({"entries", "meta"})
OPEN_PATIENCE = 10.0  # seconds to wait for another process's lock when opening, at most
USE_PATIENCE = 2.0  # the same for one read or write during the run
_BUSY_STEP = 0.1  # sqlite's own wait per statement; longer waits loop in Python, where Ctrl-C is seen
_DEADLINE_SHARE = 0.25  # of the time left before the run's deadline, the most a lock is waited for


class _Foreign(Exception):
    """The path holds something refcheck did not create: it is left alone."""


def _is_busy(exc: sqlite3.Error) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def default_cache_path() -> Path:
    import platformdirs  # imported here: --no-cache runs do not need it

    return Path(platformdirs.user_cache_dir("refcheck")) / "cache.sqlite3"


def _application_id(path: Path) -> int | None:
    """The application_id in an sqlite file's header, None for a file that is not sqlite."""
    with path.open("rb") as handle:
        header = handle.read(100)
    return int.from_bytes(header[68:72], "big") if header.startswith(_SQLITE_MAGIC) else None


class Cache:
    """Key/value records in namespaces (`link`, `arxiv`, `crossref`), each stored with an expiry time.

    WAL mode and bounded lock waits let several refcheck processes share one file (pre-commit runs hooks
    in parallel). Only a file refcheck created is ever written, and only a corrupt one of its own is
    rebuilt; anything else at the path (a directory, a FIFO, another program's database) disables the
    cache for the run. `warnings` says so once. `deadline` (a `time.monotonic()` value) bounds every
    wait for another process's lock; a cache that stays locked is not used for the rest of the run.
    """

    def __init__(self, path: Path | None, *, deadline: float | None = None) -> None:
        self.path = path
        self.warnings: list[str] = []
        self._deadline = deadline
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._writable = True
        if path is not None:
            self._db = self._open(path)

    # ---- opening ------------------------------------------------------------------------------------

    def _patience(self, most: float) -> float:
        if self._deadline is None:
            return most
        return max(0.0, min(most, (self._deadline - time.monotonic()) * _DEADLINE_SHARE))

    def _open(self, path: Path) -> sqlite3.Connection | None:
        try:
            ours = self._inspect(path)
            if not ours:
                path.parent.mkdir(parents=True, exist_ok=True)
            return self._retrying(lambda: self._connect(path, adopt=not ours), self._patience(OPEN_PATIENCE))
        except _Foreign as exc:
            self.warnings.append(f"cache disabled: {path} {exc}; refcheck leaves it alone (choose another --cache)")
        except sqlite3.Error as exc:
            if _is_busy(exc):
                self.warnings.append(f"cache {path} stayed locked by another process; not used this run")
            elif self._has_our_marker(path):
                return self._rebuild(path, exc)
            else:
                self.warnings.append(f"cache disabled: {path} is not a readable refcheck cache ({exc})")
        except OSError as exc:
            self.warnings.append(f"cache disabled: cannot open {path}: {exc.strerror or exc}")
        return None

    @staticmethod
    def _inspect(path: Path) -> bool:
        """True for a refcheck cache, False for no file yet (or an empty one); `_Foreign` for the rest."""
        try:
            info = path.stat()
        except FileNotFoundError:
            if path.is_symlink():
                raise _Foreign("is a symlink to nothing") from None
            return False
        if not stat.S_ISREG(info.st_mode):
            raise _Foreign(f"is {file_kind(info.st_mode)}, not a cache file")
        if info.st_size == 0:
            return False
        application_id = _application_id(path)
        if application_id is None:
            raise _Foreign("is not an sqlite database")
        if application_id == APPLICATION_ID:
            return True
        if application_id != 0:
            raise _Foreign(f"is another program's sqlite database (application_id {application_id:#x})")
        return False  # refcheck before the marker, or another database: `_connect` looks at its tables

    @staticmethod
    def _has_our_marker(path: Path) -> bool:
        try:
            return _application_id(path) == APPLICATION_ID
        except OSError:
            return False

    def _rebuild(self, path: Path, exc: sqlite3.Error) -> sqlite3.Connection | None:
        """Replace a corrupt cache of refcheck's own (its marker is intact) by an empty one."""
        self.warnings.append(f"cache {path} is corrupt ({exc}); rebuilt")
        try:
            path = path.resolve()  # through a symlink, the file is rebuilt, not the link replaced
            for suffix in ("", "-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            return self._retrying(lambda: self._connect(path, adopt=True), self._patience(OPEN_PATIENCE))
        except (OSError, sqlite3.Error, _Foreign) as exc2:
            self.warnings.append(f"cache disabled: {exc2}")
            return None

    @staticmethod
    def _connect(path: Path, *, adopt: bool) -> sqlite3.Connection:
        """Open and set up the cache; `adopt` a file without the marker only if it holds nothing else.

        Nothing is written before the file is known to be refcheck's (a foreign database is not even
        switched to WAL mode)."""
        db = sqlite3.connect(path, timeout=_BUSY_STEP, isolation_level=None, check_same_thread=False)
        try:
            if adopt:
                tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if not tables <= _OUR_TABLES:
                    raise _Foreign("is an sqlite database refcheck did not create")
            if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            if db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(
                "CREATE TABLE IF NOT EXISTS entries (namespace TEXT NOT NULL, key TEXT NOT NULL, "
                "value TEXT NOT NULL, expires REAL NOT NULL, PRIMARY KEY (namespace, key))"
            )
            db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            if db.execute("SELECT 1 FROM meta WHERE name = 'schema'").fetchone() is None:
                db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            db.execute("SELECT count(*) FROM entries").fetchone()
        except (sqlite3.Error, _Foreign):
            db.close()
            raise
        return db

    @staticmethod
    def _retrying(action: Callable[[], T], patience: float) -> T:
        """`action`, repeated while another process holds a lock, for `patience` seconds at most."""
        deadline = time.monotonic() + patience
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() + _BUSY_STEP > deadline:
                    raise
                time.sleep(0.02)

    # ---- use ----------------------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self._db is not None

    def _run(self, action: Callable[[sqlite3.Connection], T]) -> T:
        """`action` on the database under the thread lock, waiting a bounded time for other processes."""
        db = self._db
        assert db is not None
        with self._lock:
            return self._retrying(lambda: action(db), self._patience(USE_PATIENCE))

    def _locked_out(self, exc: sqlite3.Error) -> None:
        if _is_busy(exc):
            locked = f"cache {self.path} stayed locked by another process; not used for the rest of the run"
            self.warnings.append(locked)
            self.close()

    def get(self, namespace: str, key: str) -> dict[str, Any] | None:
        """The stored value, or None when absent, expired or unreadable (a malformed row is a miss)."""
        if self._db is None:
            return None
        try:
            row = self._run(
                lambda db: db.execute(
                    "SELECT value, expires FROM entries WHERE namespace = ? AND key = ?", (namespace, key)
                ).fetchone()
            )
        except sqlite3.Error as exc:
            self._locked_out(exc)
            return None
        if row is None:
            return None
        text, expires = row
        if not isinstance(expires, (int, float)) or expires < time.time() or not isinstance(text, str):
            return None
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            return None
        return value if isinstance(value, dict) else None

    def put(self, namespace: str, key: str, value: dict[str, Any], ttl: float) -> None:
        """Store `value` for `ttl` seconds; a failed write only loses the cache entry."""
        if self._db is None or not self._writable or ttl <= 0:
            return
        row = (namespace, key, json.dumps(value, separators=(",", ":")), time.time() + ttl)
        try:
            self._run(lambda db: db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)", row))
        except sqlite3.Error as exc:
            self._writable = False  # one failed write (a lock held elsewhere, a full disk) is waited for once
            self.warnings.append(f"cache {self.path}: write failed ({exc}); nothing more is stored this run")

    def delete(self, namespace: str, key: str) -> None:
        if self._db is None or not self._writable:
            return
        with contextlib.suppress(sqlite3.Error):
            self._run(lambda db: db.execute("DELETE FROM entries WHERE namespace = ? AND key = ?", (namespace, key)))

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
