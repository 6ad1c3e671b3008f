"""Checking one URL over HTTP: HEAD then GET, retries with backoff, 429 handling, redirects followed
hop by hop (each hop through the address policy, tokens only to their own host), bot walls, and the
bounded body reads that anchor checks need."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email.utils
import os
import random
import ssl
import sys
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TypeVar

import certifi
import httpx

from refcheck.body import ACCEPT_ENCODING, BodyDecoder
from refcheck.config import Config
from refcheck.links.anchors import MAX_SCAN_BYTES, AnchorScan, is_html
from refcheck.links.connect import (
    AddressRefused,
    ConnectFailed,
    Origin,
    Pools,
    ResolveFailed,
    is_reset,
    underlying_errors,
)
from refcheck.links.connection import (
    Connection,
    Disconnected,
    InvalidResponse,
    ReadFailed,
    Response,
    TLSFailed,
    request_headers,
)
from refcheck.links.limits import Limits
from refcheck.links.outcome import Outcome
from refcheck.links.policy import CHECKED_SCHEMES, url_problem

T = TypeVar("T")

MAX_REDIRECTS = 10
RETRY_AFTER_CAP = 60.0  # seconds: a 429 asking for a longer pause is given up at once (RC408)
HEAD_REFUSED = frozenset({400, 403, 405, 501})  # HEAD answered this way: GET for this host from now on
REDIRECTS = frozenset({301, 302, 303, 307, 308})
PERMANENT = frozenset({301, 308})
_NO_RETRY_5XX = frozenset({501, 505})
_DEADLINE_SLACK = 0.05  # seconds
BOT_PREFIX_BYTES = 64 * 1024  # of a 403/503 body, read for challenge markers
TOKEN_VARIABLES = {"github.com": "GITHUB_TOKEN", "api.github.com": "GITHUB_TOKEN"}
_CHALLENGE_MARKERS = (
    b"cf-browser-verification",
    b"challenge-platform",
    b"cf_chl_opt",
    b"<title>just a moment...</title>",
    b"attention required! | cloudflare",
    b"_incapsula_resource",
    b"captcha-delivery.com",
    b"px-captcha",
    b"awswafintegration",
    b"ddos-guard",
)
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
DEFAULT_PORTS = {"http": 80, "https": 443}
KEEP_BODY_BYTES = 64 * 1024  # the rest of a body is read to keep the connection when this short …
KEEP_BODY_SECONDS = 0.1  # … and there within this long


async def within(seconds: float, awaitable: Awaitable[T]) -> T:
    """`awaitable`, ended by TimeoutError after `seconds` (the whole of it, however it dribbles)."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(seconds):
            return await awaitable
    return await asyncio.wait_for(awaitable, seconds)  # pragma: no cover


def host_headers(url: httpx.URL, config: Config, environ: Mapping[str, str]) -> dict[str, str]:
    """Configured headers and tokens for this URL's host only (a token only over https)."""
    headers = config.headers_for(url.host)
    variable = TOKEN_VARIABLES.get(url.host)
    token = environ.get(variable) if variable else None
    if token and url.scheme == "https" and not any(k.lower() == "authorization" for k in headers):
        headers["Authorization"] = f"Bearer {token}"
    return headers


def ssl_context() -> ssl.SSLContext:
    """certifi's roots, or SSL_CERT_FILE / SSL_CERT_DIR when set (as httpx does)."""
    cafile, capath = os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
    if cafile and os.path.isfile(cafile):
        return ssl.create_default_context(cafile=cafile)
    if capath and os.path.isdir(capath):
        return ssl.create_default_context(capath=capath)
    return ssl.create_default_context(cafile=certifi.where())


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds (from delta-seconds or an HTTP date), or None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


