"""arXiv IDs and DOIs: recognition in text and URLs, normalisation and validation."""

from __future__ import annotations

import bisect
import datetime as _dt
import functools
import re
import time
from typing import NamedTuple
from urllib.parse import unquote

from refcheck.model import Identifier, IdentifierKind, Span

# Old-style arXiv archives (before April 2007), including the ones later merged into others.
OLD_ARCHIVES = frozenset(
    {
        "astro-ph",
        "cond-mat",
        "gr-qc",
        "hep-ex",
        "hep-lat",
        "hep-ph",
        "hep-th",
        "math-ph",
        "nlin",
        "nucl-ex",
        "nucl-th",
        "physics",
        "quant-ph",
        "math",
        "cs",
        "q-bio",
        "q-fin",
        "stat",
        "eess",
        "econ",
        "chao-dyn",
        "solv-int",
        "patt-sol",
        "adap-org",
        "comp-gas",
        "alg-geom",
        "dg-ga",
        "funct-an",
        "q-alg",
        "mtrl-th",
        "supr-con",
        "acc-phys",
        "ao-sci",
        "atom-ph",
        "bayes-an",
        "chem-ph",
        "plasm-ph",
        "cmp-lg",
    }
)

# What an identifier may look like once its context says "this is an arXiv ID": loose on purpose,
# so that `arXiv:2013.08361` or `arXiv:1706.037` is reported as malformed rather than missed.
_ARXIV_LOOSE = r"(?:\d{3,5}\.\d{3,6}|[a-zA-Z][a-zA-Z-]*(?:\.[a-zA-Z-]{1,8})?/\d{5,8})(?:v\d+)?"
_ARXIV_NEW = re.compile(r"(\d{2})(\d{2})\.(\d+)")
_ARXIV_OLD = re.compile(r"([a-z-]+)(?:\.([a-zA-Z-]{1,8}))?/(\d{2})(\d{2})(\d{3})")
_VERSION = re.compile(r"v\d+$")

_DOI_STRICT = re.compile(r"10\.\d+(?:\.\d+)*/\S+")
_DOI_PREFIX = re.compile(r"10\.\d{4,9}(?:\.\d+)*/")

_ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})
_DOI_HOSTS = frozenset({"doi.org", "dx.doi.org", "www.doi.org"})
_ARXIV_PATH = re.compile(r"/(?:abs|pdf|html|ps|format)/(" + _ARXIV_LOOSE + r")(?![\w/-])")

# URLs in running text: a scheme, or one of the identifier hosts written without one. The patterns
# start with literals so that `re` can skip ahead quickly; what must precede a match is checked in
# Python (a look-behind in front would make the engine try every position).
_URL_MARK = re.compile(r"://|arxiv\.org/|doi\.org/")
_SCHEME = re.compile(r"[A-Za-z]+$")
_URL_SCHEMES = frozenset({"http", "https", "ftp"})
_HOST_PREFIXES = ("www.", "export.", "dx.")
_URL_BODY = re.compile(r"[^\s<>\"`]*")
_TRAILING = ".,;:!?'\"*_”’»"

_PREFIXED_ARXIV = re.compile(
    r"(?:arxiv|arXiv|ArXiv|ARXIV|Arxiv)(?:\s*:\s*|[ \t]+(?=\d{4}\.\d))(" + _ARXIV_LOOSE + r")(?![\w/-])"
)
_CORR_ABS = re.compile(r"abs/(" + _ARXIV_LOOSE + r")(?![\w/-])")
# An ID cut short after its `YYMM.` (`arXiv:2301.`, `arxiv.org/abs/2301.`): reported, not missed.
_TRUNCATED_ARXIV = re.compile(r"(?:arxiv|arXiv|ArXiv|ARXIV|Arxiv)\s*:\s*(\d{4}\.\d{0,2})(?![\w/-]|\.\w)")
_TRUNCATED_ARXIV_PATH = re.compile(r"/(?:abs|pdf)/(\d{4}\.?\d{0,2})(?![\w/-]|\.\w)")
_PREFIXED_DOI = re.compile(r"(?:doi|DOI|Doi)\s*:\s*(10\.[^\s\"<>]*)")
_BARE_DOI = re.compile(r"10\.\d{4,9}(?:\.\d+)*/[^\s\"<>]+")


class Validation(NamedTuple):
    """The normalised value of a raw identifier and whether it can exist."""

    value: str
    valid: bool
    problem: str | None = None


