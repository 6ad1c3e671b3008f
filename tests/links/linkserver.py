"""Loopback HTTP servers for the link-checking tests: one route per case.

A threaded `http.server` (raw socket access for resets, garbage and dribbling) on 127.0.0.1, a second
one on 127.0.0.2 (a loopback address the tests do not allow), and hit records per path so that tests
count requests on the server side."""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from refcheck.model import Link, LinkContext, LinkKind, Span

PAGE = """<!doctype html><html><head><title>Page</title><meta name="description" content="x"></head>
<body><h2 id="intro">Intro</h2><a name="legacy"></a>
<h2><a id="user-content-install" class="anchor" href="#install"></a>Install</h2>
<p id='single'>single quotes</p><p id=bare>bare</p><p id="a&amp;b">entity</p><p id="café">accent</p>
<script>{"richText":"<h3 id=\\"user-content-escaped\\">Escaped</h3>"}</script>
</body></html>
""".encode()

HUGE_SIZE = 1024**3  # advertised, never expected to be sent
BOMB_SIZE = 200 * 1024**2  # inflated size of the gzip bomb


@dataclass(frozen=True)
class Hit:
    method: str
    path: str
    headers: dict[str, str]
    at: float


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: dict[str, list[Hit]] = defaultdict(list)
        self.counters: dict[str, int] = defaultdict(int)
        self.sent: dict[str, int] = defaultdict(int)  # body bytes written, per path
        self.done: dict[str, float] = {}  # when the response to a path was finished

    def record(self, method: str, path: str, headers: dict[str, str]) -> int:
        with self.lock:
            self.hits[path].append(Hit(method, path, headers, time.monotonic()))
            self.counters[path] += 1
            return self.counters[path]


_bomb_cache: list[bytes] = []


def _bomb() -> bytes:
    if not _bomb_cache:
        packer = zlib.compressobj(9, zlib.DEFLATED, 31)
        block = bytes(1024**2)
        blocks = (packer.compress(block) for _ in range(BOMB_SIZE // len(block)))
        _bomb_cache.append(b"".join(blocks) + packer.flush())
    return _bomb_cache[0]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    recorder: Recorder

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self._route("HEAD")

    def do_GET(self) -> None:
        self._route("GET")

    def _send(
        self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, reason: str | None = None
    ) -> None:
        self.send_response(status, reason)
        headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _route(self, method: str) -> None:
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query)
        count = self.recorder.record(method, path, {k.lower(): v for k, v in self.headers.items()})
        parts = path.strip("/").split("/")
        kind = parts[0]
        if kind in ("ok", "echo", "count"):
            self._send(200, b"<html>ok</html>")
        elif kind == "status":
            code = int(parts[1])
            self._send(code, b"<html>status</html>", reason="Unknown" if code == 999 else None)
        elif kind == "flaky":  # two failures (the HEAD and the first GET), then success
            self._send(500 if count <= 2 else 200)
        elif kind == "retry-after":
            if count == 1:
                self._send(429, headers={"Retry-After": "1"})
            else:
                self._send(200)
        elif kind == "retry-after-date":
            if count == 1:  # an HTTP date has whole seconds: this one is 1 to 2 s away
                self._send(429, headers={"Retry-After": formatdate(time.time() + 2, usegmt=True)})
            else:
                self._send(200)
        elif kind == "always429":
            self._send(429, headers={"Retry-After": "0"})
        elif kind == "come-back-later":
            self._send(429, headers={"Retry-After": "3600"})
        elif kind == "nohead":
            self._send(405 if method == "HEAD" else 200, b"<html>ok</html>")
        elif kind == "slow":
            time.sleep(float(query.get("s", ["3"])[0]))
            self._send(200)
            self.recorder.done[path] = time.monotonic()
        elif kind == "dribble":
            self._dribble(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        elif kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif kind == "garbage":
            self.wfile.write(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 not http at all\r\n\r\n")
            self.close_connection = True
        elif kind == "redirect":  # /redirect/<code>/<key>?to=<url or path>
            self._send(int(parts[1]), headers={"Location": query["to"][0]})
        elif kind == "chain":  # /chain/<n>/<key>: n hops of 302, then 200
            hops = int(parts[1])
            if hops == 0:
                self._send(200)
            else:
                self._send(302, headers={"Location": f"/chain/{hops - 1}/{parts[2]}"})
        elif kind == "loop":  # /loop/<a|b>/<key>
            other = "b" if parts[1] == "a" else "a"
            self._send(302, headers={"Location": f"/loop/{other}/{parts[2]}"})
        elif kind == "page.html" or kind == "page":
            self._send(200, PAGE)
        elif kind == "slow-get":  # HEAD answered at once, GET after ?s= seconds
            if method == "GET":
                time.sleep(float(query.get("s", ["3"])[0]))
            self._send(200, PAGE)
        elif kind == "pdf":
            self._send(200, b"%PDF-1.4", headers={"Content-Type": "application/pdf"})
        elif kind == "huge":
            if method == "HEAD":
                self._send(405)
            else:
                self._stream_huge(path)
        elif kind == "bomb":
            self._send(200, _bomb(), headers={"Content-Encoding": "gzip"})
        elif kind == "botwall":
            self._send(403, b"<html>blocked</html>", headers={"cf-mitigated": "challenge"})
        elif kind == "challenge":
            body = b"<html><head><title>Just a moment...</title></head><body>checking</body></html>"
            self._send(503, gzip.compress(body), headers={"Content-Encoding": "gzip"})
        elif kind == "forbidden":
            self._send(403, b"<html>forbidden</html>")
        else:
            self._send(404, b"<html>no such route</html>")

    def _dribble(self, data: bytes) -> None:
        try:
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.5)
        except OSError:
            pass
        self.close_connection = True

    def _stream_huge(self, path: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(HUGE_SIZE))
        self.end_headers()
        chunk = b"<p>" + b"x" * (64 * 1024 - 7) + b"</p>\n"
        try:
            while self.recorder.sent[path] < HUGE_SIZE:
                self.wfile.write(chunk)
                with self.recorder.lock:
                    self.recorder.sent[path] += len(chunk)
        except OSError:
            pass
        self.close_connection = True


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up on purpose (huge bodies, timeouts) are part of the tests


class Server:
    def __init__(self, host: str) -> None:
        self.recorder = Recorder()
        handler = type("BoundHandler", (Handler,), {"recorder": self.recorder})
        self.httpd = QuietServer((host, 0), handler)
        self.host = host
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"

    def hits(self, path: str) -> list[Hit]:
        with self.recorder.lock:
            return list(self.recorder.hits.get(path.split("?")[0].split("#")[0], []))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def non_loopback_ipv4() -> str | None:
    """This machine's address on a non-loopback interface, if it has one (no packet is sent)."""
    for probe in ("10.255.255.255", "192.0.2.1", "198.51.100.1"):
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.connect((probe, 9))
                address = str(sock.getsockname()[0])
        except OSError:
            continue
        if not address.startswith("127.") and address != "0.0.0.0":
            return address
    return None


BASE = {"allow_hosts": ("127.0.0.1",), "timeout": 1.0, "retries": 2, "retry_wait": 0.05}


def occurrences(urls: list[str], path: str = "doc.md") -> list[tuple[str, Link]]:
    """One link per line, each at column 3 (after `- `), spanning `<url>` with its brackets."""
    return [
        (path, Link(url, Span(n, 3, n, 3 + len(url) + 2), LinkKind.AUTOLINK, LinkContext.PROSE))
        for n, url in enumerate(urls, start=1)
    ]
