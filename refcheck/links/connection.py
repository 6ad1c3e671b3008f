"""A lean HTTP/1.1 client connection: an asyncio protocol, with h11 writing the requests and reading
the answers.

One request at a time per connection, kept alive for the next (one h11.Connection per TCP
connection, `start_next_cycle` between requests). httpx and httpcore cost ~0.5 ms of CPU per request
(client layers, a pool scanning its connections, anyio locks and cancel scopes); the link checker
needs none of it: its limits already bound the connections per host, the whole request is bounded by
the caller's timeout, and an answer is read only as far as the check needs: the status line and
headers, and a body only when anchors or a challenge page are looked for. Bytes go to h11 as they
arrive; reading pauses when more than a high-water mark has come in unasked for, so an unread body
never piles up in memory.
"""

from __future__ import annotations

import asyncio
import errno
import ssl
import time

import h11

_HIGH_WATER = 256 * 1024
# An answer's head still incomplete past this many bytes is refused (h11's default is 16 KiB); one that
# arrives whole in a single read (up to 256 KiB) is parsed as it is.
MAX_HEAD = 64 * 1024
WANTED_HEADERS = frozenset(
    {
        b"location",
        b"retry-after",
        b"content-type",
        b"content-encoding",
        b"content-length",
        b"cf-mitigated",
        b"x-amzn-waf-action",
    }
)
_NO_BODY = frozenset({204, 304})


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


def request_headers(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    """Request headers as h11 sends them; ValueError for a name or value that HTTP cannot carry."""
    encoded = [(name.encode("latin-1"), value.strip().encode("latin-1")) for name, value in headers]
    try:
        h11.Request(method=b"GET", target=b"/", headers=encoded)
    except h11.LocalProtocolError as exc:
        raise ValueError(str(exc)) from None
    return encoded


class Connection(asyncio.Protocol):
    """One TCP (or TLS) connection to one origin."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.reused = False  # served a request before the current one
        self.idle_since = 0.0
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        self._eof = False
        self._error: BaseException | None = None
        self._unread = 0  # bytes received since the reader last asked for an event
        self._answered = False  # bytes of the current answer have arrived
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._drain: asyncio.Future[None] | None = None
        self._left: int | None = 0  # bytes of the body not yet read, when Content-Length tells

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._h11.receive_data(data)
        self._answered = True
        self._unread += len(data)
        if self._unread > _HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self._closed(None)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed(exc)
        if self._drain is not None and not self._drain.done():
            self._drain.set_result(None)

    def _closed(self, exc: Exception | None) -> None:
        if not self._eof:
            self._eof = True
            self._h11.receive_data(b"")
        if exc is not None:
            self._error = exc
        self._wake()

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

    async def request(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]]) -> Response:
        """Send a request without a body (`headers` from `request_headers`) and read the answer's head;
        the body is read with `read`. ValueError for a target HTTP cannot carry."""
        transport = self.transport
        if transport is None or transport.is_closing():
            raise WriteFailed(self._error or ConnectionResetError(errno.ECONNRESET, "connection closed"))
        conn = self._h11
        try:
            data = conn.send(h11.Request(method=method, target=target, headers=headers))
        except h11.LocalProtocolError as exc:
            raise ValueError(str(exc)) from None
        end = conn.send(h11.EndOfMessage())
        assert data is not None and end is not None  # None only for ConnectionClosed
        transport.write(data + end)
        if self._drain is not None:
            await self._drain
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Response):
                break
            if not isinstance(event, h11.InformationalResponse):  # pragma: no cover - h11 allows no other
                raise InvalidResponse(f"unexpected {type(event).__name__}")
        status = event.status_code
        found: dict[str, str] = {}
        chunked = False
        for name, value in event.headers:
            if name in WANTED_HEADERS:
                key = name.decode()
                if key not in found:
                    found[key] = _text(value)
            elif name == b"transfer-encoding":
                chunked = True
        if method == b"HEAD" or status in _NO_BODY:
            self._left = 0
        elif chunked or "content-length" not in found:
            self._left = None
        else:
            self._left = int(found["content-length"])
        return Response(status, _text(event.reason), found)

    def body_left(self) -> int | None:
        """Bytes of the body not yet read, when the framing tells (None for chunked or close-delimited)."""
        if self._h11.their_state is not h11.SEND_BODY:
            return 0
        return self._left

    async def read(self) -> bytes:
        """The next piece of the body, chunked framing removed (b"" at its end)."""
        if self._h11.their_state is not h11.SEND_BODY:
            return b""
        event = await self._next_event()
        if isinstance(event, h11.Data):
            if self._left is not None:
                self._left -= len(event.data)
            return event.data  # h11's own buffer slice, not copied again (a bytearray at run time)
        return b""  # EndOfMessage

    async def _next_event(self) -> h11.Event:
        conn = self._h11
        while True:
            if self._paused and self.transport is not None:
                self._paused = False
                self.transport.resume_reading()
            self._unread = 0
            try:
                event = conn.next_event()
            except h11.RemoteProtocolError as exc:
                raise self._failure(exc) from None
            if event is h11.NEED_DATA:
                self._waiter = asyncio.get_running_loop().create_future()
                try:
                    await self._waiter
                finally:
                    self._waiter = None
                continue
            if isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:  # pragma: no cover - h11
                raise Disconnected("server closed the connection")  # reports these only as errors here
            return event  # type: ignore[return-value]

    def _failure(self, exc: h11.RemoteProtocolError) -> Exception:
        """What an h11 error means: a broken connection, one closed too early, or not HTTP/1.x."""
        if self._eof:
            if self._error is not None:
                return ReadFailed(self._error)
            if not self._answered:
                return Disconnected("server disconnected without sending a response")
            if "peer" in str(exc):  # h11's words for an answer cut short by the close
                return Disconnected(str(exc))
        return InvalidResponse(str(exc))

    # after the exchange

    def finish(self) -> bool:
        """Ready the connection for the next request; False when it cannot serve one (an unread body,
        the server asked to close, anything left over)."""
        conn = self._h11
        if conn.their_state is h11.SEND_BODY and self._left == 0:  # HEAD, 204, 304, an empty body
            try:
                conn.next_event()  # its EndOfMessage, with no more bytes read
            except h11.RemoteProtocolError:
                return False
        if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE or self._eof:
            return False
        if conn.trailing_data[0]:  # sent something unasked
            return False
        conn.start_next_cycle()
        self._answered = False
        self.reused = True
        self.idle_since = time.monotonic()
        return True

    def usable(self, now: float, keepalive: float) -> bool:
        """An idle connection that may serve a request: the server has neither closed it nor sent
        anything unasked, and it has not been idle too long."""
        transport = self.transport
        return (
            transport is not None
            and not transport.is_closing()
            and not self._eof
            and not self._answered
            and now - self.idle_since < keepalive
        )

    def abort(self) -> None:
        # abort, not close: a TLS close waits for the server's close_notify (up to 30 s) and leaves the
        # socket open if the loop ends first; HTTP has nothing left to say on this connection.
        if self.transport is not None:
            self.transport.abort()
