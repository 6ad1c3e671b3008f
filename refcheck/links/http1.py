"""A lean HTTP/1.1 client connection: an asyncio protocol that writes a request and reads the answer.

One request at a time per connection, kept alive for the next. httpx and httpcore cost ~0.5 ms of
CPU per request (client layers, a pool scanning its connections, anyio locks and cancel scopes), and
h11's general event machinery most of what remained; the link checker needs none of it: its limits
already bound the connections per host, the whole request is bounded by the caller's timeout, and
an answer is read only as far as the check needs: the status line, a few headers, and a body only
when anchors or a challenge page are looked for. The answer's framing follows RFC 9112 section 6
(no body for HEAD, 1xx, 204 and 304; chunked; Content-Length; else until the server closes).
Reads pause above a high-water mark, so an unread body never piles up in memory.
"""

from __future__ import annotations

import asyncio
import errno
import re
import ssl
import time

_HIGH_WATER = 256 * 1024
MAX_HEAD = 64 * 1024  # status line and headers, at most
_MAX_LINE = 4096  # a chunk-size or trailer line
WANTED_HEADERS = frozenset({
    "location", "retry-after", "content-type", "content-encoding", "content-length", "cf-mitigated",
    "x-amzn-waf-action",
})
_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?: ([\t\x20-\x7e\x80-\xff]*))?")
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_FIELD_VALUE = re.compile(rb"[\t\x20-\x7e\x80-\xff]*")
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[\t\x20-\x7e\x80-\xff]*)?")
_TARGET = re.compile(rb"[\x21-\x7e]+")
_NO_BODY = frozenset({204, 304})
# Body framing of the answer being read.
_NONE, _LENGTH, _CHUNKED, _UNTIL_CLOSE = range(4)


class ReadFailed(Exception):
    """The connection broke while the answer was awaited; `underlying` is the OS or TLS error."""

    def __init__(self, underlying: BaseException) -> None:
        super().__init__(str(underlying) or type(underlying).__name__)
        self.underlying = underlying


class WriteFailed(ReadFailed):
    """The request could not be sent."""


class TLSFailed(ReadFailed):
    """The TLS handshake failed."""


class Disconnected(Exception):
    """The server closed the connection before the answer was complete."""


class InvalidResponse(Exception):
    """What the server sent is not HTTP/1.x."""


class Response:
    """Status, reason and the few headers the checker reads (lower-case names, first value)."""

    __slots__ = ("headers", "reason", "status")

    def __init__(self, status: int, reason: str, headers: dict[str, str]) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers


def _text(value: bytes) -> str:
    try:
        return value.decode("ascii")
    except UnicodeDecodeError:
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("latin-1")


def header_block(headers: list[tuple[str, str]]) -> bytes:
    """Request header lines, ready to send; ValueError for a name or value that HTTP cannot carry."""
    lines = []
    for name, value in headers:
        raw_name, raw_value = name.encode("latin-1"), value.strip().encode("latin-1")
        if not _TOKEN.fullmatch(raw_name) or not _FIELD_VALUE.fullmatch(raw_value):
            raise ValueError(f"header {name!r} cannot be sent")
        lines.append(raw_name + b": " + raw_value + b"\r\n")
    return b"".join(lines)