class Found(NamedTuple):
    """An identifier found in text: `raw` is `text[start:end]` (no `arXiv:`/`doi:` prefix)."""

    kind: IdentifierKind
    raw: str
    start: int
    end: int


# -- validation ----------------------------------------------------------------------------------


def validate_arxiv(raw: str, *, today: _dt.date | None = None) -> Validation:
    """Check that an arXiv ID can exist; the value has no version and no `arXiv:` prefix."""
    text = raw.strip()
    if text[:6].lower() == "arxiv:":
        text = text[6:].strip()
    value = _VERSION.sub("", text)
    new = _ARXIV_NEW.fullmatch(value)
    if new:
        return _validate_new_style(value, int(new.group(1)), int(new.group(2)), new.group(3), today)
    old = _ARXIV_OLD.fullmatch(value)
    if old:
        archive, yy, mm = old.group(1), int(old.group(3)), int(old.group(4))
        if archive not in OLD_ARCHIVES:
            return Validation(value, False, f"unknown arXiv archive '{archive}'")
        if not 1 <= mm <= 12:
            return Validation(value, False, f"month {mm:02d} does not exist")
        if not (yy >= 91 or yy <= 7) or (yy == 91 and mm < 8) or (yy == 7 and mm > 3):
            return Validation(value, False, "old-style arXiv IDs run from 1991-08 to 2007-03")
        return Validation(value, True)
    if re.fullmatch(r"\d{4}\.?\d{0,2}", value):
        return Validation(value, False, f"'{text}' is cut short: an arXiv ID is YYMM.NNNNN")
    return Validation(value, False, f"'{text}' is not an arXiv identifier")


def _validate_new_style(value: str, yy: int, mm: int, number: str, today: _dt.date | None) -> Validation:
    year = 2000 + yy
    if not 1 <= mm <= 12:
        return Validation(value, False, f"month {mm:02d} does not exist")
    if (year, mm) < (2007, 4):
        return Validation(value, False, "new-style arXiv IDs start in 2007-04")
    now = today or _dt.date.today()
    if (year, mm) > (now.year, now.month):
        return Validation(value, False, f"{year}-{mm:02d} is in the future")
    digits = 4 if year < 2015 else 5
    if len(number) != digits:
        period = "2007-04 to 2014-12" if digits == 4 else "2015 on"
        return Validation(value, False, f"IDs from {period} have {digits} digits after the dot, not {len(number)}")
    return Validation(value, True)


def validate_doi(raw: str) -> Validation:
    """Check the DOI syntax `10.NNNN(.NNNN)*/suffix`; the value is lower-case and percent-decoded."""
    text = raw.strip()
    if text[:4].lower() == "doi:":
        text = text[4:].strip()
    if "%" in text:
        text = unquote(text)
    value = text.lower()
    if any(ch.isspace() for ch in value):
        return Validation(value, False, "a DOI contains no whitespace")
    if "/" not in value:
        return Validation(value, False, f"'{text}' is cut short: a DOI is 10.<registrant>/<suffix>")
    if not _DOI_STRICT.fullmatch(value):
        return Validation(value, False, f"'{text}' does not follow the DOI syntax 10.<registrant>/<suffix>")
    if not _DOI_PREFIX.match(value):
        return Validation(value, False, "a DOI registrant code has at least 4 digits")
    return Validation(value, True)


@functools.lru_cache(maxsize=8192)
def _checked(kind: IdentifierKind, raw: str, today: _dt.date) -> Validation:
    return validate_arxiv(raw, today=today) if kind is IdentifierKind.ARXIV else validate_doi(raw)


def validation(kind: IdentifierKind, raw: str) -> Validation:
    """`validate_arxiv` or `validate_doi` as of today, memoised: a tree cites the same IDs again and again."""
    return _checked(kind, raw, _today())


_day: tuple[float, _dt.date] = (-1e9, _dt.date.min)


def _today() -> _dt.date:
    """`date.today()`, asked again at most once a minute (it is slow next to the memo it keys)."""
    global _day
    now = time.monotonic()
    if now - _day[0] > 60:
        _day = (now, _dt.date.today())
    return _day[1]


def make_identifier(kind: IdentifierKind, raw: str, span: Span) -> Identifier:
    """Validate and normalise `raw` into an Identifier at `span`."""
    check = validation(kind, raw)
    return Identifier(kind=kind, value=check.value, raw=raw, span=span, valid=check.valid, problem=check.problem)


