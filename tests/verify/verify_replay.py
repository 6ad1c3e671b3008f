"""A loopback HTTP server replaying recorded arXiv API and Crossref responses (tests and bench).

`/arxiv/query?id_list=…` answers a single recorded ID with its recorded body, verbatim; other requests
get a feed built in the recorded Atom format (recorded entries copied, other IDs given constructed
entries). `/crossref/works/{doi}` and `/crossref/works/{doi}/agency` serve the recorded or constructed
JSON. Faults (status codes, delays) can be queued per source, and every request is logged with its
arrival time, so tests measure pacing and concurrency on the server side.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from xml.sax.saxutils import escape

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "api"

RECORDED_ARXIV = {  # single-ID responses recorded from the live API
    "1707.08567": "arxiv-2026-id_list-1707.08567.body.xml",
    "astro-ph/0601001": "arxiv-2026-id_list-astro-ph_0601001.body.xml",
    "0000.0000": "arxiv-2026-id_list-0000.0000-empty.body.xml",
    "1111.2011": "arxiv-2016-legacy-id_list-1111.2011v2.xml",
    "2101.99999": "arxiv-constructed-withdrawn.body.xml",  # constructed: a withdrawn paper
}
ARXIV_400 = "arxiv-2026-id_list-abc-http400.body.xml"  # names the malformed ID "abc"
CROSSREF = {
    "10.1371/journal.pone.0033693": (200, "crossref-works-10.1371_journal.pone.0033693.json"),
    "10.1038/srep16696": (200, "crossref-works-10.1038_srep16696.json"),
    "10.1371/notarealdoi": (404, "crossref-works-10.1371_notarealdoi-404.txt"),
    "10.5555/retracted.2019.001": (200, "crossref-constructed-retracted.json"),
    "10.5281/zenodo.1234567": (404, "crossref-works-10.1371_notarealdoi-404.txt"),
}
CROSSREF_AGENCY = {"10.5281/zenodo.1234567": (200, "crossref-constructed-agency-datacite.json")}
CROSSREF_HEADERS = {  # as recorded in the cassettes
    "x-concurrency-limit": "1",
    "x-rate-limit-limit": "5",
    "x-rate-limit-interval": "1s",
}

_ENTRY = re.compile(r"  <entry>.*?</entry>\n", re.DOTALL)
_FEED_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" \
xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/constructedBatchFeed</id>
  <title>arXiv Query: search_query=&amp;id_list={ids}&amp;start=0&amp;max_results={n}</title>
  <updated>2026-04-12T22:10:26Z</updated>
  <link href="https://arxiv.org/api/query?search_query=&amp;start=0&amp;max_results={n}&amp;id_list={ids}" \
type="application/atom+xml"/>
  <opensearch:itemsPerPage>{n}</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
"""
_CONSTRUCTED_ENTRY = """  <entry>
    <id>http://arxiv.org/abs/{id}v1</id>
    <title>{title}</title>
    <updated>{published}</updated>
    <link href="https://arxiv.org/abs/{id}v1" rel="alternate" type="text/html"/>
    <link href="https://arxiv.org/pdf/{id}v1" rel="related" type="application/pdf" title="pdf"/>
    <summary>A constructed abstract for {id}.</summary>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <published>{published}</published>
    <arxiv:primary_category term="cs.LG"/>
{authors}  </entry>
"""
_ERROR_FEED = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" \
xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/</id>
  <title>arXiv Search Results</title>
  <updated>2026-04-12T22:59:06Z</updated>
  <opensearch:itemsPerPage>1</opensearch:itemsPerPage>
  <opensearch:totalResults>1</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
  <entry>
    <id>https://arxiv.org/api/errors#{slug}</id>
    <title>Error</title>
    <updated>2026-04-12T22:59:06Z</updated>
    <link href="https://arxiv.org/api/errors#{slug}" rel="alternate" type="text/html"/>
    <summary>{message}</summary>
    <author>
      <name>arXiv api core</name>
    </author>
  </entry>
