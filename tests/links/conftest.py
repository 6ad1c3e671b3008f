"""Fixtures for the link-checking tests: the loopback servers of `linkserver`, started once per session."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from linkserver import BASE, Server, non_loopback_ipv4, occurrences

from refcheck.cache import Cache
from refcheck.config import Config
from refcheck.links import check_links
from refcheck.model import Link, StageResult


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    srv = Server("127.0.0.1")
    yield srv
    srv.close()


@pytest.fixture(scope="session")
def other_server() -> Iterator[Server]:
    """On 127.0.0.2: loopback, but not in the tests' allow_hosts."""
    srv = Server("127.0.0.2")
    yield srv
    srv.close()


@pytest.fixture(scope="session")
def lan_server() -> Iterator[Server]:
    address = non_loopback_ipv4()
    if address is None:
        pytest.skip("no non-loopback IPv4 interface")
    try:
        srv = Server(address)
    except OSError as exc:
        pytest.skip(f"cannot listen on {address}: {exc}")
    yield srv
    srv.close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def check() -> Callable[..., StageResult]:
    """check(urls, cache=None, deadline=None, **config overrides) -> StageResult"""

    def run(
        urls: list[str] | list[tuple[str, Link]],
        cache: Cache | None = None,
        deadline: float | None = None,
        **overrides: Any,
    ) -> StageResult:
        config = Config(**{**BASE, **overrides})
        found = urls if urls and isinstance(urls[0], tuple) else occurrences(urls)  # type: ignore[arg-type]
        return check_links(found, config, cache or Cache(None), deadline=deadline)  # type: ignore[arg-type]

    return run