@dataclass(frozen=True, slots=True)
class Reply:
    """What one HTTP exchange answered, read within its timeout while the response was open."""

    status: int
    reason: str
    method: str = "GET"
    location: str | None = None
    retry_after: float | None = None
    bot_marker: str | None = None
    scanned: bool = False  # the body was searched for anchors
    found: frozenset[str] = frozenset()
    truncated: bool = False


def _status_text(reply: Reply) -> str:
    return f"HTTP {reply.status} {reply.reason}".rstrip()


def _bot_header(response: Response) -> str | None:
    if response.headers.get("cf-mitigated", "").lower() == "challenge":
        return "cf-mitigated: challenge"
    action = response.headers.get("x-amzn-waf-action", "").lower()
    if action in ("captcha", "challenge"):
        return f"x-amzn-waf-action: {action}"
    return None


class Fetcher:
    """Checks URLs over the connections of `pools`; `requests` counts every HTTP request sent."""

    def __init__(
        self,
        config: Config,
        pools: Pools,
        limits: Limits,
        user_agent: str,
        deadline: float | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.pools = pools
        self.limits = limits
        self.deadline = deadline
        self.requests = 0
        self._environ = os.environ if environ is None else environ
        self._defaults = {
            "user-agent": ("User-Agent", user_agent),
            "accept": ("Accept", ACCEPT),
            "accept-encoding": ("Accept-Encoding", ACCEPT_ENCODING),
        }
        self._head_refused: set[str] = set()  # hosts that answered HEAD with 400/403/405/501
        self._rate_limited: dict[str, float] = {}  # host → until when it asked not to be asked
        self._headers: dict[tuple[str, bytes], list[tuple[bytes, bytes]]] = {}

    async def check(self, url: httpx.URL, fragments: set[str]) -> Outcome:
        """Follow `url` to its end and judge it; `fragments` are looked for in the final page."""
        current = url
        method = "GET" if fragments else "HEAD"  # HEAD turns into GET for hosts known to refuse it
        visited = {str(current)}
        permanent: tuple[int, str] | None = None  # the last hop of a leading run of 301/308s
        all_permanent = True
        hops = 0
        while True:
            answer = await self._request(method, current, fragments)
            if isinstance(answer, Outcome):
                return _after_hops(answer, current, hops)
            refused = not self.config.accepts(answer.status) and answer.status not in REDIRECTS
            if answer.method == "HEAD" and refused:
                if answer.status in HEAD_REFUSED:
                    self._head_refused.add(current.host)
                if answer.status == 429 and self._pause_for_429(current.host, answer, 0) is None:
                    return self._judge(answer, fragments, permanent)
                method = "GET"  # a failing HEAD is never reported without asking with GET
                continue
            if answer.status in REDIRECTS and answer.location:
                hops += 1
                try:
                    target = current.join(answer.location).copy_with(fragment=None)
                    invalid = url_problem(target)
                except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
                    invalid = str(exc) or type(exc).__name__
                if invalid is not None:
                    problem = f"redirect to an invalid URL {answer.location!r} ({invalid})"
                    return Outcome("RC401", problem, answer.status)
                if hops > MAX_REDIRECTS:
                    return Outcome("RC401", f"too many redirects (more than {MAX_REDIRECTS})", answer.status)
                if target.scheme not in CHECKED_SCHEMES:
                    return Outcome("RC407", f"not checked: redirects to {target} (unsupported scheme)")
                if str(target) in visited:
                    return Outcome("RC401", f"redirect loop at {target}", answer.status)
                visited.add(str(target))
                if all_permanent and answer.status in PERMANENT:
                    permanent = (answer.status, str(target))
                else:
                    all_permanent = False
                if answer.status == 303:
                    method = "GET" if fragments else "HEAD"
                current = target
                continue
            outcome = self._judge(answer, fragments, permanent)
            return outcome if outcome.code in (None, "RC403") else _after_hops(outcome, current, hops)

    def _judge(self, reply: Reply, fragments: set[str], permanent: tuple[int, str] | None) -> Outcome:
        if self.config.accepts(reply.status):
            code, problem, target = None, "", None
            if permanent is not None:
                target = permanent[1]
                code, problem = "RC403", f"permanently redirected ({permanent[0]}) to {target}"
            missing = fragments - reply.found if reply.scanned else set()
            return Outcome(
                code,
                problem,
                reply.status,
                target,
                anchors_found=reply.found,
                anchors_missing=frozenset(missing),
                anchors_truncated=reply.truncated,
            )
        text = _status_text(reply)
        if reply.status == 999 or reply.bot_marker:
            marker = f", {reply.bot_marker}" if reply.bot_marker else ""
            problem = f"blocked by bot protection, not known broken ({text}{marker})"
            return Outcome("RC406", problem, reply.status)
        if reply.status == 429:
            long = reply.retry_after is not None and reply.retry_after > RETRY_AFTER_CAP
            asked = f", Retry-After {reply.retry_after:.0f} s" if long else ""
            return Outcome("RC408", f"rate limited ({text}{asked}), not known broken", reply.status)
        if reply.status in REDIRECTS:
            return Outcome("RC401", f"{text} without a Location header", reply.status)
        return Outcome("RC401", text, reply.status)

    async def _request(self, method: str, url: httpx.URL, fragments: set[str]) -> Reply | Outcome:
        """One request with its retries: on 5xx (GET), 429, timeouts, resets and refused connections."""
        attempt = 0
        while True:
            failure: Outcome
            try:
                reply = await self._attempt(method, url, fragments)
            except AddressRefused as exc:
                return Outcome("RC407", f"not checked: {exc.reason}")
            except ResolveFailed as exc:
                problem = f"DNS lookup of {exc.host} failed ({exc.detail})"
                return Outcome("RC401", problem, network_failure=True)
            except ConnectFailed as exc:
                if exc.kind == "unreachable":
                    return Outcome("RC401", f"network unreachable ({exc.detail})", network_failure=True)
                if exc.kind == "timeout" and self._deadline_reached():
                    raise asyncio.CancelledError from None  # the run's time is up, not the link's
                code = "RC402" if exc.kind == "timeout" else "RC401"
                failure = Outcome(code, exc.detail)
            except (TimeoutError, asyncio.TimeoutError):  # distinct before 3.11
                if self._deadline_reached():
                    # The request's time was cut to the run's deadline: the link is unchecked (the
                    # stage counts a cancelled check so), not slow.
                    raise asyncio.CancelledError from None
                failure = Outcome("RC402", f"no complete answer within {self.config.timeout:g} s")
            except UnicodeError as exc:  # a host name that does not decode (IDNA), seen at request time
                return Outcome("RC401", f"invalid URL ({exc})")
            except InvalidResponse as exc:
                return Outcome("RC401", f"invalid HTTP response ({exc})")
            except Disconnected:
                failure = Outcome("RC401", "connection closed by the server without an answer")
            except ValueError as exc:  # a configured header HTTP cannot carry
                return Outcome("RC401", f"cannot send the request ({exc})")
            except ReadFailed as exc:
                if isinstance(exc, TLSFailed) or _is_tls(exc):
                    return Outcome("RC401", f"TLS error ({exc})")
                if is_reset(exc):
                    failure = Outcome("RC401", "connection reset by the server")
                else:
                    failure = Outcome("RC401", f"connection failed ({exc})")
            else:
                final = reply.method == "HEAD" or attempt >= self.config.retries
                if final or not self._retryable_status(reply):
                    return reply
                if reply.status == 429:
                    if self._pause_for_429(url.host, reply, attempt) is None:
                        return reply
                    attempt += 1  # the host's pause holds this request back with every other to it
                    continue
                wait = self._backoff(attempt)
                if not self._time_left(wait):
                    return reply
                await asyncio.sleep(wait)
                attempt += 1
                continue
            if attempt >= self.config.retries:
                return _with_attempts(failure, attempt)
            wait = self._backoff(attempt)
            if not self._time_left(wait):
                return _with_attempts(failure, attempt)
            await asyncio.sleep(wait)
            attempt += 1

    def _retryable_status(self, reply: Reply) -> bool:
        if reply.status == 429:
            return True
        return reply.status >= 500 and reply.status not in _NO_RETRY_5XX and reply.bot_marker is None

    def _backoff(self, attempt: int) -> float:
        return float(self.config.retry_wait * 2**attempt * random.uniform(0.5, 1.5))

    def _pause_for_429(self, host: str, reply: Reply, attempt: int) -> float | None:
        """Pause the host as the 429 asks (or by backoff); None to give up: a pause longer than the
        cap (the host is then not asked again in this run) or past the deadline."""
        wait = reply.retry_after if reply.retry_after is not None else self._backoff(attempt)
        if wait > RETRY_AFTER_CAP:
            self._rate_limited[host] = time.monotonic() + wait
            return None
        if not self._time_left(wait):
            return None
        self.limits.slow_down(host, wait)
        return wait

    def _time_left(self, wait: float) -> bool:
        return self.deadline is None or time.monotonic() + wait < self.deadline

    def _deadline_reached(self) -> bool:
        # A timeout clipped to the deadline fires at it, give or take the event loop's resolution.
        return self.deadline is not None and time.monotonic() >= self.deadline - _DEADLINE_SLACK

    def _request_headers(self, url: httpx.URL) -> list[tuple[bytes, bytes]]:
        """Host, the defaults, this host's configured headers (overriding defaults by name) and the
        URL's own credentials, checked once to be sendable."""
        key = (url.scheme, url.userinfo + b"@" + url.netloc)
        headers = self._headers.get(key)
        if headers is None:
            merged = dict(self._defaults)
            for name, value in host_headers(url, self.config, self._environ).items():
                merged[name.lower()] = (name, value)
            if url.userinfo:  # credentials in the URL itself, sent as HTTP clients do
                basic = base64.b64encode(f"{url.username}:{url.password}".encode()).decode("ascii")
                merged["authorization"] = ("Authorization", f"Basic {basic}")
            host = url.netloc.decode("ascii")
            headers = self._headers[key] = request_headers([("Host", host), *merged.values()])
        return headers

    async def _attempt(self, method: str, url: httpx.URL, fragments: set[str]) -> Reply:
        async with self.limits.slot(url.host):
            if method == "HEAD" and url.host in self._head_refused:  # learnt while this one waited
                method = "GET"
            closed_for = self._rate_limited.get(url.host, 0.0) - time.monotonic()
            if closed_for > 0:  # the host asked for a longer pause than we wait: no request at all
                return Reply(429, "Too Many Requests", method, retry_after=closed_for)
            timeout = self.config.timeout
            if self.deadline is not None:
                timeout = max(0.001, min(timeout, self.deadline - time.monotonic()))
            self.requests += 1
            origin: Origin = (url.scheme, url.host, url.port or DEFAULT_PORTS[url.scheme])
            connection, reply = await within(timeout, self._exchange(origin, method, url, fragments))
            try:
                if method == "GET":  # past the request's timeout: the answer is complete, judged
                    await self._skip_rest(connection)
            finally:
                self.pools.release(origin, connection)
            return reply

    async def _exchange(
        self, origin: Origin, method: str, url: httpx.URL, fragments: set[str]
    ) -> tuple[Connection, Reply]:
        """The request and as much of its answer as the check needs; the connection is the caller's
        to release when this returns, closed when it raises."""
        headers = self._request_headers(url)
        connection = await self.pools.acquire(origin)
        try:
            try:
                response = await connection.request(method.encode(), url.raw_path, headers)
            except (Disconnected, ReadFailed):
                if not connection.reused:
                    raise
                # A kept-alive connection the server had closed meanwhile: once more on a new one.
                self.pools.discard(connection)
                self.requests += 1
                connection = await self.pools.acquire(origin, fresh=True)
                response = await connection.request(method.encode(), url.raw_path, headers)
            return connection, await self._read(connection, response, method, fragments)
        except BaseException:
            self.pools.discard(connection)
            raise

    async def _read(self, connection: Connection, response: Response, method: str, fragments: set[str]) -> Reply:
        status, headers = response.status, response.headers
        reply = Reply(
            status,
            response.reason,
            method,
            headers.get("location"),
            parse_retry_after(headers.get("retry-after")),
            _bot_header(response),
        )
        if method != "GET":
            return reply  # the answer to HEAD has no body: the connection is free again
        if fragments and self.config.accepts(status) and is_html(headers.get("content-type")):
            reply = await self._scan(connection, response, reply, fragments)
        elif status in (403, 503) and reply.bot_marker is None:
            marker = await self._challenge_in_body(connection, response)
            if marker:
                reply = Reply(status, reply.reason, "GET", reply.location, reply.retry_after, marker)
        return reply

    async def _skip_rest(self, connection: Connection) -> None:
        """Read the rest of a body not needed, when it is short and already on its way, so that the
        connection can serve the next request; otherwise it is closed (`Pools.release`)."""
        left = connection.body_left()
        if left == 0 or (left is not None and left > KEEP_BODY_BYTES):
            return
        # The check has its answer: a rest that breaks off only costs the connection.
        with contextlib.suppress(TimeoutError, asyncio.TimeoutError, Disconnected, InvalidResponse, ReadFailed):
            await within(KEEP_BODY_SECONDS, self._skip(connection))

    @staticmethod
    async def _skip(connection: Connection) -> None:
        budget = KEEP_BODY_BYTES
        while budget > 0 and (chunk := await connection.read()):
            budget -= len(chunk)

    async def _scan(self, connection: Connection, response: Response, reply: Reply, fragments: set[str]) -> Reply:
        try:
            decoder = BodyDecoder(response.headers.get("content-encoding"), MAX_SCAN_BYTES)
        except ValueError:
            return reply  # an encoding we cannot read: the anchors stay unjudged
        scan = AnchorScan(fragments)
        while chunk := await connection.read():
            if scan.feed(decoder.decode(chunk)) or decoder.truncated:
                break
        return Reply(
            reply.status,
            reply.reason,
            "GET",
            reply.location,
            reply.retry_after,
            reply.bot_marker,
            scanned=True,
            found=frozenset(scan.found),
            truncated=decoder.truncated and not scan.done,
        )

    async def _challenge_in_body(self, connection: Connection, response: Response) -> str | None:
        try:
            decoder = BodyDecoder(response.headers.get("content-encoding"), BOT_PREFIX_BYTES)
        except ValueError:
            return None
        prefix = b""
        while chunk := await connection.read():
            prefix += decoder.decode(chunk)
            if decoder.truncated or len(prefix) >= BOT_PREFIX_BYTES:
                break
        lowered = prefix.lower()
        return next((f"challenge page ({m.decode()})" for m in _CHALLENGE_MARKERS if m in lowered), None)


def _is_tls(exc: BaseException) -> bool:
    return any(isinstance(e, ssl.SSLError) for e in underlying_errors(exc))


def _with_attempts(failure: Outcome, retries: int) -> Outcome:
    if retries == 0:
        return failure
    return Outcome(
        failure.code,
        f"{failure.problem} (after {retries} retries)",
        failure.status,
        network_failure=failure.network_failure,
    )


def _after_hops(outcome: Outcome, where: httpx.URL, hops: int) -> Outcome:
    if hops == 0:
        return outcome
    return Outcome(
        outcome.code,
        f"{outcome.problem}, after a redirect to {where}",
        outcome.status,
        network_failure=outcome.network_failure,
    )
