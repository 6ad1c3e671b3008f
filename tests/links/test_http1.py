"""The link checker's own HTTP/1.1 reading, held against h11 (the parser httpx uses) on generated
answers, and through the checker against a raw server: chunked and close-delimited pages, keep-alive."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import h11
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refcheck.links.http1 import Connection, Disconnected, InvalidResponse


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.sent = b""
        self.closing = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.sent += bytes(data)

    def is_closing(self) -> bool:
        return self.closing

    def abort(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def ours(method: bytes, pieces: list[bytes], eof: bool) -> tuple[str, object]:
    """(kind, result): ("ok", (status, reason, headers, body, reusable)) or ("invalid"/"closed", None)."""

    async def run() -> tuple[str, object]:
        connection = Connection()
        connection.connection_made(_Transport())
        for piece in pieces:
            connection.data_received(piece)
        if eof:
            connection.eof_received()
        try:
            response = await connection.request(method, b"/", b"Host: x\r\n")
            body = b""
            while chunk := await connection.read():
                body += chunk
        except InvalidResponse:
            return "invalid", None
        except Disconnected:
            return "closed", None
        return "ok", (response.status, response.reason, response.headers, body, connection.finish())

    return asyncio.run(asyncio.wait_for(run(), 5))


def theirs(method: bytes, pieces: list[bytes], eof: bool) -> tuple[str, object]:
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method=method, target="/", headers=[("Host", "x")]))
    conn.send(h11.EndOfMessage())
    conn.receive_data(b"".join(pieces))
    if eof:
        conn.receive_data(b"")
    response, body = None, b""
    try:
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA or isinstance(event, h11.ConnectionClosed):
                return "closed", None
            if isinstance(event, h11.Response):
                response = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                break
    except h11.RemoteProtocolError as exc:
        return ("closed" if "peer" in str(exc) else "invalid"), None
    assert response is not None
    wanted = {"location", "content-type", "content-length", "retry-after"}
    headers: dict[str, str] = {}
    for name, value in response.headers:
        if name.decode() in wanted:
            headers.setdefault(name.decode(), value.decode("latin-1"))
    reusable = conn.our_state is h11.DONE and conn.their_state is h11.DONE and not conn.trailing_data[0] and not eof
    return "ok", (response.status_code, response.reason.decode("latin-1"), headers, body, reusable)


_token = st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12).filter(
    lambda n: n.lower() not in {"content-length", "transfer-encoding", "connection"})
_value = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=20)


@st.composite
def answers(draw: st.DrawFn) -> tuple[bytes, list[bytes], bool]:
    method = draw(st.sampled_from([b"GET", b"HEAD"]))
    version = draw(st.sampled_from([b"1.1", b"1.1", b"1.0"]))
    status = draw(st.sampled_from([200, 204, 301, 304, 404, 429, 503]))
    reason = draw(st.sampled_from([b"", b"OK", b"Moved Permanently", b"Not Found here"]))
    head = [b"HTTP/%s %d%s" % (version, status, b" " + reason if reason else b"")]
    if draw(st.booleans()):
        head.append(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/%s %d %s" % (version, status, reason))
        head = head[1:]
    headers = [(name.encode(), value.encode()) for name, value in draw(st.lists(st.tuples(_token, _value), max_size=4))]
    if draw(st.booleans()):
        headers.append((b"Location", b"/elsewhere"))
    body = draw(st.binary(max_size=300))
    framing = draw(st.sampled_from(["length", "chunked", "close"]))
    eof = False
    if framing == "length":
        headers.append((b"Content-Length", str(len(body)).encode()))
        payload = body
    elif framing == "chunked":
        headers.append((b"Transfer-Encoding", b"chunked"))
        cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=4)))
        parts = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True) if b > a]
        ext = b";name=value" if draw(st.booleans()) else b""
        payload = b"".join(b"%x%s\r\n%s\r\n" % (len(p), ext, p) for p in parts) + b"0\r\n"
        payload += b"Trailer-Field: x\r\n\r\n" if draw(st.booleans()) else b"\r\n"
    else:
        payload, eof = body, True
    if draw(st.booleans()):
        headers.append((b"Connection", b"close"))
    newline = draw(st.sampled_from([b"\r\n", b"\n"]))
    raw = newline.join([*head, *(n + b": " + v for n, v in headers)]) + newline + newline
    if method == b"HEAD" or status in (204, 304):
        payload, eof = b"", False
    data = raw + payload
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=5)))
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    return method, pieces, eof


@settings(max_examples=300, deadline=None)
@given(answers())
def test_answers_read_as_h11_reads_them(answer: tuple[bytes, list[bytes], bool]) -> None:
    method, pieces, eof = answer
    assert ours(method, pieces, eof) == theirs(method, pieces, eof)


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "invalid"),
        (b"HTTP/1.1 2000 OK\r\n\r\n", "invalid"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "invalid"),
        (b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "invalid"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "invalid"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "invalid"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "invalid"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "invalid"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "closed"),
        (b"HTTP/1.1 200 OK\r\nContent-Le", "closed"),
        (b"", "closed"),
    ],
)
def test_malformed_or_cut_answers(raw: bytes, kind: str) -> None:
    assert ours(b"GET", [raw], True)[0] == kind
    if raw:  # nothing at all: h11 says "invalid", httpcore "disconnected without sending a response"
        assert theirs(b"GET", [raw], True)[0] == kind


def test_head_larger_than_the_limit_is_invalid() -> None:
    raw = b"HTTP/1.1 200 OK\r\n" + b"X-Padding: " + b"a" * 70_000 + b"\r\n\r\n"
    assert ours(b"GET", [raw], False)[0] == "invalid"


PAGE = b'<html><body><h2 id="intro">Intro</h2><a name="legacy"></a></body></html>'


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
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                method, path = head.split(b" ")[:2]
                served += 1
                if path.startswith(b"/one-per-connection") and served > 1:
                    return  # keeps no promise of keep-alive: closes on the next request, unanswered
                answer, close = self.answer(method, path)
                conn.sendall(answer)
                if close:
                    return

    def answer(self, method: bytes, path: bytes) -> tuple[bytes, bool]:
        if path.startswith(b"/one-per-connection"):
            return b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", False
        if path.startswith(b"/chunked"):
            head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
            if method == b"HEAD":
                return head, False
            body = b"".join(b"%x\r\n%s\r\n" % (len(PAGE[i : i + 7]), PAGE[i : i + 7]) for i in range(0, len(PAGE), 7))
            return head + body + b"0\r\n\r\n", False
        head = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n"
        return head + (b"" if method == b"HEAD" else PAGE), True

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def raw_server() -> Iterator[RawServer]:
    server = RawServer()
    yield server
    server.close()


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


def test_a_kept_alive_connection_closed_by_the_server_is_replaced_at_once(raw_server: RawServer, check) -> None:
    base = f"http://127.0.0.1:{raw_server.port}"
    start = time.monotonic()
    result = check([f"{base}/one-per-connection/a", f"{base}/one-per-connection/b"], max_per_host=1, retry_wait=5)
    assert time.monotonic() - start < 3  # not after a retry's backoff of 5 s
    assert result.diagnostics == []
    assert (raw_server.connections, result.requests) == (2, 3)
