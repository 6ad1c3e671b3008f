"""An entry against the record its identifier points to: title, first author, year, withdrawal.

Every check abstains when it lacks what it needs (no title, no authors, no year), and leans towards
"same work" where real metadata legitimately varies (subtitles, spelling, transliteration, print vs
online year): calling a real work fabricated is the worst mistake this stage can make.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from refcheck.model import Reference
from refcheck.names import RECORD_PARTICLES
from refcheck.verify.normalise import fold, umlaut_spelling
from refcheck.verify.records import Record

SHORT_TITLE = 4  # words; titles this short must match exactly after normalisation
MIN_RATIO = 80  # token-sorted similarity of two titles, 0..100
MIN_WORD_RATIO = 80  # similarity for two spellings of one word (typos, -ise/-ize)
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "for",
        "in",
        "on",
        "at",
        "to",
        "and",
        "or",
        "with",
        "without",
        "by",
        "from",
        "via",
        "into",
        "onto",
        "over",
        "under",
        "is",
        "are",
        "be",
        "as",
        "its",
        "their",
        "our",
        "we",
        "do",
        "does",
        "can",
        "using",
        "use",
        "towards",
        "toward",
        "vs",
        "versus",
        "through",
        "upon",
        "about",
    }
)
NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
NOT_A_NAME = frozenset({"others", "al", "et al", "anonymous", "anon", "unknown", "na"})
_SUBTITLE = re.compile(r"\s*(?::|\?|!|\.\s|\s[-–—]{1,3}\s|\s--\s)\s*")
_NOTICE_PREFIX = re.compile(r"^\s*(?:retracted(?:\s+article)?|retraction|withdrawn)\s*:\s*", re.IGNORECASE)
_ENTRY_YEAR = re.compile(r"^\s*(\d{4})")
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")


def _journal_years(record: Record) -> list[int]:
    """Years named in the record's journal reference (`Phys. Rev. B 85, 115117 (2012)`)."""
    return [int(y) for y in _YEAR.findall(record.journal_ref or "")]


# ---- titles -----------------------------------------------------------------------------------------


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _same_word(a: str, b: str) -> bool:
    if a == b or _stem(a) == _stem(b):
        return True
    if any(c.isdigit() for c in a + b) or min(len(a), len(b)) < 3:
        return False  # numbers and tiny words must be exact: GPT-3 is not GPT-4
    if Levenshtein.distance(a, b) <= 1:
        return True  # a typo: "ned" for "need"
    return min(len(a), len(b)) >= 5 and fuzz.ratio(a, b) >= MIN_WORD_RATIO


def _covered(words: Iterable[str], other: Sequence[str]) -> bool:
    return all(any(_same_word(w, o) for o in other) for w in words if w not in STOPWORDS)


def _similar(a: str, b: str) -> bool:
    """Two folded titles: equal, or long, similar overall, and with the same content words."""
    if a == b or a.replace(" ", "") == b.replace(" ", ""):
        return True
    wa, wb = a.split(), b.split()
    if min(len(wa), len(wb)) <= SHORT_TITLE:
        return False
    if fuzz.token_sort_ratio(a, b) < MIN_RATIO:
        return False
    return _covered(wa, wb) and _covered(wb, wa)


def _forms(title: str) -> list[str]:
    return list(dict.fromkeys(f for f in (fold(title), fold(title, hyphen="")) if f))


def _main_title(title: str) -> str | None:
    parts = _SUBTITLE.split(title.strip().rstrip(".?!"), maxsplit=1)
    return parts[0] if len(parts) == 2 and parts[0].strip() and parts[1].strip() else None


def _subtitle(title: str) -> str | None:
    parts = _SUBTITLE.split(title.strip().rstrip(".?!"), maxsplit=1)
    return parts[1] if len(parts) == 2 and parts[0].strip() and parts[1].strip() else None


