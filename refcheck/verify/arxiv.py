"""The arXiv API: batched `id_list` queries, paced as arXiv's terms ask, and Atom feed parsing."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx

from refcheck.verify.fetch import Answer, Pacer, Policy, Unavailable, get
from refcheck.verify.records import Lookup, Record, Status
from refcheck.verify.source import MAX_AUTHORS, MAX_CANDIDATES, Query, usable

BATCH_SIZE = 100
SOURCE = "arXiv API"

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ABS_ID = re.compile(r"arxiv\.org/abs/(.+?)(?:v\d+)?$", re.IGNORECASE)
_NAMED_ID = re.compile(r"\bfor\s+(?:id\s+)?(\S+?)\s*$", re.IGNORECASE)
# Withdrawal notices as arXiv and authors word them, at the start of the comment or abstract; anything
# vaguer is not reported.
_WITHDRAWN = re.compile(
    r"^\W*(?:this\s+(?:paper|article|manuscript|submission|preprint|work)\s+)?"
    r"(?:has\s+been\s+|is\s+|was\s+)?withdrawn\b"
    r"|\bwithdrawn\s+by\s+(?:the\s+)?(?:authors?|submitter|arxiv|administrators?|moderators?)\b",
    re.IGNORECASE,
)
_PHRASE_BREAK = re.compile(r"[^\w\s'-]+")  # what would end or break a quoted arXiv phrase
_NOTICE_SPAN = 300  # only the opening of a long abstract can be a notice
MAX_DEPTH = 32  # an Atom feed nests 4 deep (feed, entry, author, name)
_PARSE_STEP = 64 * 1024


class FeedError(ValueError):
    """A response that is not a readable arXiv Atom feed."""


@dataclass
class Feed:
    records: list[Record] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # the summaries of error entries


def canonical_id(arxiv_id: str) -> str:
    """The form the API answers with: no version, old-style archive without its subject class."""
    value = re.sub(r"v\d+$", "", arxiv_id.strip())
    if "/" in value:
        archive, number = value.split("/", 1)
        return f"{archive.split('.')[0].lower()}/{number}"
    return value


def withdrawal_notice(*texts: str | None) -> str | None:
    for text in texts:
        if text and _WITHDRAWN.search(text[:_NOTICE_SPAN]):
            return " ".join(text.split())
    return None


def _text(element: ET.Element, tag: str) -> str | None:
    value = element.findtext(tag)
    return " ".join(value.split()) if value and value.strip() else None


def _parse_bounded(body: bytes) -> ET.Element:
    """The document's root, parsed incrementally; refused as soon as it nests deeper than a feed can."""
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    root: ET.Element | None = None
    depth = 0
    try:
        for start in range(0, len(body), _PARSE_STEP):
            parser.feed(body[start : start + _PARSE_STEP])
            for item in parser.read_events():  # ("start" | "end", Element): no namespace events asked
                event, element = item  # type: ignore[misc]  # typeshed's union includes 1-tuples
                if event == "start":
                    depth += 1
                    if root is None and isinstance(element, ET.Element):
                        root = element
                    if depth > MAX_DEPTH:
                        raise FeedError(f"the response nests elements more than {MAX_DEPTH} deep")
                else:
                    depth -= 1
        parser.close()
    except ET.ParseError as exc:
        raise FeedError(f"the response is not XML ({exc})") from None
    if root is None:
        raise FeedError("the response is not XML (no element)")
    return root


def parse_feed(body: bytes) -> Feed:
    """Records and error entries of an arXiv API response. Refuses DTDs (no entity expansion)."""
    if _DECLARATION.search(body):
        raise FeedError("the response declares a DOCTYPE or entities; refused")
    root = _parse_bounded(body)
    if root.tag != f"{_ATOM}feed":
        raise FeedError("the response is not an Atom feed")
    feed = Feed()
    for entry in root.iter(f"{_ATOM}entry"):
        entry_id = _text(entry, f"{_ATOM}id") or ""
        title = _text(entry, f"{_ATOM}title")
        summary = _text(entry, f"{_ATOM}summary")
        if "/api/errors" in entry_id or (title == "Error" and not _ABS_ID.search(entry_id)):
            feed.errors.append(summary or title or "error")
            continue
        match = _ABS_ID.search(entry_id)
        if not match:
            continue
        published = _text(entry, f"{_ATOM}published")
        year = published[:4] if published and published[:4].isdigit() else None
        doi = _text(entry, f"{_ARXIV}doi")
        comment = _text(entry, f"{_ARXIV}comment")
        feed.records.append(
            Record(
                source="arxiv",
                identifier=canonical_id(match.group(1)),
                title=title,
                authors=tuple(
                    name for a in entry.findall(f"{_ATOM}author")[:MAX_AUTHORS] if (name := _text(a, f"{_ATOM}name"))
                ),
                years=(int(year),) if year else (),
                published=published[:10] if published else None,
                doi=doi.lower() if doi else None,
                journal_ref=_text(entry, f"{_ARXIV}journal_ref"),
                withdrawn=withdrawal_notice(comment, summary),
                arxiv=canonical_id(match.group(1)),
                preprint=True,
            )
        )
    return feed


