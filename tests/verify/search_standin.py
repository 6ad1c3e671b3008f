"""A loopback stand-in for the five metadata sources, serving real records in each API's real format.

The records are `tests/fixtures/records/hallmark-valid.jsonl` (1,051 real works; see the README there).
Each source holds what it holds in life: Crossref the works with a publisher DOI, arXiv those with an
arXiv ID, OpenAlex, DBLP and Semantic Scholar all of them. Answers are written in the formats of the
recorded responses in `tests/fixtures/api/search/`: DBLP keeps its homonym numbers ("Jingbo Wang 0003"),
its closing period and HTML entities, and answers a one-author paper with an object instead of a list;
Semantic Scholar abbreviates some given names; Crossref splits names into given and family.

Ranking is by shared title words, so a search for a title that does not exist still returns the
nearest real works (as Crossref and OpenAlex do). `down`, `faults` and `bodies` break sources;
`min_gap` counts requests arriving sooner than a source allows (answered 429 with Retry-After).
"""

from __future__ import annotations

import html
import itertools
import json
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit
from xml.sax.saxutils import escape

RECORDS = Path(__file__).resolve().parents[1] / "fixtures" / "records" / "hallmark-valid.jsonl"
SOURCES = ("crossref", "openalex", "dblp", "semantic_scholar", "arxiv", "pages")
_WORD = re.compile(r"[^\W_]+")
_FEED_HEAD = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" \
xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/standin</id>
  <title>arXiv Query: search_query={query}&amp;id_list=&amp;start=0&amp;max_results=5</title>
  <updated>2026-04-12T22:10:26Z</updated>
  <opensearch:itemsPerPage>5</opensearch:itemsPerPage>
  <opensearch:totalResults>{total}</opensearch:totalResults>
  <opensearch:startIndex>0</opensearch:startIndex>