def title_matches(entry_title: str, record_title: str) -> bool:
    """Same title up to case, punctuation, markup, accents, typos; a subtitle on one side only is fine,
    and so is a name or question in front of it on one side only (`ChemCrow: Augmenting…` on arXiv,
    `Augmenting…` in the journal). Short remainders must match exactly, so this cannot match by accident."""
    a, b = _NOTICE_PREFIX.sub("", entry_title), _NOTICE_PREFIX.sub("", record_title)
    full_a, full_b = _forms(a), _forms(b)
    candidates = [(full_a, full_b)]
    for part in (_main_title, _subtitle):
        if part_a := part(a):
            candidates.append((_forms(part_a), full_b))
        if part_b := part(b):
            candidates.append((full_a, _forms(part_b)))
    return any(_similar(x, y) for xs, ys in candidates for x in xs for y in ys)


def title_similarity(entry_title: str, record_title: str) -> float:
    """0..100: how much of one folded title the other holds (for near misses, not for matches)."""
    return float(fuzz.token_set_ratio(fold(entry_title), fold(record_title)))


# ---- authors ----------------------------------------------------------------------------------------


def _soften(key: str) -> str:
    """`mueller` → `muller`: German transliteration folded away on both sides."""
    return key.replace("ae", "a").replace("oe", "o").replace("ue", "u")


def _name_keys(name: str) -> set[str]:
    """Every run of consecutive name parts, joined: `Peter H. N. de With` → with, dewith, peterdewith, …
    (initials and Jr./III dropped), in both umlaut spellings."""
    keys: set[str] = set()
    for spelling in {name, umlaut_spelling(name)}:
        tokens = [t for t in fold(spelling).split() if len(t) > 1 and t not in NAME_SUFFIXES]
        for i in range(len(tokens)):
            for j in range(i + 1, len(tokens) + 1):
                keys.add("".join(tokens[i:j]))
    return keys | {_soften(k) for k in keys}


def _surname_keys(surname: str) -> set[str]:
    tokens = [t for t in fold(surname).split() if t not in NAME_SUFFIXES]
    core = tokens
    while len(core) > 1 and core[0] in RECORD_PARTICLES:
        core = core[1:]
    keys = {"".join(tokens), "".join(core)} - {""}
    return keys | {_soften(k) for k in keys}


def first_author_matches(surname: str, names: Sequence[str]) -> bool | None:
    """Is the entry's first-author surname among the record's authors? None: nothing to compare."""
    folded = fold(surname)
    if len(folded.replace(" ", "")) < 2 or folded in NOT_A_NAME or not names:
        return None
    wanted = _surname_keys(surname)
    available: set[str] = set().union(*(_name_keys(n) for n in names))
    if wanted & available:
        return True
    # One letter apart in a long name is a transliteration (Kuznetsov/Kuznetzov), not another person.
    return any(Levenshtein.distance(w, k) <= 1 for w in wanted if len(w) >= 8 for k in available if len(k) >= 7)


# ---- years ------------------------------------------------------------------------------------------


def entry_year(year: str | None) -> int | None:
    m = _ENTRY_YEAR.match(year or "")
    return int(m.group(1)) if m else None


def year_problem(year: int, record: Record) -> str | None:
    """A preprint: not before the first version (a later, published year is fine). Other records:
    within a year of one of their dates (online, print, proceedings)."""
    if not record.years:
        return None
    if record.preprint:
        earliest = record.years[0]
        if (record.published or "").endswith("-01-01"):
            earliest -= 1  # submitted on New Year's Eve somewhere west of UTC
        if year >= earliest or any(y <= year for y in _journal_years(record)):
            return None
        return (
            f"year {year} is earlier than {record.label} allows: its first version was submitted on {record.published}"
        )
    if any(abs(year - y) <= 1 for y in record.years):
        return None
    years = "/".join(str(y) for y in record.years)
    return f"year {year} differs from the record of {record.label}, published {years}"


# ---- the comparison ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str


def describe_authors(record: Record, shown: int = 3) -> str:
    names = record.authors
    if not names:
        return "no authors listed"
    if len(names) <= shown + 1:
        return ", ".join(names)
    return f"{', '.join(names[:shown])} and {len(names) - shown} others"


