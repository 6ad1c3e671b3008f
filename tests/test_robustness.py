"""Hostile and broken input: odd bytes and encodings, huge and deep files, Ctrl-C, and what refcheck writes."""

from __future__ import annotations

import codecs
import contextlib
import http.server
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from refcheck.cache import Cache
from refcheck.cli import main
from refcheck.config import Config
from refcheck.pipeline import check
from refcheck.sources import decode
from tests.conftest import REPO, findings

BAD = "Claimed by Nobody et al. (2020).\n\n## References\n\n- Smith, A. (2019). Title. Venue.\n"
BAD_FINDINGS = [(1, 12, "RC201"), (5, 3, "RC202")]


@pytest.mark.parametrize(
    ("data", "text", "codes", "line"),
    [
        (b"plain\n", "plain\n", [], None),
        (codecs.BOM_UTF8 + b"bom\n", "bom\n", [], None),
        (codecs.BOM_UTF16_LE + "wide\n".encode("utf-16-le"), "wide\n", [], None),
        (codecs.BOM_UTF16_BE + "wide\n".encode("utf-16-be"), "wide\n", [], None),
        (b"a\x00b", None, ["RC102"], 1),
        (b"ok\n" * 5000 + b"\x00", None, ["RC102"], 1),  # a NUL past the first 8 KB still counts
        (b"ok\nCaf\xe9\n", "ok\nCaf\ufffd\n", ["RC104"], 2),
        (b"a\r\nb\r\n\xff\r\n", "a\r\nb\r\n\ufffd\r\n", ["RC104"], 3),
        (b"a\rb\rc\r\xff", "a\rb\rc\r\ufffd", ["RC104"], 4),  # lone CR ends lines too
    ],
)
def test_decode_honours_boms_refuses_binary_and_names_the_first_bad_line(
    data: bytes, text: str | None, codes: list[str], line: int | None
) -> None:
    decoded, diagnostics = decode(data, "f.md")
    assert decoded == text
    assert [d.code for d in diagnostics] == codes
    if line is not None:
        assert diagnostics[0].span.line == line


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom"])
def test_positions_are_the_same_whatever_the_encoding_and_line_endings(
    run_json: Callable[..., tuple[int, dict[str, Any]]], encoding: str, newline: str
) -> None:
    text = BAD.replace("\n", newline)
    if encoding.endswith("-bom"):
        codec = encoding[: -len("-bom")]
        bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
        data = bom + text.encode(codec)
    else:
        data = text.encode(encoding)
    code, result = run_json({"a.md": data})
    assert code == 1
    assert findings(result) == BAD_FINDINGS


def test_invalid_utf8_is_reported_and_the_rest_still_checked(run_json: Callable[..., Any]) -> None:
    _, result = run_json({"a.md": b"Caf\xe9, claimed by Nobody et al. (2020).\n" + BAD.encode().split(b"\n", 1)[1]})
    column = len("Caf\ufffd, claimed by ") + 1
    assert findings(result) == [(1, 1, "RC104"), (1, column, "RC201"), (5, 3, "RC202")]


def test_binary_file_is_skipped_with_rc102(run_json: Callable[..., Any]) -> None:
    code, result = run_json({"a.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"})
    assert code == 1
    assert findings(result) == [(1, 1, "RC102")]
    assert result["summary"]["files"] == 1


def test_file_over_max_file_size_is_skipped_quickly(run_json: Callable[..., Any]) -> None:
    started = time.monotonic()
    code, result = run_json({"big.md": "[x] " * 1_000_000}, "--max-file-size", "1MB", ".")
    assert code == 0  # RC105 is a warning
    assert time.monotonic() - started < 10
    assert findings(result) == [(1, 1, "RC105")]
    assert "4,000,000 bytes, over max_file_size (1,000,000)" in result["diagnostics"][0]["message"]


