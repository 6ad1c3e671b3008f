"""The link stage fed while files are still being parsed: requests start with the first file's links,
fragments that arrive after their page was fetched are still judged, and the deadline counts what
arrives after it as not checked."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from linkserver import BASE, Server, occurrences

from refcheck.cache import Cache
from refcheck.config import Config
from refcheck.links.stage import check_feed
from refcheck.model import Document, Link, StageResult
from refcheck.network import LinkFeed, NetworkRun


async def _until(seen: Callable[[], object], within: float = 5.0) -> None:
    end = time.monotonic() + within
    while not seen():
        assert time.monotonic() < end, "the server never saw the request"
        await asyncio.sleep(0.01)


def _fed(server: Server, *steps: list[tuple[str, Link]] | str) -> StageResult:
    """Run the stage; each step is a batch put on the feed, or a path whose first hit is awaited."""

    async def scenario() -> StageResult:
        feed = LinkFeed()
        stage = asyncio.create_task(check_feed(feed.batches(), Config(**BASE), Cache(None)))
        for step in steps:
            if isinstance(step, str):
                await _until(lambda path=step: server.hits(path))  # type: ignore[misc]
            else:
                feed.put(step)
        feed.close()
        return await stage

    return asyncio.run(scenario())


def test_requests_start_before_the_feed_is_closed(server: Server) -> None:
    result = _fed(
        server,
        occurrences([server.url("/ok/feed-first")], path="a.md"),
        "/ok/feed-first",
        occurrences([server.url("/status/404/feed-second")], path="b.md"),
    )
    assert [(d.path, d.code, d.span.line, d.span.column) for d in result.diagnostics] == [("b.md", "RC401", 1, 3)]
    assert result.requests == 3  # HEAD of the first; HEAD then GET of the broken one


def test_a_fragment_arriving_after_its_page_was_fetched_is_still_judged(server: Server) -> None:
    page = server.url("/page/late")
    result = _fed(
        server,
        occurrences([page], path="a.md"),
        "/page/late",
        occurrences([f"{page}#intro", f"{page}#nope"], path="b.md"),
    )
    assert [(d.path, d.code, d.span.line) for d in result.diagnostics] == [("b.md", "RC405", 2)]
    assert result.diagnostics[0].message == f"anchor #nope not found: {page}"
    assert [h.method for h in server.hits("/page/late")] == ["HEAD", "GET"]


def test_a_late_fragment_of_a_broken_page_asks_nothing_more(server: Server) -> None:
    page = server.url("/status/404/late-broken")
    result = _fed(
        server, occurrences([page], path="a.md"), "/status/404/late-broken", occurrences([f"{page}#x"], path="b.md")
    )
    assert [(d.path, d.code) for d in result.diagnostics] == [("a.md", "RC401"), ("b.md", "RC401")]
    assert [h.method for h in server.hits("/status/404/late-broken")] == ["HEAD", "GET"]


def test_a_later_look_for_fragments_cut_by_the_deadline_leaves_them_not_checked(server: Server) -> None:
    page = server.url("/slow-get/late?s=3")

    async def scenario() -> StageResult:
        feed = LinkFeed()
        deadline = time.monotonic() + 1.0  # the first HEAD is answered at once
        stage = asyncio.create_task(
            check_feed(feed.batches(), Config(**{**BASE, "timeout": 5}), Cache(None), deadline=deadline)
        )
        feed.put(occurrences([page], path="a.md"))
        await _until(lambda: server.hits("/slow-get/late"))
        feed.put(occurrences([f"{page}#intro", f"{page}#nope"], path="b.md"))
        feed.close()
        return await stage

    result = asyncio.run(scenario())
    assert result.diagnostics == []  # the page works; its anchors were never read
    assert result.notices == ["timeout_total reached: 2 links not checked"]
    assert (result.unchecked_links, result.incomplete) == (2, True)
    assert [h.method for h in server.hits("/slow-get/late")] == ["HEAD", "GET"]


def test_what_arrives_after_the_deadline_counts_as_not_checked(server: Server) -> None:

    async def scenario() -> StageResult:
        feed = LinkFeed()
        deadline = time.monotonic() + 0.3
        stage = asyncio.create_task(
            check_feed(feed.batches(), Config(**{**BASE, "timeout": 5}), Cache(None), deadline=deadline)
        )
        feed.put(occurrences([server.url("/slow/feed-deadline?s=2")], path="a.md"))
        await asyncio.sleep(0.6)
        feed.put(occurrences([server.url("/ok/feed-after"), server.url("/ok/feed-after-2")], path="b.md"))
        feed.close()
        return await stage

    start = time.monotonic()
    result = asyncio.run(scenario())
    assert time.monotonic() - start < 1.8
    assert result.notices == ["timeout_total reached: 3 links not checked"]
    assert (result.unchecked_links, result.incomplete, result.diagnostics) == (3, True, [])
    assert server.hits("/ok/feed-after") == []


def test_a_network_run_checks_a_document_s_links_as_soon_as_it_is_added(server: Server) -> None:
    run = NetworkRun(Config(**{**BASE, "verify": False}), deadline=None, progress=False)
    doc = Document(Path("a.md"), "a.md", links=[link for _, link in occurrences([server.url("/status/404/run-add")])])
    run.add(doc)
    asyncio.run(_until(lambda: server.hits("/status/404/run-add")))  # before `finish`: no other file waits
    result = run.finish([doc])
    assert [(d.path, d.code, d.span.line, d.span.column) for d in result.diagnostics] == [("a.md", "RC401", 1, 3)]


def _tree(root: Path, server: Server, files: int) -> None:
    """`files` Markdown files; the first links a page bare, the last links the same page with a
    missing and a present fragment (it arrives after the page was fetched), each one a broken link."""
    page = server.url("/page/tree")
    for n in range(files):
        links = [f"- <{server.url(f'/status/404/tree-{n}')}>"]
        if n == 0:
            links.append(f"- <{page}>")
        if n == files - 1:
            links += [f"- <{page}#nope>", f"- <{page}#intro>"]
        (root / f"f{n:02d}.md").write_text(f"# File {n}\n\n" + "\n".join(links) + "\n")


def test_a_parallel_run_checks_links_as_a_serial_run_does(server: Server, tmp_path: Path) -> None:
    from refcheck import check_paths

    _tree(tmp_path, server, 20)  # past the 16 files from which a worker pool parses
    found = {}
    for jobs in (1, 2):
        config = Config(**{**BASE, "verify": False, "use_cache": False, "jobs": jobs})
        result = check_paths([tmp_path], config)
        found[jobs] = [(Path(d.path).name, d.span.line, d.span.column, d.code, d.message) for d in result.diagnostics]
    assert found[1] == found[2]
    assert [(name, line, code) for name, line, _, code, _ in found[2] if code == "RC405"] == [("f19.md", 4, "RC405")]
    assert sum(1 for *_, code, _ in found[2] if code == "RC401") == 20


def test_a_network_run_opens_its_cache_only_when_a_stage_starts(server: Server, tmp_path: Path) -> None:
    """Worker processes are forked after the run is made: they must not inherit an open SQLite file."""
    path = tmp_path / "cache.sqlite"
    run = NetworkRun(Config(**{**BASE, "verify": False, "cache": path}), deadline=None, progress=False)
    assert not path.exists()
    run.start()
    assert path.exists()
    assert run.finish([]).diagnostics == []