def parse_head(head: bytes, method: bytes) -> tuple[Response, int, int, bool]:
    """An answer's head (status line and header lines, without the blank line): the response, its
    body framing and length, and whether the connection may serve another request."""
    lines = head.split(b"\n")
    status_line = lines[0].removesuffix(b"\r")
    match = _STATUS_LINE.fullmatch(status_line)
    if match is None:
        raise InvalidResponse(f"illegal status line: {status_line[:80]!r}")
    fields: list[list[bytes]] = []
    for line in lines[1:]:
        line = line.removesuffix(b"\r")
        if line[:1] in (b" ", b"\t"):  # obsolete line folding: a continuation of the previous value
            if not fields or not _FIELD_VALUE.fullmatch(line):
                raise InvalidResponse(f"illegal header line: {line[:80]!r}")
            fields[-1][1] += b" " + line.strip(b" \t")
            continue
        name, colon, value = line.partition(b":")
        value = value.strip(b" \t")
        if not colon or not _TOKEN.fullmatch(name) or not _FIELD_VALUE.fullmatch(value):
            raise InvalidResponse(f"illegal header line: {line[:80]!r}")
        fields.append([name.lower(), value])
    wanted: dict[str, str] = {}
    lengths: set[bytes] = set()
    codings: list[bytes] = []
    keep_alive = match.group(1) == b"1"
    for raw_name, value in fields:
        key = raw_name.decode("ascii")
        if key in WANTED_HEADERS and key not in wanted:
            wanted[key] = _text(value)
        if key == "content-length":
            lengths.update(part.strip() for part in value.split(b","))
        elif key == "transfer-encoding":
            codings += [c.strip().lower() for c in value.split(b",") if c.strip()]
        elif key == "connection" and b"close" in (c.strip().lower() for c in value.split(b",")):
            keep_alive = False
    status = int(match.group(2))
    response = Response(status, _text(match.group(3) or b""), wanted)
    if method == b"HEAD" or status < 200 or status in _NO_BODY:
        return response, _NONE, 0, keep_alive
    if codings:
        if codings != [b"chunked"]:
            raise InvalidResponse(f"unsupported Transfer-Encoding {b', '.join(codings).decode('latin-1')!r}")
        return response, _CHUNKED, 0, keep_alive
    if lengths:
        length = next(iter(lengths))
        if len(lengths) > 1 or not length.isdigit() or len(length) > 18:
            raise InvalidResponse(f"bad Content-Length {b', '.join(sorted(lengths)).decode('latin-1')!r}")
        return response, _LENGTH, int(length), keep_alive
    return response, _UNTIL_CLOSE, 0, False


