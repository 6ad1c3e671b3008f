"""HTTP for the metadata sources: pacing, whole-request timeouts, retries, Retry-After, the run's deadline."""

from __future__ import annotations

import asyncio
import email.utils
import json
import socket
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from refcheck.body import ACCEPT_ENCODING, BodyTooLarge, read_body

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 120.0  # a source asking for a longer pause is treated as unavailable for this run
MAX_BODY = 10 * 1024 * 1024  # decoded bytes of one answer: a batch of 100 arXiv entries is ~0.5 MB
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, its body read whole (within `MAX_BODY`) and decoded."""

    status_code: int
    headers: httpx.Headers
    content: bytes


class Unavailable(Exception):
    """The source gave no usable answer; `reason` says why ("HTTP 503 after 3 retries")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Policy:
    timeout: float  # one request, whole
    retries: int
    retry_wait: float  # first backoff step; doubled on each retry
    deadline: float | None  # time.monotonic() value after which nothing new starts

    def remaining(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def request_timeout(self) -> float:
        remaining = self.remaining()
        if remaining is None:
            return self.timeout
        if remaining <= 0:
            raise Unavailable("time limit reached")
        return min(self.timeout, remaining)

    async def sleep(self, seconds: float) -> None:
        remaining = self.remaining()
        if remaining is not None and seconds >= remaining:
            raise Unavailable("time limit reached")
        await asyncio.sleep(seconds)


class Gate(Protocol):
    sent: int  # requests sent through this gate

    def slot(self, policy: Policy) -> Any: ...  # an async context manager around one request
    def hold(self, seconds: float) -> None: ...  # start nothing for `seconds` (Retry-After)
    def learn(self, headers: Mapping[str, str]) -> None: ...  # adapt to the source's announced limits


class Pacer:
    """One request at a time, each starting at least `interval` seconds after the previous one ended.

    Counting from the end (not the start) keeps the gap the server sees at least `interval` whatever
    the network delays, as arXiv's terms of use ask.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.sent = 0
        self._lock = asyncio.Lock()
        self._free_at = 0.0

    @asynccontextmanager
    async def slot(self, policy: Policy) -> AsyncIterator[None]:
        async with self._lock:
            delay = self._free_at - time.monotonic()
            if delay > 0:
                await policy.sleep(delay)
            try:
                yield
            finally:
                self._free_at = max(self._free_at, time.monotonic() + self.interval)

    def hold(self, seconds: float) -> None:
        self._free_at = max(self._free_at, time.monotonic() + seconds)

    def learn(self, headers: Mapping[str, str]) -> None:
        return None


class Limiter:
    """At most `capacity` requests in flight, starts at least `gap` apart; the server's headers
    (`x-rate-limit-limit` per `x-rate-limit-interval`, `x-concurrency-limit`) can only tighten both.

    The first request goes alone, so the limits it announces apply from the second request on.
    """

    def __init__(self, capacity: int, gap: float = 0.0) -> None:
        self.capacity = capacity
        self.gap = gap
        self.sent = 0
        self._answered = False
        self._in_flight = 0
        self._next_start = 0.0
        self._changed = asyncio.Condition()

    @asynccontextmanager
    async def slot(self, policy: Policy) -> AsyncIterator[None]:
        async with self._changed:
            while True:
                now = time.monotonic()
                capacity = self.capacity if self._answered else 1
                if self._in_flight < capacity and now >= self._next_start:
                    break
                wait = None if self._in_flight >= capacity else self._next_start - now
                remaining = policy.remaining()
                if remaining is not None:
                    if remaining <= 0:
                        raise Unavailable("time limit reached")
                    wait = remaining if wait is None else min(wait, remaining)
                with suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), wait)
            self._in_flight += 1
            self._next_start = max(self._next_start, now + self.gap)
        try:
            yield
        finally:
            async with self._changed:
                self._in_flight -= 1
                self._answered = True
                self._changed.notify_all()

    def hold(self, seconds: float) -> None:
        self._next_start = max(self._next_start, time.monotonic() + seconds)

    def learn(self, headers: Mapping[str, str]) -> None:
        limit = _positive_int(headers.get("x-rate-limit-limit"))
        interval = _seconds(headers.get("x-rate-limit-interval"))
        if limit and interval is not None:
            self.gap = max(self.gap, interval / limit)
        concurrency = _positive_int(headers.get("x-concurrency-limit"))
        if concurrency:
            self.capacity = max(1, min(self.capacity, concurrency))


def _positive_int(value: str | None) -> int | None:
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if number > 0 else None


def _seconds(value: str | None) -> float | None:
    """`1s`, `500ms`, `2m` or a bare number of seconds."""
    text = (value or "").strip().lower()
    for suffix, scale in (("ms", 0.001), ("s", 1.0), ("m", 60.0)):
        if text.endswith(suffix):
            text, factor = text[: -len(suffix)], scale
            break
    else:
        factor = 1.0
    try:
        number = float(text) * factor
    except ValueError:
        return None
    return number if number >= 0 else None


def json_of(answer: Answer) -> Any:
    """The answer's JSON; `Unavailable` for anything else (HTML, truncated, nested past the
    interpreter's recursion limit, which stops `json` near 1,000 levels)."""
    try:
        return json.loads(answer.content)
    except RecursionError:
        raise Unavailable("unreadable answer (JSON nested too deep)") from None
    except ValueError:
        kind = answer.headers.get("content-type", "no content type").split(";")[0].strip()
        raise Unavailable(f"unreadable answer ({kind or 'no content type'}, not JSON)") from None


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Retry-After as seconds from now (delta-seconds or an HTTP date)."""
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def is_name_resolution_failure(exc: BaseException) -> bool:
    """A DNS failure: no network, or no such host. Retrying it a second later does not help."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def describe(exc: Exception) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection failed"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def _fetch(client: httpx.AsyncClient, url: str, params: Mapping[str, str] | None) -> Answer:
    """GET `url`, following redirects here (httpx would read every redirect's body whole), with the
    final body read within `MAX_BODY`."""
    request = client.build_request("GET", url, params=params, headers={"Accept-Encoding": ACCEPT_ENCODING})
    for _ in range(MAX_REDIRECTS + 1):
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            if response.next_request is None:
                try:
                    body = await read_body(response, MAX_BODY)
                except BodyTooLarge as exc:
                    raise Unavailable(f"answer larger than {MAX_BODY // 2**20} MiB ({exc})") from None
                except ValueError as exc:
                    raise Unavailable(f"unreadable answer ({exc})") from None
                return Answer(response.status_code, response.headers, body)
            request = response.next_request
        finally:
            await response.aclose()
    raise Unavailable(f"more than {MAX_REDIRECTS} redirects")


async def get(
    client: httpx.AsyncClient, url: str, gate: Gate, policy: Policy, params: Mapping[str, str] | None = None
) -> Answer:
    """GET with retries on 5xx, 429, timeouts and transport errors; other statuses are returned.

    Raises `Unavailable` when the retries or the deadline run out.
    """
    problem = "no answer"
    wait = 0.0
    for attempt in range(policy.retries + 1):
        if attempt:
            await policy.sleep(wait)
        wait = policy.retry_wait * 2**attempt
        async with gate.slot(policy):
            timeout = policy.request_timeout()
            gate.sent += 1
            try:
                response = await asyncio.wait_for(_fetch(client, url, params), timeout)
            except asyncio.TimeoutError:
                problem = f"no answer within {timeout:g} s"
                continue
            except httpx.HTTPError as exc:
                if is_name_resolution_failure(exc):
                    raise Unavailable("host name not resolved (no network?)") from None
                problem = describe(exc)
                continue
            gate.learn(response.headers)  # inside the slot: the limits apply before the next one opens
        if response.status_code not in RETRY_STATUSES:
            return response
        problem = f"HTTP {response.status_code}" + (" (rate-limited)" if response.status_code == 429 else "")
        pause = retry_after(response.headers)
        if pause is not None:
            if pause > MAX_RETRY_AFTER:
                raise Unavailable(f"{problem}, asked to wait {pause:.0f} s")
            gate.hold(pause)
            wait = min(wait, pause)  # the gate already enforces the pause
    retries = f" after {policy.retries} retr{'y' if policy.retries == 1 else 'ies'}" if policy.retries else ""
    raise Unavailable(problem + retries)
