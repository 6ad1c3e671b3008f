"""Link checking against a real loopback server: one route per case, exact code and message class."""

from __future__ import annotations

import itertools
import re
import time
import tracemalloc

import pytest
from linkserver import BOMB_SIZE, Server, occurrences

from refcheck.links.anchors import MAX_SCAN_BYTES
from refcheck.model import Severity, Span


def only(result, code: str | None):  # type: ignore[no-untyped-def]
    """The single diagnostic (asserting there is exactly one, of `code`), or none when code is None."""
    if code is None:
        assert result.diagnostics == [], result.diagnostics
        return None
    assert [d.code for d in result.diagnostics] == [code], result.diagnostics
    return result.diagnostics[0]


@pytest.mark.parametrize(
    ("path", "code", "message"),
    [
        ("/ok/a", None, None),
        ("/status/404/a", "RC401", r"^HTTP 404 Not Found: "),
        ("/status/410/a", "RC401", r"^HTTP 410 Gone: "),
        ("/status/500/a", "RC401", r"^HTTP 500 Internal Server Error: "),
        ("/forbidden/a", "RC401", r"^HTTP 403 Forbidden: "),
        (
            "/botwall/a",
            "RC406",
            r"^blocked by bot protection, not known broken \(HTTP 403 Forbidden, "
            r"cf-mitigated: challenge\): ",
        ),
        (
            "/challenge/a",
            "RC406",
            r"^blocked by bot protection, not known broken \(HTTP 503 .*"
            r"challenge page \(<title>just a moment...</title>\)\): ",
        ),
        ("/status/999/a", "RC406", r"^blocked by bot protection, not known broken \(HTTP 999"),
        ("/always429/a", "RC408", r"^rate limited \(HTTP 429 Too Many Requests\), not known broken: "),
        ("/garbage/a", "RC401", r"^invalid HTTP response \("),
        (
            "/reset/a",
            "RC401",
            r"^connection (reset by the server|closed by the server without an answer) "
            r"\(after 2 retries\): ",
        ),
        ("/loop/a/a", "RC401", r"^redirect loop at http://127\.0\.0\.1:\d+/loop/a/a: "),
        ("/chain/11/a", "RC401", r"^too many redirects \(more than 10\): "),
    ],
)
def test_status_and_failure_codes(server: Server, check, path: str, code: str | None, message: str | None) -> None:
    url = server.url(path)
    diagnostic = only(check([url]), code)
    if diagnostic is not None:
        assert re.match(message, diagnostic.message), diagnostic.message
        assert diagnostic.message.endswith(f": {url}")
        assert (diagnostic.path, diagnostic.span) == ("doc.md", Span(1, 3, 1, 5 + len(url)))


def test_each_occurrence_of_a_failing_url_gets_its_own_diagnostic_from_one_request(server: Server, check) -> None:
    url = server.url("/status/404/dupes")
    links = occurrences([url, server.url("/ok/dupes"), url]) + occurrences([url], path="other.md")
    result = check(links)
    assert [(d.path, d.span.line, d.span.column, d.code) for d in result.diagnostics] == [
        ("doc.md", 1, 3, "RC401"),
        ("doc.md", 3, 3, "RC401"),
        ("other.md", 1, 3, "RC401"),
    ]
    assert all(d.severity is Severity.ERROR for d in result.diagnostics)
    assert [h.method for h in server.hits("/status/404/dupes")] == ["HEAD", "GET"]
    assert result.requests == 3


def test_retry_after_500_succeeds(server: Server, check) -> None:
    only(check([server.url("/flaky/a")]), None)
    assert [h.method for h in server.hits("/flaky/a")] == ["HEAD", "GET", "GET"]


def test_always_500_is_retried_then_broken(server: Server, check) -> None:
    check([server.url("/status/500/retried")])
    assert [h.method for h in server.hits("/status/500/retried")] == ["HEAD", "GET", "GET", "GET"]


def test_head_refused_falls_back_to_get_and_later_urls_of_that_host_skip_head(server: Server, check) -> None:
    first, second = server.url("/nohead/a"), server.url("/nohead/b")
    only(check([first]), None)
    assert [h.method for h in server.hits("/nohead/a")] == ["HEAD", "GET"]
    result = check([first, second], max_per_host=1)  # one at a time: the second sees what the first learnt
    only(result, None)
    assert [h.method for h in server.hits("/nohead/b")] == ["GET"]


@pytest.mark.parametrize("route", ["/retry-after/a", "/retry-after-date/a"])
def test_429_waits_for_retry_after_then_succeeds(server: Server, check, route: str) -> None:
    start = time.monotonic()
    only(check([server.url(route)]), None)
    hits = server.hits(route)
    assert [h.method for h in hits] == ["HEAD", "GET"]
    assert hits[1].at - hits[0].at >= 0.9  # 1 s, or an HTTP date (whole seconds) 1 to 2 s away
    assert time.monotonic() - start < 10


