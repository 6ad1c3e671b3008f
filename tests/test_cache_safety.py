"""The cache never renames, deletes or writes what refcheck did not create, and reads every row warily."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from refcheck.cache import APPLICATION_ID, Cache


def _snapshot(directory: Path) -> dict[str, bytes | str]:
    """Every entry of `directory`: a file's bytes, or what else it is."""
    out: dict[str, bytes | str] = {}
    for entry in sorted(directory.iterdir()):
        if entry.is_symlink():
            out[entry.name] = f"symlink to {os.readlink(entry)}"
        elif entry.is_file():
            out[entry.name] = entry.read_bytes()
        else:
            out[entry.name] = "directory" if entry.is_dir() else "other"
    return out


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _directory(path: Path) -> None:
    path.mkdir()
    (path / "notes.md").write_text("mine\n", encoding="utf-8")


def _symlink_to_directory(path: Path) -> None:
    (path.parent / "real-dir").mkdir()
    path.symlink_to(path.parent / "real-dir")


def _dangling_symlink(path: Path) -> None:
    path.symlink_to(path.parent / "nowhere")


def _text_file(path: Path) -> None:
    path.write_bytes(b"this is not a database\n" * 200)


def _foreign_database(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE accounts (name TEXT)")
        db.execute("INSERT INTO accounts VALUES ('alice')")
        db.commit()


def _other_programs_database(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA application_id = 1234")
        db.execute("CREATE TABLE entries (x)")
        db.commit()


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (_directory, "is a directory"),
        (_fifo, "is a FIFO"),
        (_symlink_to_directory, "is a directory"),
        (_dangling_symlink, "symlink to nothing"),
        (_text_file, "is not an sqlite database"),
        (_foreign_database, "did not create"),
        (_other_programs_database, "another program's sqlite database"),
    ],
)
def test_what_refcheck_did_not_create_is_left_alone_and_the_cache_disabled(
    tmp_path: Path, make: object, said: str
) -> None:
    path = tmp_path / "cache.sqlite3"
    make(path)  # type: ignore[operator]
    before = _snapshot(tmp_path)
    with Cache(path) as cache:
        assert not cache.enabled
        cache.put("link", "k", {"v": 1}, ttl=60)
    assert len(cache.warnings) == 1
    assert str(path) in cache.warnings[0] and said in cache.warnings[0], cache.warnings
    assert _snapshot(tmp_path) == before  # nothing renamed, replaced, written or created beside it


def test_the_working_directory_as_cache_is_not_renamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text("x\n", encoding="utf-8")
    with Cache(Path(".")) as cache:
        assert not cache.enabled and "is a directory" in cache.warnings[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md"]


def test_a_device_is_not_opened(tmp_path: Path) -> None:
    # A private null device in the test's own directory, never /dev/null itself: code that moves a
    # "corrupt" cache aside would rename the system's device node.
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot create a device node: {exc}")
    with Cache(device) as cache:
        assert not cache.enabled and "is a device" in cache.warnings[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"] and stat.S_ISCHR(device.lstat().st_mode)


def test_a_cache_written_before_the_marker_is_adopted_with_its_entries(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:  # the layout refcheck 0.x wrote, without the marker
        db.execute(
            "CREATE TABLE entries (namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
            "expires REAL NOT NULL, PRIMARY KEY (namespace, key))"
        )
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
        db.execute("INSERT INTO entries VALUES ('link', 'k', '{\"v\": 1}', 1e12)")
        db.commit()
    with Cache(path) as cache:
        assert cache.warnings == [] and cache.get("link", "k") == {"v": 1}
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_a_symlink_to_a_cache_file_is_used_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.sqlite3"
    with Cache(real) as cache:
        cache.put("link", "k", {"v": 1}, ttl=60)
    link = tmp_path / "link.sqlite3"
    link.symlink_to(real)
    with Cache(link) as cache:
        assert cache.get("link", "k") == {"v": 1}
    assert link.is_symlink()


@pytest.mark.parametrize(
    ("value", "expires"),
    [
        ("not json", 1e12),
        ("[1, 2]", 1e12),
        ("[" * 100_000 + "]" * 100_000, 1e12),  # deeper than json's recursion limit
        ('{"v": 1}', "tomorrow"),  # sqlite keeps text that is not a number as text, even in a REAL column
        ('{"v": 1}', b"\x00"),
        (b'{"v": 1}', 1e12),  # a blob
        (12, 1e12),
    ],
)
def test_a_malformed_row_is_a_miss(tmp_path: Path, value: object, expires: object) -> None:
    path = tmp_path / "c.sqlite3"
    Cache(path).close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("INSERT INTO entries VALUES ('link', 'k', ?, ?)", (value, expires))
        db.commit()
    with Cache(path) as cache:
        assert cache.get("link", "k") is None
        assert cache.warnings == []
