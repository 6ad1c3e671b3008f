"""Speed of identifier scanning, reference-entry parsing and BibTeX loading over a corpus; prints medians.

Usage: python bench/bench_references.py [CORPUS_DIR] [--repeat N]
(default corpus: ../shared/corpus next to the repository).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from refcheck.identifiers import find_identifiers
from refcheck.model import ReferenceSource, Span
from refcheck.parse.bib import parse_bib_text
from refcheck.parse.references import parse_entry

# Lines that start a reference-like entry: numbered, bold-numbered, footnote definitions, blockquotes.
_ENTRY = re.compile(r"^(?:\*\*\[\d+\]\*\*|\[\d+\]|\[\^[^\]]+\]:|\s*>\s+\w|- [A-Z][^\n]*\(\d{4}\))")


def entries(corpus: Path) -> list[str]:
    """One line per entry is enough for timing; the parser itself is what is measured."""
    found: list[str] = []
    for path in sorted(corpus.rglob("*.md")):
        found.extend(line for line in path.read_text(encoding="utf-8").splitlines() if _ENTRY.match(line))
    return found


def median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "corpus", nargs="?", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus"
    )
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    corpus: Path = args.corpus
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.rglob("*.md"))]
    lines = entries(corpus)
    bibs = [p.read_text(encoding="utf-8") for p in sorted(corpus.rglob("*.bib"))]
    chars = sum(len(t) for t in texts)

    def locate(start: int, end: int) -> Span:
        return Span(1, start + 1, 1, end + 1)

    def parse_all() -> None:
        for text in lines:
            parse_entry(text, span=Span.point(1, 1), path="x.md", source=ReferenceSource.LIST, key=None, locate=locate)

    scan = median_ms(lambda: [find_identifiers(t) for t in texts], args.repeat)
    entry = median_ms(parse_all, args.repeat)
    bib = median_ms(lambda: [parse_bib_text(t, "x.bib") for t in bibs], args.repeat)
    bib_entries = sum(len(parse_bib_text(t, "x.bib").references) for t in bibs)
    print(
        f"find_identifiers: {len(texts)} files, {chars / 1e6:.2f} M chars: median {scan:.1f} ms "
        f"({scan / (chars / 1e6):.1f} ms per M chars)"
    )
    print(f"parse_entry: {len(lines)} entries: median {entry:.1f} ms ({entry * 1000 / len(lines):.0f} µs per entry)")
    print(
        f"parse_bib_text: {len(bibs)} files, {bib_entries} entries: median {bib:.1f} ms "
        f"({bib * 1000 / bib_entries:.0f} µs per entry, uncached)"
    )


if __name__ == "__main__":
    main()