</feed>
"""


def read_fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@dataclass(frozen=True)
class Paper:
    """A constructed arXiv entry."""

    title: str
    authors: tuple[str, ...]
    published: str = "2020-01-15T18:00:00Z"


def constructed_entry(arxiv_id: str, paper: Paper) -> str:
    authors = "".join(f"    <author>\n      <name>{escape(a)}</name>\n    </author>\n" for a in paper.authors)
    return _CONSTRUCTED_ENTRY.format(id=arxiv_id, title=escape(paper.title), published=paper.published, authors=authors)


def recorded_entry(arxiv_id: str) -> str | None:
    name = RECORDED_ARXIV.get(arxiv_id)
    if name is None:
        return None
    match = _ENTRY.search(read_fixture(name).decode("utf-8"))
    return match.group(0) if match else None


@dataclass(frozen=True)
class Hit:
    at: float  # time.monotonic() on arrival
    source: str  # "arxiv" | "crossref"
    path: str
    query: dict[str, list[str]]
    user_agent: str


@dataclass
class Fault:
    status: int = 0  # 0: answer normally
    delay: float = 0.0  # seconds before answering
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


class ReplayServer:
    """`with ReplayServer() as server:` … `server.url("arxiv")`, `server.hits`."""

    def __init__(self, *, arxiv_min_gap: float | None = None) -> None:
        self.papers: dict[str, Paper] = {}  # constructed arXiv entries, by ID
        self.malformed: set[str] = set()  # IDs the arXiv API rejects with HTTP 400
        self.name_malformed = True  # whether the 400 error feed names the culprit
        self.faults: dict[str, deque[Fault]] = {"arxiv": deque(), "crossref": deque()}
        self.always: dict[str, Fault | None] = {"arxiv": None, "crossref": None}
        self.crossref_headers = dict(CROSSREF_HEADERS)
        self.crossref_delay = 0.0
        self.arxiv_min_gap = arxiv_min_gap  # enforce arXiv's rule: earlier requests get HTTP 503
        self.violations = 0
        self.hits: list[Hit] = []
        self.in_flight = {"arxiv": 0, "crossref": 0}
        self.max_in_flight = {"arxiv": 0, "crossref": 0}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, source: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/arxiv/query" if source == "arxiv" else f"http://{host}:{port}/crossref"

    def requests(self, source: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.source == source]

    def gaps(self, source: str) -> list[float]:
        times = [h.at for h in self.requests(source)]
        return [b - a for a, b in itertools.pairwise(times)]

    # ---- answers ------------------------------------------------------------------------------------

    def arxiv_answer(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        ids = [i for i in (query.get("id_list") or [""])[0].split(",") if i]
        bad = [i for i in ids if i in self.malformed]
        if bad:
            if bad[0] == "abc" and self.name_malformed:
                return 400, read_fixture(ARXIV_400)
            slug, message = ("incorrect_id_format_for_" + bad[0], "incorrect id format for " + bad[0])
            if not self.name_malformed:
                slug, message = "malformed_id_list", "malformed id_list"
            return 400, _ERROR_FEED.format(slug=escape(slug), message=escape(message)).encode()
        if len(ids) == 1 and ids[0] in RECORDED_ARXIV and ids[0] not in self.papers:
            return 200, read_fixture(RECORDED_ARXIV[ids[0]])
        entries = []
        for arxiv_id in ids:
            if arxiv_id in self.papers:
                entries.append(constructed_entry(arxiv_id, self.papers[arxiv_id]))
            elif (entry := recorded_entry(arxiv_id)) is not None:
                entries.append(entry)
        n = (query.get("max_results") or ["10"])[0]
        head = _FEED_HEAD.format(ids=escape(",".join(ids)), n=n, total=len(entries))
        return 200, (head + "".join(entries) + "</feed>\n").encode()

    def crossref_answer(self, path: str) -> tuple[int, bytes]:
        doi = unquote(path.removeprefix("/crossref/works/"))
        if doi.endswith("/agency"):
            doi = doi.removesuffix("/agency")
            status, name = CROSSREF_AGENCY.get(doi, (404, "crossref-constructed-agency-404.txt"))
        else:
            status, name = CROSSREF.get(doi, (404, "crossref-works-10.1371_notarealdoi-404.txt"))
        return status, read_fixture(name)

    # ---- the handler --------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                now = time.monotonic()
                parts = urlsplit(self.path)
                source = "arxiv" if parts.path.startswith("/arxiv") else "crossref"
                with server._lock:
                    previous = [h.at for h in server.hits if h.source == source]
                    server.hits.append(
                        Hit(now, source, parts.path, parse_qs(parts.query), self.headers.get("User-Agent", ""))
                    )
                    server.in_flight[source] += 1
                    server.max_in_flight[source] = max(server.max_in_flight[source], server.in_flight[source])
                    fault = server.faults[source].popleft() if server.faults[source] else server.always[source]
                try:
                    self._answer(source, parts, fault, previous, now)
                finally:
                    with server._lock:
                        server.in_flight[source] -= 1

            def _answer(
                self, source: str, parts: object, fault: Fault | None, previous: list[float], now: float
            ) -> None:
                path, query = parts.path, parse_qs(parts.query)  # type: ignore[attr-defined]
                if (
                    source == "arxiv"
                    and server.arxiv_min_gap
                    and previous
                    and now - previous[-1] < server.arxiv_min_gap
                ):
                    with server._lock:
                        server.violations += 1
                    return self._send(503, b"Rate exceeded.", {"Content-Type": "text/plain", "Retry-After": "3"})
                if fault is not None:
                    time.sleep(fault.delay)
                    if fault.status:
                        return self._send(fault.status, fault.body, fault.headers)
                if source == "arxiv":
                    status, body = server.arxiv_answer(query)
                    return self._send(status, body, {"Content-Type": "application/atom+xml; charset=utf-8"})
                time.sleep(server.crossref_delay)
                status, body = server.crossref_answer(path)
                kind = "application/json" if body.startswith(b"{") else "text/plain"
                return self._send(status, body, {"Content-Type": kind, **server.crossref_headers})

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        return Handler


def json_body(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(read_fixture(name))
    return data
