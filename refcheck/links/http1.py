"""A lean HTTP/1.1 client connection: an asyncio protocol with h11 reading and writing the messages.

One request at a time per connection, kept alive for the next. httpx and httpcore cost ~0.5 ms of
CPU per request (client layers, a pool scanning its connections, anyio locks and cancel scopes); the
link checker needs none of it: its limits already bound the connections per host, the whole
request is bounded by the caller's timeout, and a response is read only as far as the check needs.
Reads pause above a high-water mark, so an unread body never piles up in memory.
"""

from __future__ import annotations

import asyncio
import errno
import ssl
import time

import h11

_HIGH_WATER = 256 * 1024
_MAX_HEAD = 64 * 1024  # status line and headers, at most (h11's own default is 16 KiB)
WANTED_HEADERS = frozenset({
    b"location", b"retry-after", b"content-type", b"content-encoding", b"content-length",
    b"cf-mitigated", b"x-amzn-waf-action",
})


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


class Connection(asyncio.Protocol):
    """One TCP (or TLS) connection to one origin."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.reused = False  # served a request before the current one
        self.idle_since = 0.0
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEAD)
        self._buffer = bytearray()
        self._eof = False
        self._error: BaseException | None = None
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._drain: asyncio.Future[None] | None = None
        self._answered = False  # bytes of the current answer have arrived
        self._fed_eof = False  # h11 was told the server closed

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

    async def request(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]]) -> Response:
        """Send a request (no body) and read the answer's head; the body is read with `read`."""
        transport = self.transport
        if transport is None or transport.is_closing():
            raise WriteFailed(self._error or ConnectionResetError(errno.ECONNRESET, "connection closed"))
        self._answered = False
        head = self._h11.send(h11.Request(method=method, target=target, headers=headers))
        end = self._h11.send(h11.EndOfMessage())
        assert head is not None and end is not None  # None only for ConnectionClosed
        transport.write(head + end)
        if self._drain is not None:
            await self._drain
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Response):
                break
            if not isinstance(event, h11.InformationalResponse):  # pragma: no cover - h11 allows no other
                raise InvalidResponse(f"unexpected {type(event).__name__}")
        found: dict[str, str] = {}
        for name, value in event.headers:
            if name in WANTED_HEADERS:
                found.setdefault(name.decode(), _text(value))
        return Response(event.status_code, _text(event.reason), found)

    async def read(self) -> bytes:
        """The next piece of the body as sent (b"" at its end)."""
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Data):
                return bytes(event.data)
            if isinstance(event, h11.EndOfMessage):
                return b""

    async def _next_event(self) -> h11.Event | type[h11.PAUSED]:  # never NEED_DATA
        conn = self._h11
        while True:
            try:
                event = conn.next_event()
            except h11.RemoteProtocolError as exc:
                if self._fed_eof and "peer" in str(exc):  # closed in the middle of the answer
                    raise Disconnected(str(exc)) from None
                raise InvalidResponse(str(exc)) from None
            if event is not h11.NEED_DATA:
                if isinstance(event, h11.ConnectionClosed):
                    raise Disconnected("server closed the connection")
                return event  # type: ignore[return-value]
            if self._buffer:
                self._answered = True
                conn.receive_data(bytes(self._buffer))
                self._buffer.clear()
                if self._paused and self.transport is not None:
                    self._paused = False
                    self.transport.resume_reading()
                continue
            if self._eof:
                if self._error is not None:
                    raise ReadFailed(self._error)
                if not self._answered or self._fed_eof:
                    raise Disconnected("server disconnected without sending a response")
                self._fed_eof = True
                conn.receive_data(b"")
                continue
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    # after the exchange

    def finish(self) -> bool:
        """Ready the connection for the next request; False when it cannot serve one (an unread body,
        the server asked to close, anything left over)."""
        conn = self._h11
        if conn.our_state is not h11.DONE or conn.their_state is not h11.DONE or self._buffer or self._eof:
            return False
        conn.start_next_cycle()
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