"""
_ENTRY = """  <entry>
    <id>http://arxiv.org/abs/{id}v1</id>
    <title>{title}</title>
    <updated>{year}-02-10T18:00:00Z</updated>
    <link href="https://arxiv.org/abs/{id}v1" rel="alternate" type="text/html"/>
    <summary>An abstract.</summary>
    <category term="cs.LG" scheme="http://arxiv.org/schemas/atom"/>
    <published>{year}-02-10T18:00:00Z</published>
    <arxiv:primary_category term="cs.LG"/>
{authors}  </entry>
"""


def words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD.findall(text)}


def load_records(path: Path = RECORDS) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def publisher_doi(record: dict[str, Any]) -> str | None:
    doi = record.get("doi")
    return doi if doi and not doi.startswith("10.48550/") else None


def _split(name: str) -> tuple[str, str]:
    parts = name.split()
    return " ".join(parts[:-1]), parts[-1]


def _abbreviated(name: str) -> str:
    given, family = _split(name)
    return " ".join([*(f"{g[0]}." for g in given.split() if g), family])


@dataclass(frozen=True)
class Hit:
    at: float
    source: str
    path: str
    query: dict[str, list[str]]


@dataclass
class Standin:
    """`with Standin() as s:` … `s.url("dblp")`; `s.hits`, `s.violations`, `s.max_in_flight`."""

    records: list[dict[str, Any]] = field(default_factory=load_records)
    min_gap: dict[str, float] = field(default_factory=dict)  # a source's allowed interval
    window: dict[str, tuple[int, float]] = field(default_factory=dict)  # at most n requests per seconds
    retry_after: int = 1
    down: set[str] = field(default_factory=set)  # answer HTTP 503
    bodies: dict[str, tuple[int, bytes, dict[str, str]]] = field(default_factory=dict)  # fixed answers
    delay: float = 0.0

    def __post_init__(self) -> None:
        self.hits: list[Hit] = []
        self.violations = dict.fromkeys(SOURCES, 0)
        self.in_flight = dict.fromkeys(SOURCES, 0)
        self.max_in_flight = dict.fromkeys(SOURCES, 0)
        self._words = [words(r["title"]) for r in self.records]
        self._by_doi = {publisher_doi(r): r for r in self.records if publisher_doi(r)}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> Standin:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, source: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/{source}" + ("/query" if source == "arxiv" else "")

    def requests(self, source: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.source == source]

    def gaps(self, source: str) -> list[float]:
        times = [h.at for h in self.requests(source)]
        return [b - a for a, b in itertools.pairwise(times)]

    # ---- search ---------------------------------------------------------------------------------------

    def holds(self, source: str, record: dict[str, Any]) -> bool:
        if source == "crossref":
            return publisher_doi(record) is not None
        if source == "arxiv":
            return bool(record.get("arxiv"))
        return True

    def ranked(self, source: str, title: str, *, every_word: bool = False) -> list[dict[str, Any]]:
        wanted = words(title)
        if not wanted:
            return []
        scored = []
        for n, (record, have) in enumerate(zip(self.records, self._words, strict=True)):
            shared = len(wanted & have)
            if not shared or not self.holds(source, record):
                continue
            if every_word and not wanted <= have:
                continue
            scored.append((shared / len(wanted | have), n, record))
        scored.sort(key=lambda item: (-item[0], item[1]))
        return [r for _, _, r in scored[:5]]

    # ---- formats --------------------------------------------------------------------------------------

    def crossref_item(self, record: dict[str, Any], score: float = 40.0) -> dict[str, Any]:
        authors = []
        for n, name in enumerate(record["authors"]):
            given, family = _split(name)
            authors.append({"given": given, "family": family, "sequence": "first" if n == 0 else "additional"})
        return {
            "DOI": publisher_doi(record),
            "title": [record["title"]],
            "author": authors,
            "issued": {"date-parts": [[record["year"]]]},
            "published": {"date-parts": [[record["year"]]]},
            "type": "proceedings-article",
            "container-title": [record.get("venue") or ""],
            "score": score,
        }

    def crossref(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes]:
        if path.startswith("/crossref/works/"):
            doi = unquote(path.removeprefix("/crossref/works/"))
            record = self._by_doi.get(doi.lower())
            if record is None:
                return 404, b"Resource not found."
            return 200, _json({"status": "ok", "message-type": "work", "message": self.crossref_item(record)})
        title = (query.get("query.bibliographic") or query.get("query.title") or [""])[0]
        items = [self.crossref_item(r, 50.0 - n) for n, r in enumerate(self.ranked("crossref", title))]
        message = {"total-results": len(items) * 1000, "items": items, "items-per-page": 5}
        return 200, _json({"status": "ok", "message-type": "work-list", "message": message})

    def openalex_work(self, record: dict[str, Any], n: int) -> dict[str, Any]:
        doi = publisher_doi(record) or (f"10.48550/arxiv.{record['arxiv']}" if record.get("arxiv") else None)
        position = ["first", *(["middle"] * max(0, len(record["authors"]) - 2)), "last"][: len(record["authors"])]
        return {
            "id": f"https://openalex.org/W{4000000000 + n}",
            "doi": f"https://doi.org/{doi}" if doi else None,
            "title": record["title"],
            "display_name": record["title"],
            "relevance_score": 1000.0 - n,
            "publication_year": record["year"],
            "publication_date": f"{record['year']}-01-01",
            "type": "preprint" if record.get("venue") == "CoRR" else "article",
            "authorships": [
                {"author_position": p, "author": {"display_name": a}, "raw_author_name": a}
                for a, p in zip(record["authors"], position, strict=False)
            ],
        }

    def openalex(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        value = (query.get("filter") or [""])[0]
        if not value.startswith("title.search:"):
            return 400, _json({"error": "Invalid query parameters error.", "message": "unknown filter"})
        found = self.ranked("openalex", value.removeprefix("title.search:"))
        results = [self.openalex_work(r, self.records.index(r)) for r in found]
        meta = {"count": len(results), "db_response_time_ms": 12, "page": 1, "per_page": 5, "groups_count": None}
        return 200, _json({"meta": meta, "results": results, "group_by": []})

    def dblp_hit(self, record: dict[str, Any], n: int) -> dict[str, Any]:
        names = record.get("dblp_authors") or record["authors"]
        authors: Any = [{"@pid": f"{n}/{i}", "text": html.escape(a, quote=False)} for i, a in enumerate(names)]
        if len(authors) == 1:
            authors = authors[0]  # DBLP: one author is an object, not a list
        title = html.escape(record["title"], quote=True).replace("&#x27;", "&apos;") + "."
        info = {
            "authors": {"author": authors},
            "title": title,
            "venue": record.get("venue") or "",
            "year": str(record["year"]),
            "type": "Informal and Other Publications"
            if record.get("venue") == "CoRR"
            else "Conference and Workshop Papers",
            "key": record.get("dblp_key") or f"conf/standin/{record['key']}",
            "url": "https://dblp.org/rec/x",
        }
        if publisher_doi(record):
            info["doi"] = str(publisher_doi(record)).upper()
            info["ee"] = f"https://doi.org/{publisher_doi(record)}"
        elif record.get("arxiv"):
            info["ee"] = f"https://arxiv.org/abs/{record['arxiv']}"
        return {"@score": "4", "@id": str(n), "info": info, "url": f"URL#{n}"}

    def dblp(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        q = (query.get("q") or [""])[0]
        found = self.ranked("dblp", q, every_word=True)  # DBLP finds works holding every word
        hits: dict[str, Any] = {
            "@total": str(len(found)),
            "@computed": str(len(found)),
            "@sent": str(len(found)),
            "@first": "0",
        }
        if found:
            hits["hit"] = [self.dblp_hit(r, self.records.index(r)) for r in found]
        result = {"query": " ".join(f"{w}*" for w in q.split()), "status": {"@code": "200", "text": "OK"}, "hits": hits}
        return 200, _json({"result": result})

    def s2(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        title = (query.get("query") or [""])[0]
        found = self.ranked("semantic_scholar", title)
        if not found or len(words(title) & words(found[0]["title"])) < 0.6 * len(words(title)):
            return 404, b'{"error":"Title match not found"}'
        record = found[0]
        n = self.records.index(record)
        ids: dict[str, Any] = {"CorpusId": n}
        if publisher_doi(record):
            ids["DOI"] = publisher_doi(record)
        if record.get("arxiv"):
            ids["ArXiv"] = record["arxiv"]
        names = record["authors"] if n % 2 else [_abbreviated(a) for a in record["authors"]]
        paper = {
            "paperId": f"{n:040x}",
            "title": record["title"],
            "matchScore": 120.5,
            "year": record["year"],
            "publicationDate": None,
            "authors": [{"authorId": str(i), "name": a} for i, a in enumerate(names)],
            "externalIds": ids,
        }
        return 200, json.dumps({"data": [paper]}, ensure_ascii=True, indent=None, separators=(", ", ": ")).encode()

    def arxiv_feed(self, records: Iterable[dict[str, Any]], query: str) -> bytes:
        entries = []
        for record in records:
            authors = "".join(
                f"    <author>\n      <name>{escape(a)}</name>\n    </author>\n" for a in record["authors"]
            )
            entries.append(
                _ENTRY.format(id=record["arxiv"], title=escape(record["title"]), year=record["year"], authors=authors)
            )
        head = _FEED_HEAD.format(query=escape(query), total=len(entries))
        return (head + "".join(entries) + "</feed>\n").encode()

    def arxiv(self, query: dict[str, list[str]]) -> tuple[int, bytes]:
        if "id_list" in query and query["id_list"][0]:
            ids = query["id_list"][0].split(",")
            return 200, self.arxiv_feed((r for r in self.records if r.get("arxiv") in ids), "")
        search = (query.get("search_query") or [""])[0]
        phrase = " ".join(sorted(words(search.removeprefix("ti:"))))
        wanted = words(search.removeprefix("ti:"))
        found = [r for r in self.ranked("arxiv", phrase, every_word=True) if wanted <= words(r["title"])]
        return 200, self.arxiv_feed(found, search)

    # ---- the handler ----------------------------------------------------------------------------------

    def page(self, path: str) -> tuple[int, bytes]:
        """`/pages/<n>`: a landing page with Highwire meta tags for record n, as OpenReview and PMLR write them."""
        number = path.removeprefix("/pages/")
        if not number.isdigit() or int(number) >= len(self.records):
            return 404, b"<html><body>Not found</body></html>"
        record = self.records[int(number)]
        meta = [("citation_title", record["title"])]
        meta += [("citation_author", f"{_split(a)[1]}, {_split(a)[0]}") for a in record["authors"]]
        meta += [("citation_publication_date", f"{record['year']}/06/01")]
        head = "".join(f'<meta name="{n}" content="{html.escape(v)}">\n' for n, v in meta)
        return (
            200,
            f"<!DOCTYPE html><html><head>{head}</head><body><h1>{html.escape(record['title'])}</h1></body></html>".encode(),
        )

    def answer(self, source: str, path: str, query: dict[str, list[str]]) -> tuple[int, bytes]:
        if source == "pages":
            return self.page(path)
        if source == "crossref":
            return self.crossref(path, query)
        if source == "openalex":
            return self.openalex(query)
        if source == "dblp":
            return self.dblp(query)
        if source == "semantic_scholar":
            return self.s2(query)
        return self.arxiv(query)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                now = time.monotonic()
                parts = urlsplit(self.path)
                source = parts.path.split("/")[1]
                query = parse_qs(parts.query)
                with standin._lock:
                    previous = [h.at for h in standin.hits if h.source == source]
                    standin.hits.append(Hit(now, source, parts.path, query))
                    standin.in_flight[source] += 1
                    standin.max_in_flight[source] = max(standin.max_in_flight[source], standin.in_flight[source])
                    gap = standin.min_gap.get(source)
                    early = bool(gap and previous and now - previous[-1] < gap * 0.98)
                    if source in standin.window:
                        count, seconds = standin.window[source]
                        early = early or sum(1 for t in previous if now - t < seconds * 0.98) >= count
                    if early:
                        standin.violations[source] += 1
                try:
                    if early:
                        return self._send(429, b"Too Many Requests", {"Retry-After": str(standin.retry_after)})
                    if standin.delay:
                        time.sleep(standin.delay)
                    if source in standin.down:
                        return self._send(503, b"Service Unavailable", {"Content-Type": "text/plain"})
                    if source in standin.bodies:
                        status, body, headers = standin.bodies[source]
                        return self._send(status, body, headers)
                    status, body = standin.answer(source, parts.path, query)
                    kind = {"arxiv": "application/atom+xml", "pages": "text/html"}.get(source, "application/json")
                    return self._send(status, body, {"Content-Type": kind})
                finally:
                    with standin._lock:
                        standin.in_flight[source] -= 1

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    if "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False).replace("/", "\\/").encode()


def doi_url(doi: str) -> str:
    return quote(doi, safe="/")
