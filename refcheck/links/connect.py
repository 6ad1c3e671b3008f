"""Connections: name resolution on daemon threads, the address policy enforced on the addresses
actually connected to, and the idle connections kept per origin for the next request."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import queue
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from refcheck.links.connection import Connection
from refcheck.links.policy import AddressPolicy, IPAddress, is_loopback
from refcheck.links.reachability import Reachability

_ROUTING_ERRNOS = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EADDRNOTAVAIL})
_RESET_ERRNOS = frozenset({errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE})


class AddressRefused(Exception):
    """The address policy forbids every address the host resolves to."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ResolveFailed(Exception):
    """The DNS lookup failed; `temporary` for EAI_AGAIN (no resolver reachable, or SERVFAIL)."""

    def __init__(self, host: str, detail: str, temporary: bool) -> None:
        super().__init__(f"{host}: {detail}")
        self.host = host
        self.detail = detail
        self.temporary = temporary


class ConnectFailed(Exception):
    """No TCP connection: `kind` is 'refused', 'unreachable' (routing), 'timeout' or 'error'."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def underlying_errors(exc: BaseException) -> Iterator[BaseException]:
    """An exception, its causes and contexts, and the errors our stream wraps (`underlying`)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for nxt in (getattr(current, "underlying", None), current.__cause__, current.__context__):
            if isinstance(nxt, BaseException):
                todo.append(nxt)


def os_error_in(exc: BaseException) -> OSError | None:
    """The first OSError with an errno behind an exception."""
    return next((e for e in underlying_errors(exc) if isinstance(e, OSError) and e.errno is not None), None)