def test_a_pipe_larger_than_max_file_size_is_read_only_up_to_the_limit(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    written: list[int] = []

    def writer() -> None:
        try:
            with open(fifo, "wb") as handle:
                for _ in range(300):  # 3 MB, unless the reader stops reading
                    handle.write(b"x" * 10_000)
                    written.append(1)
        except BrokenPipeError:
            pass

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    result = check([fifo], Config(offline=True, jobs=1, max_file_size=100_000))
    thread.join(10)
    assert [(d.code, d.message) for d in result.diagnostics] == [
        ("RC105", "file is over max_file_size (100,000 bytes); skipped")
    ]
    assert len(written) < 300


def test_five_megabyte_single_line_is_checked_with_positions_on_that_line(tmp_path: Path) -> None:
    items = ["(Nobody, 2019)", "[@key]", "`code [1]`", "$x$", "[a](#b)", "<b>", "https://e.org/x", "[^n]"]
    prose = "the model of data and we show that scaling works well in practice for large networks "
    line = "".join(prose + items[n % len(items)] + " " for n in range(50_000))[:5_000_000]
    path = tmp_path / "long.md"
    path.write_text(line + "\n\n## References\n\n- Smith, A. (2019). T.\n", encoding="utf-8")
    started = time.monotonic()
    result = check([path], Config(offline=True, jobs=1))
    assert time.monotonic() - started < 120  # a hang guard, not a timing
    on_line = [d for d in result.diagnostics if d.span.line == 1]
    assert len(on_line) > 5_000
    assert all(1 <= d.span.column < d.span.end_column <= len(line) + 1 for d in on_line)
    first = min(on_line, key=lambda d: d.span.column)
    assert line[first.span.column - 1] in "(#["


def test_hundred_thousand_links_in_one_file(tmp_path: Path) -> None:
    path = tmp_path / "links.md"
    rows = (" ".join(f"[l{n}](#a{n % 3})" for n in range(k, k + 100)) for k in range(0, 100_000, 100))
    path.write_text("# A0\n\n" + "\n\n".join(rows) + "\n", encoding="utf-8")
    result = check([path], Config(offline=True, jobs=1))
    assert result.summary.links == 100_000
    missing = [d for d in result.diagnostics if d.code == "RC405"]
    assert len(missing) == 66_666
    assert (missing[0].span.line, missing[0].span.column) == (3, 1 + len("[l0](#a0) "))


@pytest.mark.parametrize("depth", [1000, 3000])
def test_deep_blockquotes_and_lists_raise_no_recursion_error(tmp_path: Path, depth: int) -> None:
    quotes = ">" * depth + " Claimed by Nobody et al. (2020).\n\n"
    items = "".join("  " * n + "- item\n" for n in range(depth // 10)) + "\n"
    mixed = "".join("> " * n + "- a\n" for n in range(depth // 10)) + "\n"
    path = tmp_path / "deep.md"
    path.write_text(quotes + items + mixed + "## References\n\n- Smith, A. (2019). T.\n", encoding="utf-8")
    result = check([path], Config(offline=True, jobs=1))
    assert [(d.span.line, d.span.column, d.code) for d in result.diagnostics][:1] == [(1, depth + 13, "RC201")]


@pytest.mark.parametrize(
    "text",
    [
        "[a " * 200_000,
        "<a " * 200_000,
        "".join("`" * k + " x " for k in range(1, 600)),
        "$a " * 200_000,
        "(Smith " * 100_000,
        "[^1]: " * 50_000,
        "## References\n\n- Smith, A. (2019). " + "[a " * 100_000,
        "## References\n\n- Smith, A. (2019). " + "[" * 5_000 + "x" + "](u)" * 5_000,
        "Smith and Jones and " * 50_000,
        "![" * 200_000,
    ],
    ids=[
        "brackets",
        "tags",
        "backtick-runs",
        "dollars",
        "parens",
        "footnote-defs",
        "entry-brackets",
        "entry-nesting",
        "names",
        "images",
    ],
)
def test_unclosed_syntax_in_one_long_block_takes_linear_time(tmp_path: Path, text: str) -> None:
    path = tmp_path / "hostile.md"
    path.write_text(text + "\n", encoding="utf-8")
    started = time.monotonic()
    check([path], Config(offline=True, jobs=1))
    assert time.monotonic() - started < 60  # quadratic behaviour here takes hours


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def test_refcheck_writes_nothing_but_its_output_and_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text(BAD, encoding="utf-8")
    (tmp_path / "docs" / "b.md").write_bytes(b"Caf\xe9\r\n[x](missing.md)\r\n")
    (tmp_path / "docs" / "refs.bib").write_text("@article{a, title={T}, year={2020}}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    before = _snapshot(tmp_path)
    assert main(["--offline", "--cache", "cache.sqlite", "--format", "sarif", "-o", "report.sarif", "docs"]) == 1
    after = _snapshot(tmp_path)
    assert set(after) - set(before) <= {"report.sarif", "cache.sqlite"}
    assert {k: v for k, v in after.items() if k in before} == before
    assert json.loads((tmp_path / "report.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"


def test_output_into_a_missing_directory_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.md").write_text(BAD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["--offline", "--no-cache", "-o", "nowhere/report.json", "--format", "json", "a.md"]) == 2
    assert "refcheck: error: cannot write nowhere/report.json: No such file or directory" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md"]


# -- Ctrl-C -----------------------------------------------------------------------------------


def _refcheck(cwd: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "refcheck", "--format", "json", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _open_writer(fifo: Path, proc: subprocess.Popen[str]) -> int:
    """Open the FIFO for writing once refcheck opens it for reading (it is then blocked on it)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            time.sleep(0.01)
    raise AssertionError(f"refcheck never opened the pipe: {proc.communicate()}")


def test_ctrl_c_prints_findings_so_far_and_exits_130(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(BAD, encoding="utf-8")
    os.mkfifo(tmp_path / "z.md")  # reading it blocks: the run is stopped there
    proc = _refcheck(tmp_path, "--offline", "--no-cache", "--jobs", "1", "a.md", "z.md")
    writer = _open_writer(tmp_path / "z.md", proc)
    try:
        time.sleep(0.3)  # into the read that now blocks (a signal just before it would be missed)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        os.close(writer)
    assert proc.returncode == 130
    assert "Traceback" not in err and "interrupted" in err
    data = json.loads(out)
    assert findings(data) == BAD_FINDINGS
    assert data["notices"] == ["interrupted: 1 of 2 files checked"]


def test_ctrl_c_ends_worker_processes_without_tracebacks(tmp_path: Path) -> None:
    for n in range(20):
        (tmp_path / f"a{n:02d}.md").write_text(BAD, encoding="utf-8")
    os.mkfifo(tmp_path / "z.md")
    proc = _refcheck(tmp_path, "--offline", "--no-cache", "--jobs", "2", *(f"a{n:02d}.md" for n in range(20)), "z.md")
    writer = _open_writer(tmp_path / "z.md", proc)
    try:
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        os.close(writer)
    assert proc.returncode == 130
    assert "Traceback" not in err
    data = json.loads(out)
    checked = int(data["notices"][0].split()[1])
    assert data["notices"] == [f"interrupted: {checked} of 21 files checked"] and checked < 21
    assert len(data["diagnostics"]) == 2 * checked


class _SlowCrossref(http.server.BaseHTTPRequestHandler):
    """Answers the first DOI at once (404) and holds the second until the test lets it go."""

    asked = threading.Event()
    release = threading.Event()

    def do_GET(self) -> None:
        if "second" in self.path:
            type(self).asked.set()
            type(self).release.wait(20)
        body = json.dumps({"status": "error", "message": "Resource not found."}).encode()
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_crossref() -> Iterator[str]:
    _SlowCrossref.asked.clear()
    _SlowCrossref.release.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowCrossref)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    _SlowCrossref.release.set()
    server.shutdown()
    server.server_close()


def test_ctrl_c_during_lookups_keeps_the_cache_valid(tmp_path: Path, slow_crossref: str) -> None:
    (tmp_path / "a.md").write_text(
        "Text (Smith, 2019) and (Lee, 2020).\n\n## References\n\n"
        "- Smith, A. (2019). First. doi:10.1000/first\n- Lee, B. (2020). Second. doi:10.1000/second\n",
        encoding="utf-8",
    )
    cache = tmp_path / "cache.sqlite"
    args = ["--no-links", "--cache", str(cache), "--crossref-api-url", slow_crossref, "--retries", "0", "a.md"]
    proc = _refcheck(tmp_path, *args)
    assert _SlowCrossref.asked.wait(30), proc.communicate()
    time.sleep(0.3)  # let the first answer reach the cache
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert json.loads(out)["notices"][-1] == "interrupted: 1 of 1 files checked"
    with contextlib.closing(sqlite3.connect(cache)) as db:  # sqlite3's own `with` does not close
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with Cache(cache) as reopened:
        assert reopened.warnings == []
    _SlowCrossref.release.set()
    again = _refcheck(tmp_path, *args)
    out, err = again.communicate(timeout=60)
    assert again.returncode in (1, 3) and "Traceback" not in err
    assert not any("cache" in notice for notice in json.loads(out)["notices"])


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_bibtex_positions_are_the_same_whatever_the_line_endings(
    run_json: Callable[..., tuple[int, dict[str, Any]]], newline: str
) -> None:
    bib_text = "@article{a,\n  title = {T},\n  year = {2020}}\n\n@article{a,\n  title = {U}}\n"
    doc = "---\nbibliography: refs.bib\n---\nCited [@a].\n"
    _, result = run_json({"refs.bib": bib_text.replace("\n", newline).encode(), "a.md": doc}, "a.md")
    assert [(d["path"], d["line"], d["column"], d["code"]) for d in result["diagnostics"]] == [
        ("refs.bib", 5, 1, "RC205")
    ]


def test_resolved_paths_agree_with_path_resolve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sources.resolved` resolves a file's directory once and the file itself with one lstat."""
    from refcheck.sources import resolved

    real = tmp_path / "real"
    real.mkdir()
    (real / "a.md").write_text("x", encoding="utf-8")
    (tmp_path / "linked-dir").symlink_to(real)
    (tmp_path / "linked-file.md").symlink_to(real / "a.md")
    monkeypatch.chdir(tmp_path)
    for path in [
        Path("real/a.md"),
        tmp_path / "real" / "a.md",
        Path("linked-dir/a.md"),
        Path("linked-file.md"),
        Path("linked-dir/../real/a.md"),
        Path("real/missing.md"),
        Path("."),
    ]:
        assert resolved(path) == path.resolve(), path
