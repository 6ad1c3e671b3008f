"""Metadata answers that are huge, compression bombs or nested without end make the entries unverified
(a notice, exit 3), never a finding, and never grow the process's memory: bodies are read within a cap
(declared and decoded size), JSON and XML within a depth."""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HUGE = 64 * 1024**2  # bytes a route offers, sent lazily while the client reads
BOMB_SIZE = 1024**3  # what the gzip bomb inflates to
DEEP = 100_000
DOC = """A claim (Smith, 2019) and another (Lee, 2020).

## References

- Smith, A. (2019). First paper. arXiv:2001.08361
- Lee, B. (2020). Second paper. doi:10.1000/second
"""


def _bomb() -> bytes:
    """A valid gzip member of `BOMB_SIZE` zeros: one fully flushed deflate piece per MiB, repeated."""
    zeros = bytes(1024**2)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(BOMB_SIZE // len(zeros)):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + piece * (BOMB_SIZE // len(zeros)) + packer.flush() + struct.pack("<II", crc, BOMB_SIZE % 2**32)


# refcheck's own entry point, reporting the process's peak resident memory (Linux) on stderr at exit.
_PEAK_REPORTING = """
import atexit, os, runpy, sys
def peak():
    if os.path.exists("/proc/self/status"):
        print(next((l for l in open("/proc/self/status") if l.startswith("VmHWM")), ""), file=sys.stderr)
atexit.register(peak)
sys.argv[0] = "refcheck"
runpy.run_module("refcheck", run_name="__main__")
"""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    route = "huge"
    sent = 0
    bomb = b""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        kind = type(self).route
        xml = self.path.startswith("/arxiv")
        try:
            if kind in ("huge", "huge-undeclared"):
                self.send_response(200)
                if kind == "huge":
                    self.send_header("Content-Length", str(HUGE))
                self.send_header("Connection", "close")
                self.end_headers()
                chunk = b" " * 65536
                while type(self).sent < HUGE:
                    self.wfile.write(chunk)
                    type(self).sent += len(chunk)
            elif kind == "bomb":
                self._send(type(self).bomb, {"Content-Encoding": "gzip"})
            elif kind == "html":
                self._send(b"<!DOCTYPE html><html><body>Maintenance</body></html>", {"Content-Type": "text/html"})
            elif kind == "no-title":
                item = {"DOI": "10.1000/x", "author": [{"given": "Ann", "family": "Smith"}], "score": 9.0}
                self._send(json.dumps({"status": "ok", "message": {"items": [item] * 5}}).encode(), {})
            elif kind == "many-authors":
                names = [{"given": f"Given{n}", "family": f"Family{n}"} for n in range(3000)]
                item = {
                    "DOI": "10.1000/x",
                    "title": ["Recursive gradient folding for sparse transformers"],
                    "author": names,
                    "issued": {"date-parts": [[2021]]},
                }
                self._send(json.dumps({"status": "ok", "message": {"items": [item]}}).encode(), {})
            elif kind == "deep":
                if xml:
                    body = b'<feed xmlns="http://www.w3.org/2005/Atom">' + b"<a>" * DEEP + b"</a>" * DEEP + b"</feed>"
                else:
                    body = b'{"message": ' + b"[" * DEEP + b"]" * DEEP + b"}"
                self._send(body, {})
        except OSError:
            pass  # the client stopped reading: the point of the test
        self.close_connection = True

    def _send(self, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def hostile() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"bomb": _bomb()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def _refcheck(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`refcheck` on `post.md` with `args`, no links, no retries, its peak memory reported on stderr."""
    argv = [sys.executable, "-c", _PEAK_REPORTING, "--no-cache", "--no-links", "--format", "json", "--retries", "0"]
    return subprocess.run(
        [*argv, *args, "post.md"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


@pytest.mark.parametrize("route", ["huge", "huge-undeclared", "bomb", "deep"])
def test_a_hostile_metadata_answer_leaves_the_entries_unverified_and_memory_flat(
    hostile: tuple[str, type[_Handler]], tmp_path: Path, route: str
) -> None:
    base, handler = hostile
    handler.route, handler.sent = route, 0
    (tmp_path / "post.md").write_text(DOC, encoding="utf-8")
    urls = ["--arxiv-api-url", f"{base}/arxiv/query", "--crossref-api-url", f"{base}/crossref"]
    done = _refcheck(tmp_path, "--arxiv-interval", "0", *urls)
    assert "Traceback" not in done.stderr, done.stderr
    data = json.loads(done.stdout)
    assert data["diagnostics"] == []
    assert data["summary"]["unverified_references"] == 2
    assert len(data["notices"]) == 2 and all("not verified" in n for n in data["notices"])
    assert done.returncode == 3
    peak = re.search(r"VmHWM:\s*(\d+) kB", done.stderr)
    if peak is not None:  # Linux: the process's own high-water mark (ru_maxrss would count the parent's)
        assert int(peak.group(1)) / 1024 < 250, f"peak memory {int(peak.group(1)) / 1024:.0f} MiB"
    if route.startswith("huge"):
        assert handler.sent < HUGE  # both answers (2 × 64 MiB offered) read up to the cap, not to the end


SEARCH_DOC = """A claim (Smith, 2021).

## References

- Smith, A., & Jones, B. (2021). Recursive gradient folding for sparse transformers. In NeurIPS.
"""


@pytest.mark.parametrize("route", ["huge", "huge-undeclared", "bomb", "deep", "html", "no-title", "many-authors"])
def test_a_hostile_search_answer_leaves_the_entry_unverified_and_memory_flat(
    hostile: tuple[str, type[_Handler]], tmp_path: Path, route: str
) -> None:
    base, handler = hostile
    handler.route, handler.sent = route, 0
    (tmp_path / "post.md").write_text(SEARCH_DOC, encoding="utf-8")
    done = _refcheck(tmp_path, "--verify-sources", "crossref", "--crossref-api-url", f"{base}/crossref")
    assert "Traceback" not in done.stderr, done.stderr
    data = json.loads(done.stdout)
    peak = re.search(r"VmHWM:\s*(\d+) kB", done.stderr)
    if peak is not None:
        assert int(peak.group(1)) / 1024 < 200, f"peak memory {int(peak.group(1)) / 1024:.0f} MiB"
    if route == "many-authors":  # a real answer, only long: compared on its first 1,000 names, no finding
        assert [d["code"] for d in data["diagnostics"]] == ["RC503"]
        assert "Given0 Family0, Given1 Family1, Given2 Family2 and 997 others" in data["diagnostics"][0]["message"]
        return
    assert data["diagnostics"] == []
    assert data["summary"]["unverified_references"] == 1
    why = {
        "huge": "answer larger than 10 MiB (67108864 bytes declared)",
        "huge-undeclared": "answer larger than 10 MiB (more than 10485760 bytes)",
        "bomb": "answer larger than 10 MiB (more than 10485760 bytes)",
        "deep": "unreadable answer (JSON nested too deep)",
        "html": "unreadable answer (text/html, not JSON)",
        "no-title": "answer without usable records (no titles)",
    }[route]
    assert data["notices"] == [f"Crossref unavailable ({why}): 1 entry not verified by title"]
    assert done.returncode == 3
