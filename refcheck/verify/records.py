"""What a metadata source says about one identifier: a record, not found, or no answer."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, fields
from typing import Any

RECORD_TTL = 30 * 86400.0  # a found record is reused for 30 days
NOT_FOUND_TTL = 86400.0  # "does not exist" is rechecked after a day
_CACHE_FORMAT = 2
SOURCES = frozenset({"arxiv", "crossref", "openalex", "dblp", "semantic_scholar", "page"})


@dataclass(frozen=True, slots=True)
class Record:
    """The fields of a source's record that an entry is compared with, whichever source answered."""

    source: str  # one of SOURCES: the source that answered
    identifier: str  # the source's own key: arXiv ID without version, DOI, OpenAlex W…, DBLP key, S2 id
    title: str | None
    authors: tuple[str, ...] = ()  # display names, "Given Family"
    years: tuple[int, ...] = ()  # every year the record gives: v1, issue, print, online
    published: str | None = None  # ISO date, as precise as the source gives it
    doi: str | None = None  # the work's DOI, lower-cased (an arXiv record: its published version's)
    journal_ref: str | None = None
    withdrawn: str | None = None  # arXiv's withdrawal notice
    retracted_by: str | None = None  # Crossref: the retraction notice's DOI ("" when not given)
    arxiv: str | None = None  # the work's arXiv ID, when the source names one
    preprint: bool = False  # a preprint server's record: its year is the earliest a citation may give

    @property
    def label(self) -> str:
        """The identifier a reader can paste: `arXiv:…` for a preprint, else `doi:…`; a page's address."""
        if self.source == "page":
            return self.identifier
        if self.arxiv and (self.preprint or not self.doi):
            return f"arXiv:{self.arxiv}"
        if self.doi:
            return f"doi:{self.doi}"
        return f"{self.source} {self.identifier}"

    @property
    def identifiers(self) -> tuple[str, ...]:
        """`doi:…` and `arXiv:…`, whichever the record has (RC507's suggestion)."""
        return tuple(x for x in (self.doi and f"doi:{self.doi}", self.arxiv and f"arXiv:{self.arxiv}") if x)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Record:
        """The record `to_json` wrote; ValueError for anything else (a cache row of another shape)."""
        if not isinstance(data, dict) or set(data) != _RECORD_FIELDS:
            raise ValueError("not a record")
        authors, years = data["authors"], data["years"]
        if data["source"] not in SOURCES or not isinstance(data["identifier"], str):
            raise ValueError("not a record")
        if type(data["preprint"]) is not bool:
            raise ValueError("preprint")
        if not (isinstance(authors, list) and all(isinstance(a, str) for a in authors)):
            raise ValueError("authors")
        if not (isinstance(years, list) and all(type(y) is int for y in years)):
            raise ValueError("years")
        if any(data[name] is not None and not isinstance(data[name], str) for name in _OPTIONAL_TEXT):
            raise ValueError("a text field of another type")
        return cls(**{**data, "authors": tuple(authors), "years": tuple(years)})


_RECORD_FIELDS = frozenset(f.name for f in fields(Record))
_OPTIONAL_TEXT = ("title", "published", "doi", "journal_ref", "withdrawn", "retracted_by", "arxiv")


class Status(enum.Enum):
    FOUND = "found"
    NOT_FOUND = "not-found"  # the registry has no such identifier
    REJECTED = "rejected"  # arXiv refuses the identifier as malformed (HTTP 400)
    ELSEWHERE = "elsewhere"  # a DOI registered with another agency (DataCite, mEDRA, …): exists, no metadata
    UNAVAILABLE = "unavailable"  # no answer: source down, rate-limited, timed out, time limit reached


@dataclass(frozen=True, slots=True)
class Lookup:
    status: Status
    record: Record | None = None
    detail: str = ""  # why not found / unavailable, for messages and notices

    @property
    def exists(self) -> bool | None:
        """True or False when the registry answered; None when it could not be asked."""
        if self.status is Status.UNAVAILABLE:
            return None
        return self.status in (Status.FOUND, Status.ELSEWHERE)

    def cache_value(self) -> tuple[dict[str, Any], float] | None:
        """What to store and for how long; None for answers that must not be reused."""
        if self.status is Status.UNAVAILABLE:
            return None
        value: dict[str, Any] = {"format": _CACHE_FORMAT, "status": self.status.value, "detail": self.detail}
        if self.record is not None:
            value["record"] = self.record.to_json()
        return value, (RECORD_TTL if self.exists else NOT_FOUND_TTL)

    @classmethod
    def from_cache(
        cls, value: dict[str, Any] | None, key: tuple[str, str] | None = None, *, source: str | None = None
    ) -> Lookup | None:
        """The lookup stored under `key` (source, identifier), or a search answer of `source`; None for
        a row of any other shape."""
        if not value or value.get("format") != _CACHE_FORMAT:
            return None
        detail = value.get("detail", "")
        try:
            status = Status(value.get("status"))
            record = Record.from_json(value["record"]) if "record" in value else None
        except (KeyError, TypeError, ValueError):
            return None
        if status is Status.UNAVAILABLE or not isinstance(detail, str):
            return None  # never stored: not a row refcheck wrote
        if (record is None) == (status is Status.FOUND):
            return None  # a found identifier has its record, and only a found one
        if record is not None and key is not None and (record.source, record.identifier) != key:
            return None  # another identifier's record
        if record is not None and source is not None and record.source != source:
            return None  # another source's answer
        return cls(status, record, detail)