def describe(record: Record) -> str:
    """`"Title" by A, B, C and 4 others (2017)`, for messages."""
    year = f" ({record.published[:4]})" if record.published else ""
    return f'"{record.title or "(no title)"}" by {describe_authors(record)}{year}'


def _same_work(a: Record, b: Record) -> bool:
    """Two records of one entry that describe one work (a preprint and its published version)."""
    if (a.doi and a.doi == b.doi) or (a.arxiv and a.arxiv == b.arxiv):
        return True
    return bool(a.authors and b.authors and _name_keys(a.authors[0]) & _name_keys(b.authors[0]))


def compare(reference: Reference, record: Record, others: Sequence[Record] = ()) -> list[Finding]:
    """Findings for one entry against one of its records; `others` are the entry's other records
    (a preprint's published version may carry a reworded title)."""
    findings: list[Finding] = []
    if record.withdrawn:
        notice = record.withdrawn if len(record.withdrawn) <= 200 else record.withdrawn[:199] + "…"
        findings.append(Finding("RC505", f'{record.label} is withdrawn: "{notice}"'))
    if record.retracted_by is not None:
        notice = f" (retraction notice doi:{record.retracted_by})" if record.retracted_by else ""
        findings.append(Finding("RC505", f"{record.label} is retracted{notice}: {describe(record)}"))

    same = [record, *(o for o in others if _same_work(record, o))]
    titles = [r.title for r in same if r.title]
    title_ok = any(title_matches(reference.title, t) for t in titles) if reference.title and titles else None
    author_ok = None
    if reference.authors and not reference.is_organisation:
        names = [n for r in same for n in r.authors]
        author_ok = first_author_matches(reference.authors[0], names)

    if title_ok is False:
        also = "; the first author differs too" if author_ok is False else ""
        findings.append(Finding("RC502", f"title differs from the record of {record.label}: {describe(record)}{also}"))
    elif author_ok is False:
        findings.append(
            Finding(
                "RC503",
                f'first author "{reference.authors[0]}" is not among the authors of {record.label}: {describe(record)}',
            )
        )
    year = entry_year(reference.year)
    if year is not None and title_ok is not False and author_ok is not False:
        problem = year_problem(year, record)
        if problem:
            findings.append(Finding("RC504", problem))
    return findings


# ---- choosing among search hits ---------------------------------------------------------------------

NEAR_TITLE = 70  # title_similarity of a near miss: same first author and year, title reworded or wrong


class Grade(enum.IntEnum):
    NEAR = 0  # another title, same first author and year: the entry's work with its title wrong
    TITLE = 1  # the title matches, the first author does not (or cannot be compared)
    SAME = 2  # title and first author match: the entry's work


def grade(reference: Reference, record: Record) -> Grade | None:
    """How well a search hit fits an entry; None: another work."""
    if not reference.title or not record.title:
        return None
    author = None
    if reference.authors and not reference.is_organisation:
        author = first_author_matches(reference.authors[0], record.authors)
    if title_matches(reference.title, record.title):
        return Grade.SAME if author is not False else Grade.TITLE
    year = entry_year(reference.year)
    if (
        author
        and year is not None
        and year_problem(year, record) is None
        and title_similarity(reference.title, record.title) >= NEAR_TITLE
    ):
        return Grade.NEAR
    return None


def best_hit(reference: Reference, records: Sequence[Record]) -> tuple[Record, Grade] | None:
    """The hit that fits best: by grade, then a year that fits, then the very same title (a preprint
    and its renamed published version both match); the first of equals, as sources rank their hits."""
    graded = [(r, g) for r in records if (g := grade(reference, r)) is not None]
    if not graded:
        return None
    year = entry_year(reference.year)
    title = fold(reference.title or "")

    def rank(item: tuple[Record, Grade]) -> tuple[int, bool, bool]:
        record, level = item
        fits = year is None or year_problem(year, record) is None
        return level, fits, fold(record.title or "") == title

    return max(graded, key=rank)  # max keeps the first of equals
