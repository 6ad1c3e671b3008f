"""The link cache: successes reused, failures rechecked, several processes at once, a corrupt file."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from linkserver import Server

from refcheck.cache import Cache
from refcheck.cli import main


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


def test_a_cached_page_is_refetched_for_a_fragment_not_yet_seen(server: Server, check, tmp_path: Path) -> None:
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
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(path), json.dumps(urls)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
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
    with Cache(path) as cache:
        cache.put("link", "k", {"v": 1}, ttl=60)
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\xff" * (len(data) - 100))  # refcheck's marker kept, pages broken
    with Cache(path) as cache:
        result = check([server.url("/ok/corrupt")], cache=cache)
        assert check([server.url("/ok/corrupt")], cache=cache).requests == 0
    assert result.diagnostics == []
    assert len(result.notices) == 1 and "corrupt" in result.notices[0] and "rebuilt" in result.notices[0]


def _seed(path: Path, namespace: str, key: str, value: str) -> None:
    """A row written by someone else into a refcheck cache."""
    import sqlite3

    Cache(path).close()
    db = sqlite3.connect(path)
    db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, 1e12)", (namespace, key, value))
    db.commit()
    db.close()


BAD_LINK_ROWS = [
    '{"status": "200", "code": null, "problem": "", "final": null, "anchors": ["intro"]}',
    '{"status": true, "code": null, "problem": "", "final": null, "anchors": ["intro"]}',
    '{"status": 200, "code": [], "problem": "", "final": null, "anchors": ["intro"]}',
    '{"status": 200, "code": null, "problem": "", "final": null, "anchors": [["intro"]]}',
    '{"status": 200, "code": null, "problem": 5, "final": null, "anchors": ["intro"]}',
    '{"status": 200, "code": "RC403", "problem": "", "final": 7, "anchors": ["intro"]}',
    '{"status": 200, "code": null, "problem": "", "final": null, "anchors": "intro"}',
]


@pytest.mark.parametrize("row", BAD_LINK_ROWS)
def test_a_link_row_of_the_wrong_shape_is_a_miss(
    server: Server, tmp_path: Path, row: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.sqlite3"
    url = server.url("/status/404/badrow")
    _seed(path, "link", url, row)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "doc.md").write_text(f"- [x]({url}#intro)\n", encoding="utf-8")
    code = main(
        [
            "--cache",
            str(path),
            "--no-verify",
            "--format",
            "json",
            "--allow-host",
            "127.0.0.1",
            "--retries",
            "0",
            "doc.md",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert [(d["line"], d["column"], d["code"]) for d in data["diagnostics"]] == [(1, 3, "RC401")]
    assert data["diagnostics"][0]["message"].startswith("HTTP 404")  # asked, not answered from the row
    assert data["notices"] == [] and code == 1
