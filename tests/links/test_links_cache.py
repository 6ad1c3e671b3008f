"""The link cache: successes reused, failures rechecked, several processes at once, a corrupt file."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from linkserver import Server

from refcheck.cache import Cache


def test_second_run_makes_no_request(server: Server, check, tmp_path: Path) -> None:
    urls = [server.url(p) for p in ("/ok/cached", "/page/cached#intro", "/redirect/301/cached?to=/ok/x")]
    with Cache(tmp_path / "c.sqlite3") as cache:
        first = check(urls, cache=cache)
        second = check(urls, cache=cache)
    assert first.requests == 4 and second.requests == 0
    assert [len(server.hits(p)) for p in ("/ok/cached", "/page/cached", "/redirect/301/cached")] == [1, 1, 1]
    assert [d.code for d in second.diagnostics] == [d.code for d in first.diagnostics] == ["RC403"]
    assert second.diagnostics == first.diagnostics


def test_failures_are_rechecked(server: Server, check, tmp_path: Path) -> None:
    urls = [server.url("/status/404/recheck"), server.url("/page/recheck#nope")]
    with Cache(tmp_path / "c.sqlite3") as cache:
        check(urls, cache=cache)
        again = check(urls, cache=cache)
    assert [d.code for d in again.diagnostics] == ["RC401", "RC405"]
    assert again.requests == 3
    assert len(server.hits("/status/404/recheck")) == 4 and len(server.hits("/page/recheck")) == 2


def test_a_cached_page_is_refetched_for_a_fragment_not_yet_seen(
    server: Server, check, tmp_path: Path
) -> None:
    with Cache(tmp_path / "c.sqlite3") as cache:
        check([server.url("/page/newfrag#intro")], cache=cache)
        result = check([server.url("/page/newfrag#legacy")], cache=cache)
    assert (result.requests, result.diagnostics) == (1, [])


def test_expired_entries_are_not_used(server: Server, check, tmp_path: Path) -> None:
    with Cache(tmp_path / "c.sqlite3") as cache:
        check([server.url("/ok/expired")], cache=cache, cache_max_age=0)
        assert check([server.url("/ok/expired")], cache=cache).requests == 1


_CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from refcheck.cache import Cache
    from refcheck.config import Config
    from refcheck.links import check_links
    from refcheck.model import Link, LinkContext, LinkKind, Span
    urls = json.loads(sys.argv[2])
    links = [("d.md", Link(u, Span(n, 1, n, 2), LinkKind.BARE, LinkContext.PROSE))
             for n, u in enumerate(urls, 1)]
    with Cache(Path(sys.argv[1])) as cache:
        result = check_links(links, Config(allow_hosts=("127.0.0.1",), timeout=5.0), cache)
    print(json.dumps({"diagnostics": len(result.diagnostics), "notices": result.notices}))
    """
)


def test_two_processes_share_one_cache(server: Server, check, tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    urls = [server.url(f"/ok/multi-{n}") for n in range(30)]
    children = [
        subprocess.Popen([sys.executable, "-c", _CHILD, str(path), json.dumps(urls)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
        for _ in range(2)
    ]
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        assert json.loads(out) == {"diagnostics": 0, "notices": []}
    with Cache(path) as cache:
        assert check(urls, cache=cache).requests == 0


def test_a_corrupt_cache_is_rebuilt_with_a_notice(server: Server, check, tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite3"
    path.write_bytes(b"this is not a database\n" * 200)
    with Cache(path) as cache:
        result = check([server.url("/ok/corrupt")], cache=cache)
        assert check([server.url("/ok/corrupt")], cache=cache).requests == 0
    assert result.diagnostics == []
    assert len(result.notices) == 1 and "corrupt" in result.notices[0] and "rebuilt" in result.notices[0]