def test_429_asking_for_a_long_pause_gives_up_at_once_for_the_whole_host(server: Server, check) -> None:
    start = time.monotonic()
    result = check([server.url("/come-back-later/a"), server.url("/come-back-later/b")], max_per_host=1)
    assert time.monotonic() - start < 3
    assert [d.message.split(": ")[0] for d in result.diagnostics] == [
        "rate limited (HTTP 429 Too Many Requests, Retry-After 3600 s), not known broken",
        "rate limited (HTTP 429 Too Many Requests, Retry-After 3600 s), not known broken",
    ]
    assert len(server.hits("/come-back-later/a")) + len(server.hits("/come-back-later/b")) == 1


def test_always_429_is_retried_with_the_host_slowed_down(server: Server, check) -> None:
    check([server.url("/always429/slowed")])
    hits = server.hits("/always429/slowed")
    assert [h.method for h in hits] == ["HEAD", "GET", "GET", "GET"]
    gaps = [b.at - a.at for a, b in itertools.pairwise(hits)]
    assert all(later > earlier for earlier, later in itertools.pairwise(gaps)), gaps  # widening


@pytest.mark.parametrize("route", ["/slow/a?s=3", "/dribble/a"])
def test_timeout_bounds_the_whole_request(server: Server, check, route: str) -> None:
    start = time.monotonic()
    diagnostic = only(check([server.url(route)], timeout=0.6, retries=1), "RC402")
    assert diagnostic.message.startswith("no complete answer within 0.6 s (after 1 retries): ")
    assert diagnostic.severity is Severity.WARNING
    assert time.monotonic() - start < 2.9  # two attempts of 0.6 s, nowhere near the server's 3 s


def test_connection_refused_is_broken_quickly(check, closed_port: int) -> None:
    start = time.monotonic()
    diagnostic = only(check([f"http://127.0.0.1:{closed_port}/x"]), "RC401")
    assert diagnostic.message.startswith("connection refused by 127.0.0.1 (after 2 retries): ")
    assert time.monotonic() - start < 3


@pytest.mark.parametrize(
    ("route", "code", "message"),
    [
        ("/redirect/301/a?to=/ok/moved", "RC403", "permanently redirected (301) to {base}/ok/moved"),
        ("/redirect/308/a?to=/ok/moved", "RC403", "permanently redirected (308) to {base}/ok/moved"),
        ("/redirect/302/a?to=/ok/moved", None, ""),
        ("/redirect/307/a?to=/ok/moved", None, ""),
        ("/chain/3/a", None, ""),
        ("/redirect/301/b?to=/chain/1/b", "RC403", "permanently redirected (301) to {base}/chain/1/b"),
        ("/redirect/302/c?to=/status/404/c", "RC401", "HTTP 404 Not Found, after a redirect to {base}/status/404/c"),
    ],
)
def test_redirects(server: Server, check, route: str, code: str | None, message: str) -> None:
    url = server.url(route)
    diagnostic = only(check([url]), code)
    if diagnostic is not None:
        assert diagnostic.message == message.format(base=server.url("")) + f": {url}"


def test_permanent_redirect_is_info(server: Server, check) -> None:
    assert only(check([server.url("/redirect/301/info?to=/ok/x")]), "RC403").severity is Severity.INFO


@pytest.mark.parametrize(
    ("fragment", "found"),
    [
        ("intro", True),
        ("legacy", True),  # <a name=…>
        ("install", True),  # GitHub's user-content- prefix
        ("Install", True),  # … matched case-blind, as GitHub's script does
        ("escaped", True),  # id=\"…\" in JSON-embedded HTML
        ("single", True),
        ("bare", True),
        ("a&b", True),  # entity-decoded
        ("caf%C3%A9", True),  # percent-encoded fragment
        ("café", True),
        ("missing", False),
        ("Intro", False),  # ids are case-sensitive outside GitHub's prefix
    ],
)
def test_remote_anchors(server: Server, check, fragment: str, found: bool) -> None:
    url = server.url(f"/page.html#{fragment}")
    diagnostic = only(check([url]), None if found else "RC405")
    if diagnostic is not None:
        assert diagnostic.message == f"anchor #{fragment} not found: {server.url('/page.html')}"
        assert diagnostic.severity is Severity.WARNING


def test_anchors_of_one_page_share_one_get(server: Server, check) -> None:
    urls = [server.url(f"/page/shared#{f}") for f in ("intro", "legacy", "nope")]
    result = check(urls)
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("RC405", 3)]
    assert [h.method for h in server.hits("/page/shared")] == ["GET"]