class Connection(asyncio.Protocol):
    """One TCP (or TLS) connection to one origin."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.reused = False  # served a request before the current one
        self.idle_since = 0.0
        self._buffer = bytearray()
        self._eof = False
        self._error: BaseException | None = None
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._drain: asyncio.Future[None] | None = None
        self._framing = _NONE  # of the body being read
        self._left = 0  # bytes of the body (or of the current chunk) not yet read
        self._body_done = True
        self._keep_alive = True
        self._crlf_due = False  # the CRLF after a chunk's data is still to be read

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if len(self._buffer) > _HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        self._error = exc
        self._wake()
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)

    def pause_writing(self) -> None:
        self._drain = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)
        self._drain = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # opening

    @classmethod
    async def open(cls, ip: str, port: int) -> Connection:
        """A TCP connection; OSError (with its errno) when it cannot be made."""
        _, protocol = await asyncio.get_running_loop().create_connection(cls, ip, port)
        return protocol

    async def start_tls(self, context: ssl.SSLContext, server_hostname: str) -> None:
        assert self.transport is not None
        loop = asyncio.get_running_loop()
        try:
            transport = await loop.start_tls(self.transport, self, context, server_hostname=server_hostname)
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            self.transport.abort()
            raise TLSFailed(exc) from exc
        if transport is None:
            raise TLSFailed(ConnectionResetError(errno.ECONNRESET, "TLS handshake did not complete"))
        self.transport = transport

    # one exchange

    async def request(self, method: bytes, target: bytes, head: bytes) -> Response:
        """Send a request without a body (`head`: its header lines) and read the answer's head; the
        body is read with `read`."""
        transport = self.transport
        if transport is None or transport.is_closing():
            raise WriteFailed(self._error or ConnectionResetError(errno.ECONNRESET, "connection closed"))
        if not _TARGET.fullmatch(target):
            raise ValueError(f"request target {target[:80]!r} cannot be sent")
        transport.write(b"%s %s HTTP/1.1\r\n%s\r\n" % (method, target, head))
        if self._drain is not None:
            await self._drain
        answered = False
        while True:
            end, blank = await self._head_end(answered)
            if end > MAX_HEAD:
                raise InvalidResponse(f"answer head longer than {MAX_HEAD // 1024} KiB")
            answered = True
            response, self._framing, self._left, self._keep_alive = parse_head(bytes(self._buffer[:end]), method)
            self._consume(end + blank)
            if response.status >= 200:
                break
        self._body_done = self._framing == _NONE or (self._framing == _LENGTH and self._left == 0)
        self._crlf_due = False
        return response

    async def _head_end(self, answered: bool) -> tuple[int, int]:
        """Where the answer's head ends in the buffer and how long the blank line after it is, once
        the whole head is there."""
        searched = 0
        while True:
            buffer = self._buffer
            start = max(0, searched - 3)
            crlf, lf = buffer.find(b"\r\n\r\n", start), buffer.find(b"\n\n", start)
            if crlf >= 0 and (lf < 0 or crlf < lf):
                return crlf, 4
            if lf >= 0:
                return lf, 2
            if len(buffer) > MAX_HEAD:
                raise InvalidResponse(f"answer head longer than {MAX_HEAD // 1024} KiB")
            searched = len(buffer)
            answered = answered or bool(buffer)
            await self._more("server closed the connection in the middle of the answer's head" if answered
                             else "server disconnected without sending a response")

    def body_left(self) -> int | None:
        """Bytes of the body not yet read, when the framing tells (None for chunked or close-delimited)."""
        if self._body_done:
            return 0
        return self._left if self._framing == _LENGTH else None

    async def read(self) -> bytes:
        """The next piece of the body, chunked framing removed (b"" at its end)."""
        while not self._body_done:
            framing, buffer = self._framing, self._buffer
            if framing == _UNTIL_CLOSE:
                if buffer:
                    return self._consume(len(buffer))
                if self._eof:
                    if self._error is not None:
                        raise ReadFailed(self._error)
                    self._body_done = True
                    return b""
                await self._more("")
            elif self._left > 0:  # inside the body (Content-Length) or inside a chunk
                if buffer:
                    data = self._consume(min(self._left, len(buffer)))
                    self._left -= len(data)
                    self._crlf_due = framing == _CHUNKED and self._left == 0
                    return data
                await self._more("server closed the connection before the end of the body")
            elif framing == _LENGTH:
                self._body_done = True
            else:
                await self._next_chunk()
        return b""

    async def _next_chunk(self) -> None:
        """Read the next chunk's size line (after the CRLF ending the previous chunk's data); after the
        last chunk, its trailers."""
        if self._crlf_due:
            line = await self._line()
            if line:
                raise InvalidResponse(f"chunk data longer than its size: {line[:80]!r}")
            self._crlf_due = False
        line = await self._line()
        match = _CHUNK_SIZE.fullmatch(line)
        if match is None:
            raise InvalidResponse(f"illegal chunk header: {line[:80]!r}")
        self._left = int(match.group(1), 16)
        if self._left == 0:
            while await self._line():  # trailers, up to the blank line
                pass
            self._body_done = True

    async def _line(self) -> bytes:
        while True:
            end = self._buffer.find(b"\n")
            if end >= 0:
                return self._consume(end + 1).rstrip(b"\r\n")
            if len(self._buffer) > _MAX_LINE:
                raise InvalidResponse("chunk header line too long")
            await self._more("server closed the connection before the end of the body")

    def _consume(self, count: int) -> bytes:
        buffer = self._buffer
        if count >= len(buffer):
            data = bytes(buffer)
            buffer.clear()
        else:
            data = bytes(buffer[:count])
            del buffer[:count]
        if self._paused and len(buffer) <= _HIGH_WATER // 4 and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return data

    async def _more(self, closed: str) -> None:
        """Wait for more data; at the end of the stream, the error that broke it or `closed`."""
        if self._eof:
            if self._error is not None:
                raise ReadFailed(self._error)
            raise Disconnected(closed)
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    # after the exchange

    def finish(self) -> bool:
        """Ready the connection for the next request; False when it cannot serve one (an unread body,
        the server asked to close, anything left over)."""
        if not (self._body_done and self._keep_alive) or self._buffer or self._eof:
            return False
        self.reused = True
        self.idle_since = time.monotonic()
        return True

    def usable(self, now: float, keepalive: float) -> bool:
        """An idle connection that may serve a request: the server has neither closed it nor sent
        anything unasked, and it has not been idle too long."""
        transport = self.transport
        return (transport is not None and not transport.is_closing() and not self._eof and not self._buffer
                and now - self.idle_since < keepalive)

    def abort(self) -> None:
        # abort, not close: a TLS close waits for the server's close_notify (up to 30 s) and leaves the
        # socket open if the loop ends first; HTTP has nothing left to say on this connection.
        if self.transport is not None:
            self.transport.abort()