class _LookupThreads:
    """getaddrinfo on up to `limit` daemon threads shared by the process (a hung lookup never delays
    exit, and repeated runs do not pile up threads)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._jobs: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0  # threads waiting for a job
        self._queued = 0  # jobs not yet taken

    def submit(
        self, loop: asyncio.AbstractEventLoop, future: asyncio.Future[list[IPAddress]], host: str, port: int
    ) -> None:
        with self._lock:
            self._queued += 1
            start = self._queued > self._idle and self._threads < self._limit
            if start:
                self._threads += 1
        self._jobs.put((loop, future, host, port))
        if start:
            threading.Thread(target=self._work, name="refcheck-dns", daemon=True).start()

    def _work(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            loop, future, host, port = self._jobs.get()
            with self._lock:
                self._idle -= 1
                self._queued -= 1
            try:
                result: Any = _lookup(host, port)
            except ResolveFailed as exc:
                result = exc
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(_settle, future, result)


_LOOKUPS = _LookupThreads(32)


class Resolver:
    """One lookup per host and port for the whole run, concurrent askers sharing it; tells
    `Reachability` what the lookups show about the network."""

    def __init__(self, reachability: Reachability) -> None:
        self._reach = reachability
        self._lookups: dict[tuple[str, int], asyncio.Future[list[IPAddress]]] = {}

    async def resolve(self, host: str, port: int) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:
            pass
        future = self._lookups.get((host, port))
        if future is None:
            loop = asyncio.get_running_loop()
            future = self._lookups[(host, port)] = loop.create_future()
            _LOOKUPS.submit(loop, future, host, port)
        try:
            addresses = await asyncio.shield(future)
        except ResolveFailed as exc:
            self._reach.saw_network_failure(host, hard=exc.temporary)
            raise
        if not all(is_loopback(ip) for ip in addresses):
            self._reach.saw_resolution()
        return addresses


def _settle(future: asyncio.Future[list[IPAddress]], result: list[IPAddress] | ResolveFailed) -> None:
    if future.done():
        return
    if isinstance(result, ResolveFailed):
        future.set_exception(result)
        future.exception()  # retrieved here: a lookup nobody awaits any more must not log an error
    else:
        future.set_result(result)


def _lookup(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise ResolveFailed(host, exc.strerror or str(exc), exc.errno == socket.EAI_AGAIN) from None
    except (UnicodeError, OSError) as exc:
        raise ResolveFailed(host, str(exc) or type(exc).__name__, False) from None
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    return addresses


Origin = tuple[str, str, int]  # scheme, host, port


class Connector:
    """Resolves with `Resolver`, refuses addresses the policy forbids, connects to the IP itself (TLS
    checked against the host name)."""

    def __init__(
        self,
        resolver: Resolver,
        policy: AddressPolicy,
        reachability: Reachability,
        make_ssl_context: Callable[[], ssl.SSLContext],
    ) -> None:
        self._resolver = resolver
        self._policy = policy
        self._reach = reachability
        self._make_ssl = make_ssl_context
        self._ssl: ssl.SSLContext | None = None  # made on the first https origin (loading roots costs)

    async def connect(self, origin: Origin) -> Connection:
        scheme, host, port = origin
        addresses = await self._resolver.resolve(host, port)
        allowed = [ip for ip in addresses if self._policy.refusal(host, ip) is None]
        if not allowed:
            raise AddressRefused(self._policy.refusal(host, addresses[0]) or host)
        failure = ConnectFailed("error", f"cannot connect to {host}")
        for ip in allowed:
            try:
                connection = await Connection.open(str(ip), port)
            except OSError as exc:
                failure = self._classify(host, ip, exc)
                continue
            if not is_loopback(ip):
                self._reach.saw_connection()
            if scheme == "https":
                if self._ssl is None:
                    self._ssl = self._make_ssl()
                try:
                    await connection.start_tls(self._ssl, host.strip("[]"))
                except BaseException:  # a failed handshake, or the request's time ran out during it
                    connection.abort()
                    raise
            return connection
        raise failure

    def _classify(self, host: str, ip: IPAddress, error: OSError) -> ConnectFailed:
        code = error.errno
        text = error.strerror or str(error) or type(error).__name__
        if code == errno.ECONNREFUSED:
            if not is_loopback(ip):
                self._reach.saw_connection()  # a peer answered: the network works
            return ConnectFailed("refused", f"connection refused by {ip}")
        if code in _ROUTING_ERRNOS:
            if not is_loopback(ip):
                self._reach.saw_network_failure(host, hard=True)
            return ConnectFailed("unreachable", f"{ip}: {text.lower()}")
        if isinstance(error, TimeoutError):
            return ConnectFailed("timeout", f"connection to {ip} timed out")
        return ConnectFailed("error", f"cannot connect to {ip}: {text}")


class Pools:
    """Idle keep-alive connections per origin, and every open one (all aborted at `close`). The
    request limits bound how many connections an origin gets; nothing here needs to."""

    def __init__(self, connector: Connector, keepalive: float = 30.0) -> None:
        self._connector = connector
        self._keepalive = keepalive
        self._idle: dict[Origin, list[Connection]] = {}
        self._open: set[Connection] = set()

    async def acquire(self, origin: Origin, *, fresh: bool = False) -> Connection:
        """An idle connection to `origin` that still works, else a new one (always new when `fresh`)."""
        idle = None if fresh else self._idle.get(origin)
        if idle:
            now = time.monotonic()
            while idle:
                connection = idle.pop()
                if connection.usable(now, self._keepalive):
                    return connection
                self.discard(connection)
        connection = await self._connector.connect(origin)
        self._open.add(connection)
        return connection

    def release(self, origin: Origin, connection: Connection) -> None:
        """Back to the idle list when the exchange ended cleanly, closed otherwise."""
        if connection.finish():
            self._idle.setdefault(origin, []).append(connection)
        else:
            self.discard(connection)

    def discard(self, connection: Connection) -> None:
        connection.abort()
        self._open.discard(connection)

    async def close(self) -> None:
        for connection in self._open:
            connection.abort()
        self._open.clear()
        self._idle.clear()
        await asyncio.sleep(0)  # the loop closes the sockets in the callbacks abort schedules


def is_reset(exc: BaseException) -> bool:
    error = os_error_in(exc)
    return error is not None and error.errno in _RESET_ERRNOS