def arxiv_year_month(value: str) -> tuple[int, int] | None:
    """The (year, month) an arXiv ID was announced, or None if it has no readable date."""
    value = _VERSION.sub("", value.strip())
    new = _ARXIV_NEW.fullmatch(value)
    if new:
        year, month = 2000 + int(new.group(1)), int(new.group(2))
    else:
        old = _ARXIV_OLD.fullmatch(value)
        if not old:
            return None
        yy, month = int(old.group(3)), int(old.group(4))
        year = 1900 + yy if yy >= 91 else 2000 + yy
    return (year, month) if 1 <= month <= 12 else None


def doi_arxiv_id(doi: str) -> str | None:
    """The arXiv ID behind arXiv's own DOIs (`10.48550/arXiv.2001.08361`), else None."""
    match = re.fullmatch(r"10\.48550/arxiv\.(.+)", doi.strip(), re.IGNORECASE)
    return match.group(1) if match else None


# -- URLs ----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)  # the same URL is looked at by the link scan and the citation grammars
def arxiv_from_url(url: str) -> str | None:
    """The raw arXiv ID (version kept) of an arxiv.org abstract/PDF/HTML URL, else None."""
    found = _arxiv_in_url(url)
    return url[found[0] : found[1]] if found else None


@functools.lru_cache(maxsize=4096)
def doi_from_url(url: str) -> str | None:
    """The percent-decoded DOI of a doi.org / dx.doi.org URL, else None."""
    found = _doi_in_url(url)
    return unquote(url[found[0] : found[1]]) if found else None


def _split_host(url: str) -> tuple[str, int] | None:
    """Lower-case host and the offset of the path's `/`, for http(s) or scheme-less URLs."""
    offset = 0
    scheme, sep, _ = url.partition("://")
    if sep:
        if scheme.lower() not in {"http", "https"}:
            return None
        offset = len(scheme) + 3
    slash = url.find("/", offset)
    if slash < 0:
        return None
    host = url[offset:slash].rpartition("@")[2].partition(":")[0].lower()
    return host, slash


def _arxiv_in_url(url: str) -> tuple[int, int] | None:
    split = _split_host(url)
    if split is None or split[0] not in _ARXIV_HOSTS:
        return None
    match = _ARXIV_PATH.match(url, split[1]) or _TRUNCATED_ARXIV_PATH.match(url, split[1])
    return (match.start(1), match.end(1)) if match else None


def _doi_in_url(url: str) -> tuple[int, int] | None:
    split = _split_host(url)
    if split is None or split[0] not in _DOI_HOSTS:
        return None
    start = split[1] + 1
    if url[start : start + 4].lower() == "doi:":
        start += 4
    end = min((i for i in (url.find("?", start), url.find("#", start)) if i >= 0), default=len(url))
    if not url[start:end].startswith("10.") and url[start:end] != "10":
        return None  # `doi.org/10` is a DOI cut short (the URL's trailing `.` is punctuation to a reader)
    return start, end


