"""Servers on 127.0.0.1 that never finish an answer, for the whole-run deadline (`timeout_total`).

Each listens on its own port and serves every connection in a daemon thread, byte by byte:

- `slowloris`: a status line, then one header byte every 0.2 s, never the blank line that ends them.
- `endless`: complete headers, then a body of one chunk every 0.1 s, forever.
- `silent`: accepts the connection and sends nothing; for an `https://` URL that is a TLS handshake
  that never completes, for `http://` a request that is never answered.
- `garbage`: a line that is not HTTP at all, then the connection is closed.

Also used by `bench/deadline.py`, which reports how long after `timeout_total` a run really ends.
"""

from __future__ import annotations

import socket
import sys
import threading
from collections.abc import Callable

KINDS = ("slowloris", "endless", "silent", "garbage")


def _slowloris(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    while not stop.is_set():
        for byte in b"X-Padding: aaaaaaaaaaaaaaaaaaaa\r\n":
            conn.sendall(bytes([byte]))
            if stop.wait(0.2):
                return


def _endless(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")
    piece = b"<p>still going</p>"
    while not stop.wait(0.1):
        conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))


def _silent(conn: socket.socket, stop: threading.Event) -> None:
    stop.wait()


def _garbage(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 not http\r\n\r\n")


_BEHAVIOURS: dict[str, Callable[[socket.socket, threading.Event], None]] = {
    "slowloris": _slowloris,
    "endless": _endless,
    "silent": _silent,
    "garbage": _garbage,
}


class HostileServer:
    """One behaviour on one loopback port; `close()` ends every connection it holds."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.behaviour = _BEHAVIOURS[kind]
        self.stop = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url(self, path: str = "/", *, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(None)
                if self.kind != "silent":
                    conn.recv(65536)  # the request (or a TLS ClientHello), read and ignored
                self.behaviour(conn, self.stop)
            except OSError:
                pass  # the client gave up: that is the point

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self._thread.join(timeout=2)

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def started(kinds: tuple[str, ...] = KINDS) -> dict[str, HostileServer]:
    return {kind: HostileServer(kind) for kind in kinds}


def refcheck_argv(arxiv_api: str, *args: str) -> list[str]:
    """`python -m refcheck` with `args`, as runs against these servers start: JSON, no cache, loopback
    links allowed, arXiv's API at `arxiv_api` without its pacing."""
    return [
        *(sys.executable, "-m", "refcheck", "--no-cache", "--format", "json", "--allow-host", "127.0.0.1"),
        *("--arxiv-interval", "0", "--arxiv-api-url", arxiv_api, *args),
    ]