def test_fragment_of_a_non_html_page_is_not_judged(server: Server, check) -> None:
    only(check([server.url("/pdf/a#page=3")]), None)


def test_huge_body_is_not_read(server: Server, check) -> None:
    start = time.monotonic()
    only(check([server.url("/huge/plain")]), None)  # HEAD refused, GET answered: the body stays unread
    assert time.monotonic() - start < 5
    assert server.recorder.sent["/huge/plain"] < 64 * 1024**2


def test_anchor_scan_of_a_huge_page_stops_at_the_limit(server: Server, check) -> None:
    diagnostic = only(check([server.url("/huge/anchor#nowhere")], timeout=10), "RC405")
    assert f"not found in the first {MAX_SCAN_BYTES // 2**20} MiB of the page" in diagnostic.message
    assert server.recorder.sent["/huge/anchor"] < MAX_SCAN_BYTES + 64 * 1024**2


def test_gzip_bomb_is_not_inflated(server: Server, check) -> None:
    from linkserver import _bomb

    _bomb()  # built before measuring
    tracemalloc.start()
    try:
        diagnostic = only(check([server.url("/bomb/a#nowhere")], timeout=10), "RC405")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "in the first" in diagnostic.message
    assert peak < BOMB_SIZE // 4


def test_user_agent_is_refcheck_unless_configured(server: Server, check) -> None:
    from refcheck import __version__

    check([server.url("/echo/ua-default")])
    check([server.url("/echo/ua-custom")], user_agent="docs-bot/2")
    assert server.hits("/echo/ua-default")[0].headers["user-agent"] == f"refcheck/{__version__}"
    assert server.hits("/echo/ua-custom")[0].headers["user-agent"] == "docs-bot/2"


def test_host_headers_are_not_sent_across_a_redirect_to_another_host(server: Server, check) -> None:
    target = server.url("/echo/token-after", host="localhost")
    url = server.url(f"/redirect/302/token?to={target}")
    only(check([url], headers=(("127.0.0.1", (("X-Token", "s3cret"),)),)), None)
    assert server.hits("/redirect/302/token")[0].headers["x-token"] == "s3cret"
    assert "x-token" not in server.hits("/echo/token-after")[0].headers


def test_credentials_in_the_url_are_sent_as_basic_auth(server: Server, check) -> None:
    url = server.url("/echo/basic").replace("http://", "http://us%20er:p%40ss@")
    only(check([url]), None)
    assert server.hits("/echo/basic")[0].headers["authorization"] == "Basic dXMgZXI6cEBzcw=="  # "us er:p@ss"
    check([server.url("/echo/no-basic")])
    assert "authorization" not in server.hits("/echo/no-basic")[0].headers


def test_host_interval_spaces_request_starts(server: Server, check) -> None:
    urls = [server.url(f"/echo/interval-{n}") for n in range(3)]
    only(check(urls, host_interval=0.3), None)
    starts = sorted(server.hits(f"/echo/interval-{n}")[0].at for n in range(3))
    assert all(b - a >= 0.25 for a, b in itertools.pairwise(starts)), starts  # 0.3 s, less server jitter


def test_a_host_waiting_for_its_own_limit_holds_no_global_slot(server: Server, check) -> None:
    slow = [server.url(f"/slow/hol-{n}?s=0.5") for n in range(3)]
    fast = [server.url(f"/echo/hol-{n}", host="localhost") for n in range(3)]
    only(check(slow + fast, max_concurrency=2, max_per_host=1, timeout=5), None)
    first_slow_done = server.recorder.done["/slow/hol-0"]
    assert all(server.hits(f"/echo/hol-{n}")[0].at < first_slow_done for n in range(3))


def test_total_deadline_ends_the_stage(server: Server, check) -> None:
    urls = [server.url(f"/slow/deadline-{n}?s=3") for n in range(3)]
    start = time.monotonic()
    result = check(urls, deadline=start + 0.5, timeout=5)
    assert time.monotonic() - start < 2.5
    assert result.diagnostics == []
    assert result.notices == ["timeout_total reached: 3 links not checked"]
    assert (result.unchecked_links, result.incomplete) == (3, True)


def test_accept_makes_a_status_count_as_working(server: Server, check) -> None:
    only(check([server.url("/status/404/accepted")], accept=((200, 299), (404, 404))), None)


def test_progress_bar_is_hidden_off_a_terminal(server: Server, capsys) -> None:
    from linkserver import BASE

    from refcheck.cache import Cache
    from refcheck.config import Config
    from refcheck.links import check_links

    check_links(occurrences([server.url("/ok/progress")]), Config(**BASE), Cache(None), progress=True)
    assert capsys.readouterr().err == ""