def find_urls(text: str) -> list[tuple[int, int]]:
    """Spans of URLs in running text; a `)` or `]` that closes an outer bracket ends the URL."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for mark in _URL_MARK.finditer(text):
        if mark.start() < pos:
            continue
        start = _url_start(text, mark)
        if start < 0:
            continue
        end = _url_end(text, start)
        if end > mark.end():
            spans.append((start, end))
            pos = end
    return spans


def _url_start(text: str, mark: re.Match[str]) -> int:
    """Where the URL around `mark` begins, or -1 if `mark` is not part of a URL we read."""
    if mark.group() == "://":
        scheme = _SCHEME.search(text, max(0, mark.start() - 5), mark.start())
        if scheme is None or scheme.group().lower() not in _URL_SCHEMES:
            return -1
        return scheme.start()
    start = mark.start()
    for prefix in _HOST_PREFIXES:
        if text.startswith(prefix, start - len(prefix)) and start >= len(prefix):
            start -= len(prefix)
            break
    return start if _free_before(text, start, "_./@-") else -1


def _free_before(text: str, pos: int, extra: str = "_/.") -> bool:
    """No word character (or one of `extra`) right before `pos`: the look-behind, done by hand."""
    if pos == 0:
        return True
    before = text[pos - 1]
    return not (before.isalnum() or before in extra)


def _url_end(text: str, start: int) -> int:
    body = _URL_BODY.match(text, start)
    end = body.end() if body else start
    if any(ch in "()[]" for ch in text[start:end]):
        end = _unbalanced_close(text, start, end)
    return _trim_trailing(text, start, end)


def _trim_trailing(text: str, start: int, end: int) -> int:
    """Drop trailing punctuation, and closing brackets not opened inside `text[start:end]`."""
    while end > start:
        ch = text[end - 1]
        if ch in _TRAILING:
            end -= 1
        elif ch in ")]":
            opener = "(" if ch == ")" else "["
            segment = text[start:end]
            if segment.count(opener) < segment.count(ch):
                end -= 1
            else:
                break
        else:
            break
    return end


# -- free text -----------------------------------------------------------------------------------


def find_identifiers(text: str) -> list[Found]:
    """Every arXiv ID and DOI in `text`, in order: prefixed forms, arxiv.org/doi.org URLs, bare DOIs.

    Identifiers are never taken from other URLs (a `?doi=` query, a publisher's `/doi/` path).
    """
    found: list[Found] = []
    urls = find_urls(text)
    for start, end in urls:
        url = text[start:end]
        if (span := _arxiv_in_url(url)) is not None:
            raw = url[span[0] : span[1]]
            found.append(Found(IdentifierKind.ARXIV, raw, start + span[0], start + span[1]))
        elif (span := _doi_in_url(url)) is not None:
            doi_end = _trim_trailing(url, span[0], span[1])
            found.append(Found(IdentifierKind.DOI, url[span[0] : doi_end], start + span[0], start + doi_end))

    url_starts = [s for s, _ in urls]

    def outside_urls(pos: int) -> bool:
        index = bisect.bisect_right(url_starts, pos) - 1
        return index < 0 or pos >= urls[index][1]

    for pattern in (_PREFIXED_ARXIV, _CORR_ABS, _TRUNCATED_ARXIV):
        for match in pattern.finditer(text):
            # PDF extraction glues words: `preprintarXiv:1412.6980` still names arXiv:1412.6980.
            glued = text.startswith("arXiv:", match.start()) and text[match.start() - 1 : match.start()].islower()
            if outside_urls(match.start()) and (_free_before(text, match.start()) or glued):
                found.append(Found(IdentifierKind.ARXIV, match.group(1), match.start(1), match.end(1)))
    taken: set[int] = set()
    for match in _PREFIXED_DOI.finditer(text):
        if outside_urls(match.start()) and _free_before(text, match.start()):
            end = _trim_trailing(text, match.start(1), _unbalanced_close(text, match.start(1), match.end(1)))
            if end > match.start(1):
                found.append(Found(IdentifierKind.DOI, text[match.start(1) : end], match.start(1), end))
                taken.add(match.start(1))
    for match in _BARE_DOI.finditer(text):
        if outside_urls(match.start()) and match.start() not in taken and _free_before(text, match.start()):
            end = _trim_trailing(text, match.start(), _unbalanced_close(text, match.start(), match.end()))
            found.append(Found(IdentifierKind.DOI, text[match.start() : end], match.start(), end))
    found.sort(key=lambda f: f.start)
    return found


def _unbalanced_close(text: str, start: int, end: int) -> int:
    """Stop at a bracket that closes something opened before `start` (`[doi:10.1/x](…)`)."""
    depth = {"(": 0, "[": 0}
    closing = {")": "(", "]": "["}
    for i in range(start, end):
        ch = text[i]
        if ch in depth:
            depth[ch] += 1
        elif ch in closing:
            if depth[closing[ch]] == 0:
                return i
            depth[closing[ch]] -= 1
    return end


# Paper landing pages whose Highwire `citation_*` meta tags name the work they show (verify/landing.py
# reads them; network.py holds their links back for it).
PAPER_PAGE = re.compile(
    r"^https?://(?:www\.)?(?:"
    r"openreview\.net/forum\?(?:[^#]*&)?id=[^&#]+"
    r"|aclanthology\.org/[^/?#]+(?<!\.pdf)/?"
    r"|proceedings\.mlr\.press/v\d+/[^/?#]+\.html"
    r"|(?:papers|proceedings)\.(?:nips|neurips)\.cc/paper(?:_files)?/[^?#]*-Abstract[^/?#]*\.html"
    r"|openaccess\.thecvf\.com/[^?#]+\.html"
    r"|ojs\.aaai\.org/index\.php/[^/?#]+/article/view/\d+"
    r")(?:#.*)?$",
    re.IGNORECASE,
)
