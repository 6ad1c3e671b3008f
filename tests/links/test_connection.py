"""The link checker's HTTP/1.1 connections (h11 reading the answers) through the link stage, against a
raw server: malformed and cut-off answers, oversize heads, chunked and close-delimited pages, keep-alive."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

PAGE = b'<html><body><h2 id="intro">Intro</h2><a name="legacy"></a></body></html>'
HTML = b"Content-Type: text/html\r\n"
INVALID = "invalid HTTP response"
CLOSED = "connection closed by the server without an answer"

# Raw answers (sent, then the connection closed), the start of the problem each must be reported with,
# and whether it lies in the body only (a HEAD, reading no further than the head, finds the link fine).
MALFORMED: list[tuple[bytes, str, bool]] = [
    (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", INVALID, False),
    (b"HTTP/1.1 2000 OK\r\n\r\n", INVALID, False),
    (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", INVALID, False),
    (b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", INVALID, False),
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", INVALID, False),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", INVALID, False),
    (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", INVALID, False),
    (b"HTTP/1.1 200 OK\r\n" + HTML + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", INVALID, True),
    (b"HTTP/1.1 200 OK\r\n" + HTML + b"Content-Length: 10\r\n\r\nshort", CLOSED, True),
    (b"HTTP/1.1 200 OK\r\n" + HTML + b"Transfer-Encoding: chunked\r\n\r\n5\r\nab", CLOSED, True),
    (b"HTTP/1.1 200 OK\r\nContent-Le", CLOSED, False),
    (b"HTTP/1.1 200 OK\r\n" + b"X-Padding: " + b"a" * 1_000_000 + b"\r\n\r\n", INVALID, False),  # a head past 64 KiB
    (b"", CLOSED, False),
]


class RawServer:
    """Answers every request on a connection with `answer(path)` (raw bytes); counts connections."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        served = 0
        with conn:
            while True:
                while b"\r\n\r\n" not in buffer:
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    buffer += data
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                method, path = head.split(b" ")[:2]
                served += 1
                if path.startswith(b"/one-per-connection") and served > 1:
                    return  # keeps no promise of keep-alive: closes on the next request, unanswered
                answer, close = self.answer(method, path)
                try:
                    conn.sendall(answer)
                except OSError:
                    return
                if close:
                    return

    def answer(self, method: bytes, path: bytes) -> tuple[bytes, bool]:
        if path.startswith(b"/raw/"):
            return MALFORMED[int(path.split(b"/")[2])][0], True
        if path.startswith(b"/one-per-connection"):
            return b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", False
        if path.startswith(b"/chunked"):
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
            if method == b"HEAD":
                return head, False
            body = b"".join(
                b"%x;ext=1\r\n%s\r\n" % (len(PAGE[i : i + 7]), PAGE[i : i + 7]) for i in range(0, len(PAGE), 7)
            )
            return head + body + b"0\r\nTrailer-Field: x\r\n\r\n", False
        if path.startswith(b"/cut-body"):  # a body the check does not need, cut short by the close
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nshort", True
        if path.startswith(b"/short-body"):  # a body the check does not need, read so the connection serves on
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found", False
        head = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n"
        return head + (b"" if method == b"HEAD" else PAGE), True

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw_server() -> Iterator[RawServer]:
    server = RawServer()
    yield server
    server.close()


@pytest.mark.parametrize("method", ["HEAD", "GET"])
def test_malformed_or_cut_answers_are_clean_findings(raw_server: RawServer, check, method: str) -> None:
    base = f"http://127.0.0.1:{raw_server.port}"
    anchor = "#intro" if method == "GET" else ""  # an anchor to look for makes the first request a GET
    urls = [f"{base}/raw/{n}{anchor}" for n in range(len(MALFORMED))]
    result = check(urls, retries=0, max_per_host=4)
    found = {d.span.line: (d.code, d.span.column, d.message) for d in result.diagnostics}
    for line, (raw, problem, in_body) in enumerate(MALFORMED, start=1):
        if method == "HEAD" and in_body:
            continue
        code, column, message = found.pop(line)
        assert (code, column) == ("RC401", 3), raw[:40]
        assert message.startswith(f"{problem}"), (raw[:40], message)
    assert found == {}


def test_chunked_pages_are_scanned_for_anchors_over_one_kept_alive_connection(raw_server: RawServer, check) -> None:
    base = f"http://127.0.0.1:{raw_server.port}"
    urls = [f"{base}/chunked/a#intro", f"{base}/chunked/b#legacy", f"{base}/chunked/c#nowhere", f"{base}/chunked/d"]
    result = check(urls, max_per_host=1)
    assert [(d.code, d.span.line, d.span.column, d.message) for d in result.diagnostics] == [
        ("RC405", 3, 3, f"anchor #nowhere not found: {base}/chunked/c"),
    ]
    assert raw_server.connections == 1


def test_close_delimited_pages_are_scanned_to_the_end(raw_server: RawServer, check) -> None:
    base = f"http://127.0.0.1:{raw_server.port}"
    result = check([f"{base}/old/a#legacy", f"{base}/old/b#missing", f"{base}/old/c"], max_per_host=1)
    assert [(d.code, d.span.line, d.span.column) for d in result.diagnostics] == [("RC405", 2, 3)]
    assert raw_server.connections == 3  # HTTP/1.0: one connection per request


def test_a_short_unneeded_body_is_read_so_the_connection_serves_on(raw_server: RawServer, check) -> None:
    base = f"http://127.0.0.1:{raw_server.port}"
    result = check([f"{base}/short-body/a#x", f"{base}/short-body/b#x"], max_per_host=1, retries=0)
    assert [(d.code, d.span.line, d.span.column) for d in result.diagnostics] == [("RC401", 1, 3), ("RC401", 2, 3)]
    assert (raw_server.connections, result.requests) == (1, 2)


def test_an_unneeded_body_cut_short_costs_only_the_connection(raw_server: RawServer, check) -> None:
    base = f"http://127.0.0.1:{raw_server.port}"
    result = check([f"{base}/cut-body/a#x", f"{base}/cut-body/b#x"], max_per_host=1, retries=0)
    assert [(d.code, d.span.line, d.span.column, d.message) for d in result.diagnostics] == [
        ("RC401", line, 3, f"HTTP 404 Not Found: {base}/cut-body/{page}#x") for line, page in ((1, "a"), (2, "b"))
    ]
    assert (raw_server.connections, result.requests) == (2, 2)


def test_a_kept_alive_connection_closed_by_the_server_is_replaced_at_once(raw_server: RawServer, check) -> None:
    base = f"http://127.0.0.1:{raw_server.port}"
    start = time.monotonic()
    result = check([f"{base}/one-per-connection/a", f"{base}/one-per-connection/b"], max_per_host=1, retry_wait=5)
    assert time.monotonic() - start < 3  # not after a retry's backoff of 5 s
    assert result.diagnostics == []
    assert (raw_server.connections, result.requests) == (2, 3)
