"""Recall and false accusations of title search, over the 1,051 real works of tests/fixtures/records.

Every real work is checked as an entry without identifier, written verbatim, in sentence case, with
its first author only, or with BibTeX braces (any RC502-RC506 on it is a false accusation); then
sampled works are mutated the ways fabricated references go wrong (a made-up title, a near-miss
title, another work's authors, a year two to five years off, two works merged, the DOI of another
work) and must be caught (any of RC501-RC506). The sources are the loopback stand-in in
the real API formats, asked without pauses (politeness is bench/verify.py's subject). Then the same
with each source down in turn: a down source must never become RC506.

    python bench/mutations.py [--sample 150] [--seed 16] [--no-down]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "verify")]

from search_standin import Standin, load_records, publisher_doi  # noqa: E402
from search_support import entry, fast_sources, standin_config  # noqa: E402
from verify_support import identifier  # noqa: E402

from refcheck.cache import Cache  # noqa: E402
from refcheck.model import IdentifierKind, Reference  # noqa: E402
from refcheck.verify import verify_references  # noqa: E402

ACCUSATIONS = {"RC501", "RC502", "RC503", "RC504", "RC505", "RC506"}
SOURCES = ("crossref", "openalex", "dblp", "arxiv")
_WORD = re.compile(r"[A-Za-z]{5,}")

Record = dict[str, Any]


def _content_words(title: str) -> list[str]:
    return _WORD.findall(title)


def fabricated(rng: random.Random, record: Record, vocabulary: list[str], records: list[Record]) -> Reference:
    words = rng.sample(vocabulary, rng.randint(6, 9))
    title = " ".join([words[0].capitalize(), *words[1:4], "for", *words[4:]])
    return entry(title, record["authors"], record["year"])


def near_miss(rng: random.Random, record: Record, vocabulary: list[str], records: list[Record]) -> Reference:
    words = _content_words(record["title"])
    target = rng.choice(words) if words else record["title"].split()[-1]
    swap = rng.choice([w for w in vocabulary if w.lower() != target.lower()])
    title = record["title"].replace(target, swap.capitalize() if target[0].isupper() else swap, 1)
    return entry(title, record["authors"], record["year"])


def swapped_authors(rng: random.Random, record: Record, vocabulary: list[str], records: list[Record]) -> Reference:
    names = " ".join(record["authors"]).lower()
    other = rng.choice([r for r in records if r["authors"][0].split()[-1].lower() not in names])
    return entry(record["title"], other["authors"], record["year"])


def wrong_year(rng: random.Random, record: Record, vocabulary: list[str], records: list[Record]) -> Reference:
    return entry(record["title"], record["authors"], record["year"] + rng.choice([-5, -4, -3, -2, 2, 3]))


def merged(rng: random.Random, record: Record, vocabulary: list[str], records: list[Record]) -> Reference:
    other = rng.choice([r for r in records if r is not record])
    a, b = record["title"].split(), other["title"].split()
    title = " ".join(a[: max(2, len(a) // 2)] + b[len(b) // 2 :])
    return entry(title, record["authors"], record["year"])


def others_doi(rng: random.Random, record: Record, vocabulary: list[str], records: list[Record]) -> Reference:
    other = rng.choice([r for r in records if publisher_doi(r) and r is not record])
    doi = identifier(IdentifierKind.DOI, str(publisher_doi(other)), 7, 70)
    return replace(entry(record["title"], record["authors"], record["year"]), dois=(doi,))


MUTATIONS: dict[str, Callable[[random.Random, Record, list[str], list[Record]], Reference]] = {
    "fabricated title": fabricated,
    "near-miss title": near_miss,
    "swapped authors": swapped_authors,
    "wrong year (2-5 off)": wrong_year,
    "merged entries": merged,
    "DOI of another work": others_doi,
}


def _on_line(reference: Reference, line: int) -> Reference:
    """The entry moved to `line`, its identifiers with it (findings are counted by line)."""
    dois = tuple(replace(i, span=i.span._replace(line=line, end_line=line)) for i in reference.dois)
    return replace(reference, span=reference.span._replace(line=line, end_line=line), dois=dois)


def check(references: list[Reference], down: str | None) -> tuple[list[set[str]], int, float]:
    """Codes on each entry, entries left unverified, seconds."""
    with Standin() as standin, tempfile.TemporaryDirectory() as tmp, Cache(Path(tmp) / "c.sqlite3") as cache:
        if down:
            standin.down.add(down)
        numbered = [_on_line(r, n + 1) for n, r in enumerate(references)]
        started = time.perf_counter()
        result = verify_references(numbered, [], standin_config(standin, retries=0), cache, sources=fast_sources)
        seconds = time.perf_counter() - started
    codes: list[set[str]] = [set() for _ in references]
    for diagnostic in result.diagnostics:
        codes[diagnostic.span.line - 1].add(diagnostic.code)
    return codes, result.unverified_references, seconds


def as_written(record: Record, n: int) -> Reference:
    """A real work as documents write it: verbatim, in sentence case, first author and et al., or
    with BibTeX's braces around capitalised words."""
    title, authors = record["title"], record["authors"]
    if n % 4 == 1:
        title = title[:1] + " ".join(w if w.isupper() else w.lower() for w in title.split())[1:]
    elif n % 4 == 2:
        authors = authors[:1]
    elif n % 4 == 3:
        title = " ".join(f"{{{w}}}" if any(c.isupper() for c in w[1:]) else w for w in title.split())
    return entry(title, authors, record["year"], et_al=n % 4 == 2 and len(record["authors"]) > 1)


def run(records: list[Record], sample: int, seed: int, down: str | None) -> None:
    rng = random.Random(seed)
    vocabulary = sorted({w.lower() for r in records for w in _content_words(r["title"])})
    clean = [as_written(r, n) for n, r in enumerate(records)]
    mutated: list[tuple[str, Reference]] = []
    for name, mutate in MUTATIONS.items():
        for record in rng.sample(records, sample):
            mutated.append((name, mutate(rng, record, vocabulary, records)))
    codes, unverified, seconds = check(clean + [m for _, m in mutated], down)
    accused = [c & ACCUSATIONS for c in codes[: len(clean)]]
    false = sum(1 for c in accused if c)
    print(f"\n== sources: {', '.join(s for s in SOURCES if s != down)}" + (f" ({down} down)" if down else ""))
    print(f"{len(clean) + len(mutated)} entries checked in {seconds:.1f} s; {unverified} left unverified")
    print(
        f"real works accused: {false}/{len(clean)} = {100 * false / len(clean):.2f} %"
        f"  {dict(Counter(code for c in accused for code in c))}"
    )
    hits = 0
    rc506 = sum(1 for c in codes if "RC506" in c)
    for name in MUTATIONS:
        rows = [codes[len(clean) + n] for n, (kind, _) in enumerate(mutated) if kind == name]
        caught = sum(1 for c in rows if c & ACCUSATIONS)
        hits += caught
        by_code = Counter(code for c in rows for code in c & ACCUSATIONS)
        print(f"  {name:22} caught {caught:4}/{len(rows)} = {100 * caught / len(rows):5.1f} %  {dict(by_code)}")
    print(f"recall: {hits}/{len(mutated)} = {100 * hits / len(mutated):.1f} %; RC506 reported: {rc506}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=150, help="works mutated per kind of mutation")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--no-down", action="store_true", help="skip the runs with a source down")
    args = parser.parse_args()
    records = load_records()
    run(records, args.sample, args.seed, None)
    if not args.no_down:
        for source in SOURCES:
            run(records, args.sample, args.seed, source)


if __name__ == "__main__":
    main()
