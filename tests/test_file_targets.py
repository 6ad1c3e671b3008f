"""The files refcheck writes: the cache and `--output` are regular files (or absent); a directory, a
FIFO, a device or a symlink leading elsewhere is refused with exit 2 before the run, and left as it was."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from refcheck.cli import main
from tests.conftest import REPO

BAD = "Claimed by Nobody et al. (2020).\n\n## References\n\n- Smith, A. (2019). Title. Venue.\n"


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory inside tmp_path (so that `..` is tmp_path) holding one document."""
    root = tmp_path / "work"
    root.mkdir()
    (root / "a.md").write_text(BAD, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def _listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# -- cache ------------------------------------------------------------------------------------


@pytest.mark.parametrize("cache", [".", ".."])
def test_cache_naming_a_directory_is_exit_two_and_the_directory_is_untouched(
    work: Path, cache: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _listing(work.parent)
    assert main(["--no-verify", "--cache", cache, "a.md"]) == 2
    err = capsys.readouterr().err
    assert f"refcheck: error: --cache: {cache} is a directory; the cache must be a regular file" in err
    assert work.is_dir() and _listing(work) == ["a.md"]
    assert _listing(work.parent) == before


def test_cache_directory_in_the_config_file_is_exit_two_naming_the_file(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (work / ".refcheck.toml").write_text('cache = "."\n', encoding="utf-8")
    assert main(["--no-verify", "a.md"]) == 2
    err = capsys.readouterr().err
    assert f"refcheck: error: {work / '.refcheck.toml'}: cache: . is a directory" in err
    assert _listing(work) == [".refcheck.toml", "a.md"]
    assert _listing(work.parent) == ["work"]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: os.mkfifo(p), "is a FIFO"),
        (lambda p: p.symlink_to(p.parent), "is a symbolic link to a directory"),
        (lambda p: p.symlink_to(p.parent / "nothing"), "is a symbolic link to nothing"),
    ],
)
def test_cache_naming_a_fifo_or_a_bad_symlink_is_exit_two(
    work: Path, make: object, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = work / "cache.db"
    make(target)  # type: ignore[operator]
    kind = os.lstat(target).st_mode
    assert main(["--no-verify", "--cache", "cache.db", "a.md"]) == 2
    assert f"--cache: cache.db {reason}" in capsys.readouterr().err
    assert os.lstat(target).st_mode == kind
    assert not (work / "cache.db.corrupt").exists()


def test_cache_that_does_not_exist_yet_is_made_with_its_directory(work: Path) -> None:
    assert main(["--no-links", "--no-verify", "--cache", "new/dir/cache.db", "a.md"]) == 1
    (work / "link.db").symlink_to(work / "real.db")
    (work / "real.db").write_bytes(b"")
    assert main(["--offline", "--cache", "link.db", "a.md"]) == 1  # a symlink to a regular file is fine


# -- --output -----------------------------------------------------------------------------------


def test_output_symlink_leading_outside_is_refused_and_both_are_kept(
    work: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    (work / "link.json").symlink_to(victim)
    assert main(["--offline", "--format", "json", "-o", "link.json", "a.md"]) == 2
    assert f"--output: link.json is a symbolic link to {victim}, outside the working directory" in (
        capsys.readouterr().err
    )
    assert (work / "link.json").is_symlink() and victim.read_text(encoding="utf-8") == "keep me\n"


def test_output_symlink_to_a_file_inside_writes_that_file_and_keeps_the_link(work: Path) -> None:
    (work / "reports").mkdir()
    (work / "reports" / "real.json").write_text("old", encoding="utf-8")
    (work / "link.json").symlink_to(Path("reports") / "real.json")
    assert main(["--offline", "--format", "json", "-o", "link.json", "a.md"]) == 1
    assert (work / "link.json").is_symlink()
    assert json.loads((work / "reports" / "real.json").read_text(encoding="utf-8"))["summary"]["errors"] == 1
    assert _listing(work / "reports") == ["real.json"]  # no temporary file left


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("fifo", "--output: fifo is a FIFO; refcheck writes only regular files"),
        ("link-to-fifo", "--output: link-to-fifo is a symbolic link to a FIFO"),
        ("link-to-nothing", "--output: link-to-nothing is a symbolic link to nothing"),
        (".", "--output: . is a directory"),
        ("sub", "--output: sub is a directory"),
        ("", "--output: an empty path"),
        ("a\x00b", "--output: a path cannot contain a NUL byte"),
    ],
)
def test_output_to_anything_but_a_regular_file_is_refused_before_the_run(
    work: Path, target: str, reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(work / "fifo")
    (work / "link-to-fifo").symlink_to(work / "fifo")
    (work / "link-to-nothing").symlink_to(work / "nothing")
    (work / "sub").mkdir()
    before = {p.name: os.lstat(p).st_mode for p in work.iterdir()}
    assert main(["--offline", "--format", "json", "-o", target, "a.md"]) == 2
    captured = capsys.readouterr()
    assert f"refcheck: error: {reason}" in captured.err and "Traceback" not in captured.err
    assert captured.out == ""  # refused before the run: no report anywhere
    assert {p.name: os.lstat(p).st_mode for p in work.iterdir()} == before


def test_output_to_a_device_is_refused_and_it_stays_a_device(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    node = work / "null"
    try:  # what /dev/null is, made here: a regression must not replace the machine's own /dev nodes
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:  # not root: /dev/full itself is safe, refcheck cannot replace it anyway
        node = Path("/dev/full")
    assert main(["--offline", "--format", "json", "-o", str(node), "a.md"]) == 2
    assert f"--output: {node} is a device; refcheck writes only regular files" in capsys.readouterr().err
    assert stat.S_ISCHR(os.lstat(node).st_mode)


def _cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "refcheck", "--offline", "--format", "json", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(("output", "stream"), [("-", "stdout"), ("/dev/fd/1", "stdout"), ("/dev/fd/2", "stderr")])
def test_output_to_the_process_own_streams_is_written_through(work: Path, output: str, stream: str) -> None:
    proc = _cli(work, "-o", output, "a.md")
    assert proc.returncode == 1, proc.stderr
    written = proc.stdout if stream == "stdout" else proc.stderr.split("\n}\n")[0] + "\n}\n"
    assert json.loads(written)["summary"]["errors"] == 1
    if stream == "stderr":
        assert "1:12 RC201" in proc.stdout  # the console report still goes to standard output
    assert _listing(work) == ["a.md"]


def test_output_replaces_a_regular_file_atomically_keeping_its_permissions(work: Path) -> None:
    report = work / "report.json"
    report.write_text("old", encoding="utf-8")
    report.chmod(0o640)
    assert main(["--offline", "--format", "json", "-o", "report.json", "a.md"]) == 1
    assert json.loads(report.read_text(encoding="utf-8"))["summary"]["errors"] == 1
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert _listing(work) == ["a.md", "report.json"]
