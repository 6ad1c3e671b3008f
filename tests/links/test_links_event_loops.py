"""The link stage gives the same findings on uvloop (CI's Python) and on asyncio's own loop (Python
3.10, Windows, no uvloop): one run of each over cases that exercise the connection layer."""

from __future__ import annotations

import asyncio

import pytest
from linkserver import BASE, Server, occurrences

from refcheck import eventloop
from refcheck.cache import Cache
from refcheck.config import Config
from refcheck.links import check_links

CASES = [
    "/ok/{loop}",
    "/status/404/{loop}",
    "/status/500/{loop}",
    "/redirect/301/{loop}?to=/ok/{loop}-moved",
    "/chain/3/{loop}",
    "/loop/a/{loop}",
    "/page/{loop}#intro",
    "/page/{loop}#nope",
    "/nohead/{loop}",
    "/garbage/{loop}",
    "/reset/{loop}",
    "/botwall/{loop}",
    "/challenge/{loop}",
]


def _findings(server: Server, loop: str) -> list[tuple[int, str, str]]:
    urls = [server.url(case.format(loop=loop)) for case in CASES]
    result = check_links(occurrences(urls), Config(**{**BASE, "retry_wait": 0.01}), Cache(None))
    return [(d.span.line, d.code, d.message.replace(loop, "LOOP")) for d in result.diagnostics]


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_uvloop_and_asyncio_find_the_same(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    if eventloop.uvloop_factory() is None:
        pytest.skip("uvloop is not installed here")
    assert eventloop.run(_loop_module()).startswith("uvloop")
    on_uvloop = _findings(server, "uv")
    monkeypatch.setattr(eventloop, "uvloop_factory", lambda: None)
    assert eventloop.run(_loop_module()).startswith("asyncio")
    on_asyncio = _findings(server, "aio")
    assert on_uvloop == on_asyncio
    assert {code for _, code, _ in on_uvloop} >= {"RC401", "RC403", "RC405", "RC406"}
