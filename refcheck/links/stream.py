"""A lean httpcore network stream on a plain asyncio protocol: connect to one IP, TLS by
`loop.start_tls`, reads paused above a high-water mark so an unread body never piles up in memory.
httpcore's anyio stream costs a cancel scope per read and write; the request as a whole is bounded by
the caller's timeout, so per-operation timeouts are not needed here."""

from __future__ import annotations

import asyncio
import errno
import ssl
from typing import Any

import httpcore

_HIGH_WATER = 256 * 1024


# httpcore's pool re-raises with `from None`, dropping __cause__; these keep the OS or TLS error.
class ReadFailed(httpcore.ReadError):
    def __init__(self, underlying: BaseException) -> None:
        super().__init__(str(underlying) or type(underlying).__name__)
        self.underlying = underlying


class WriteFailed(httpcore.WriteError):
    def __init__(self, underlying: BaseException) -> None:
        super().__init__(str(underlying) or type(underlying).__name__)
        self.underlying = underlying


class TLSFailed(httpcore.ConnectError):
    def __init__(self, underlying: BaseException) -> None:
        super().__init__(str(underlying) or type(underlying).__name__)
        self.underlying = underlying


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.eof = False
        self.error: BaseException | None = None
        self.paused_reading = False
        self._read_waiter: asyncio.Future[None] | None = None
        self._drain_waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if len(self.buffer) > _HIGH_WATER and self.transport is not None and not self.paused_reading:
            self.paused_reading = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self.eof = True
        self._wake_reader()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.error = exc
        self._wake_reader()
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)

    def pause_writing(self) -> None:
        self._drain_waiter = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)
        self._drain_waiter = None

    def _wake_reader(self) -> None:
        if self._read_waiter is not None and not self._read_waiter.done():
            self._read_waiter.set_result(None)

    async def wait_readable(self) -> None:
        self._read_waiter = asyncio.get_running_loop().create_future()
        try:
            await self._read_waiter
        finally:
            self._read_waiter = None

    async def drain(self) -> None:
        if self._drain_waiter is not None:
            await self._drain_waiter


class AsyncioStream(httpcore.AsyncNetworkStream):
    def __init__(self, protocol: _Protocol) -> None:
        self._protocol = protocol

    @classmethod
    async def connect(cls, ip: str, port: int) -> AsyncioStream:
        """Raises OSError (with its errno) when the connection cannot be made."""
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(_Protocol, ip, port)
        return cls(protocol)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        p = self._protocol
        while not p.buffer and not p.eof:
            await p.wait_readable()
        if p.buffer:
            data = bytes(p.buffer[:max_bytes])
            del p.buffer[:max_bytes]
            if p.paused_reading and len(p.buffer) <= _HIGH_WATER // 4 and p.transport is not None:
                p.paused_reading = False
                p.transport.resume_reading()
            return data
        if p.error is not None:
            raise ReadFailed(p.error)
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        p = self._protocol
        if p.transport is None or p.transport.is_closing():
            raise WriteFailed(p.error or ConnectionResetError(errno.ECONNRESET, "connection closed"))
        p.transport.write(buffer)
        await p.drain()

    async def aclose(self) -> None:
        transport = self._protocol.transport
        if transport is not None:
            # abort, not close: a TLS close waits for the server's close_notify (up to 30 s) and leaves
            # the socket open if the loop ends first; HTTP has nothing left to say on this connection.
            transport.abort()
            await asyncio.sleep(0)  # the loop closes the socket in the callback abort schedules

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        p = self._protocol
        assert p.transport is not None
        loop = asyncio.get_running_loop()
        try:
            transport = await loop.start_tls(
                p.transport, p, ssl_context, server_hostname=server_hostname,
                ssl_handshake_timeout=timeout if timeout and timeout > 0 else None,
            )
        except (OSError, ssl.SSLError, ConnectionError) as exc:
            p.transport.close()
            raise TLSFailed(exc) from exc
        if transport is None:
            raise TLSFailed(ConnectionResetError(errno.ECONNRESET, "TLS handshake did not complete"))
        p.transport = transport
        return self

    def get_extra_info(self, info: str) -> Any:
        p = self._protocol
        if info == "is_readable":  # asked of an idle connection: has the server closed it or sent junk?
            return p.eof or bool(p.buffer)
        if p.transport is None:
            return None
        names = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername",
                 "socket": "socket"}
        return p.transport.get_extra_info(names[info]) if info in names else None