class ArxivSource:
    """Looks IDs up in batches of up to 100 and searches titles, one request at a time, `arxiv_interval`
    apart (arXiv's terms: one request every 3 s, so a title search is best asked last)."""

    name = "arxiv"
    label = SOURCE
    kinds = frozenset({"arxiv"})

    def __init__(self, client: httpx.AsyncClient, url: str, interval: float, policy: Policy) -> None:
        self.client = client
        self.url = url
        self.policy = policy
        self.pacer = Pacer(interval)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def search(self, query: Query) -> list[Record]:
        """The entries whose title holds the query's title words as a phrase."""
        words = _PHRASE_BREAK.sub(" ", query.title).split()
        if not words:
            return []
        params = {"search_query": f'ti:"{" ".join(words)}"', "start": "0", "max_results": str(MAX_CANDIDATES)}
        response = await get(self.client, self.url, self.pacer, self.policy, params)
        if response.status_code != 200:
            raise Unavailable(f"HTTP {response.status_code}")
        try:
            feed = parse_feed(response.content)
        except FeedError as exc:
            raise Unavailable(str(exc)) from None
        if feed.errors:
            raise Unavailable(f"arXiv API error: {feed.errors[0]}")
        return usable(feed.records[:MAX_CANDIDATES], len(feed.records))

    async def lookup(self, ids: Sequence[str], done: Callable[[str, Lookup], None]) -> None:
        """Look up canonical IDs; `done(id, lookup)` is called as answers arrive."""
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), BATCH_SIZE):
            batch = unique[start : start + BATCH_SIZE]
            for arxiv_id, lookup in (await self._batch(batch)).items():
                done(arxiv_id, lookup)

    @property
    def requests(self) -> int:
        return self.pacer.sent

    async def _query(self, ids: Sequence[str]) -> Answer:
        params = {"id_list": ",".join(ids), "max_results": str(len(ids))}
        return await get(self.client, self.url, self.pacer, self.policy, params)

    async def _batch(self, ids: Sequence[str], *, rechecked: bool = False) -> dict[str, Lookup]:
        try:
            response = await self._query(ids)
        except Unavailable as exc:
            return {i: Lookup(Status.UNAVAILABLE, detail=exc.reason) for i in ids}
        if response.status_code == 400:
            return await self._rejected(ids, response)
        if response.status_code != 200:
            return {i: Lookup(Status.UNAVAILABLE, detail=f"HTTP {response.status_code}") for i in ids}
        try:
            feed = parse_feed(response.content)
        except FeedError as exc:
            return {i: Lookup(Status.UNAVAILABLE, detail=str(exc)) for i in ids}
        if feed.errors:
            return {i: Lookup(Status.UNAVAILABLE, detail=f"arXiv API error: {feed.errors[0]}") for i in ids}
        if not feed.records and len(ids) > 1 and not rechecked:
            # arXiv has been seen answering a whole batch with an empty feed by mistake; ask once more
            # before calling many identifiers nonexistent.
            return await self._batch(ids, rechecked=True)
        found = {r.identifier: r for r in feed.records}
        return {
            i: Lookup(Status.FOUND, found[i])
            if i in found
            else Lookup(Status.NOT_FOUND, detail="the arXiv API has no record of it")
            for i in ids
        }

    async def _rejected(self, ids: Sequence[str], response: Answer) -> dict[str, Lookup]:
        """HTTP 400: one malformed ID spoils the batch. Find it (named in the error, else by halving)."""
        try:
            errors = parse_feed(response.content).errors
        except FeedError:
            errors = []
        message = errors[0] if errors else "HTTP 400"
        if len(ids) == 1:
            if "id" in message.lower():
                return {ids[0]: Lookup(Status.REJECTED, detail=f"arXiv API: {message}")}
            return {ids[0]: Lookup(Status.UNAVAILABLE, detail=f"arXiv API: {message}")}
        named = {m.group(1).lower() for e in errors if (m := _NAMED_ID.search(e))}
        culprits = [i for i in ids if i.lower() in named]
        if culprits:
            results = {i: Lookup(Status.REJECTED, detail=f"arXiv API: {message}") for i in culprits}
            rest = [i for i in ids if i not in results]
            if rest:
                results.update(await self._batch(rest))
            return results
        half = len(ids) // 2
        return {**(await self._batch(ids[:half])), **(await self._batch(ids[half:]))}
