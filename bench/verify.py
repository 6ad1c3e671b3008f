"""Metadata verification against loopback servers that enforce the sources' published rates.

Part 1: 300 arXiv entries against a replay server answering 503 to any request less than 3 s after
the previous one (a violation). Prints, per run and as medians: requests made, wall time, the floor
(batches - 1) x interval, and violations; then the same entries again from a warm cache.

Part 2: 300 entries without identifiers (real works of tests/fixtures/records, a few made-up titles)
searched by title in the default sources, against the stand-in that answers 429 to any request
beyond a source's published rate (Crossref 3 a second with mailto, OpenAlex 10, DBLP 1, arXiv one per
interval). Prints wall time, the politeness floor (the slowest source's (requests - 1) / rate),
requests and violations per source, and the warm-cache rerun.

    python bench/verify.py [--entries 300] [--runs 3] [--interval 3.0] [--search-entries 300]
                           [--fabricated 15] [--search-runs 1]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "verify")]

from search_standin import Standin, load_records  # noqa: E402
from search_support import entry, standin_config  # noqa: E402
from verify_replay import Paper, ReplayServer  # noqa: E402
from verify_support import reference, settings  # noqa: E402

from refcheck.cache import Cache  # noqa: E402
from refcheck.verify import verify_references  # noqa: E402
from refcheck.verify.arxiv import BATCH_SIZE  # noqa: E402


def run(entries: int, interval: float, cache_path: Path) -> tuple[int, float, int, int, int]:
    """One cold run then one warm run: (requests, seconds, violations, warm requests, diagnostics)."""
    ids = [f"2001.{n:05d}" for n in range(1, entries + 1)]
    refs = [
        reference(arxiv=i, title=f"A study of scaling, part {n}", authors=("kaplan",), year="2020", line=n)
        for n, i in enumerate(ids, 1)
    ]
    with ReplayServer(arxiv_min_gap=interval) as server:
        server.papers = {
            i: Paper(f"A Study of Scaling, Part {n}", ("Jared Kaplan", "Sam McCandlish")) for n, i in enumerate(ids, 1)
        }
        config = settings(server.url("arxiv"), server.url("crossref"), arxiv_interval=interval, timeout=20.0)
        with Cache(cache_path) as cache:
            started = time.perf_counter()
            result = verify_references(refs, [], config, cache)
            seconds = time.perf_counter() - started
            warm = verify_references(refs, [], config, cache)
        return result.requests, seconds, server.violations, warm.requests, len(result.diagnostics)


# requests a second each source allows (the stand-in enforces them; refcheck must keep them)
RATES = {"crossref": 3.0, "openalex": 10.0, "dblp": 1.0}


def run_search(entries: int, fabricated: int, interval: float, cache_path: Path) -> None:
    """One cold and one warm run of title searches; prints figures per source."""
    records = load_records()[: entries - fabricated]
    refs = [entry(r["title"], r["authors"], r["year"], line=n + 1) for n, r in enumerate(records)]
    refs += [
        entry(f"Recursive gradient folding for sparse transformers, part {n}", ["Jane Smith"], 2022, line=10_000 + n)
        for n in range(fabricated)
    ]
    with Standin() as standin, Cache(cache_path) as cache:
        standin.window = {"crossref": (3, 1.0), "openalex": (10, 1.0), "dblp": (1, 1.0)}
        standin.min_gap = {"arxiv": interval}
        config = standin_config(standin, arxiv_interval=interval, timeout=20.0, retries=3)
        started = time.perf_counter()
        result = verify_references(refs, [], config, cache)
        seconds = time.perf_counter() - started
        warm = verify_references(refs, [], config, cache)
        counts = {s: len(standin.requests(s)) for s in ("crossref", "openalex", "dblp", "arxiv")}
        rates = {**RATES, "arxiv": 1 / interval if interval else math.inf}
        floors = {s: max(0, n - 1) / rates[s] for s, n in counts.items()}
        codes: dict[str, int] = {}
        for d in result.diagnostics:
            codes[d.code] = codes.get(d.code, 0) + 1
        print(
            f"{len(refs)} entries without identifiers: {seconds:.1f} s wall, floor {max(floors.values()):.1f} s "
            f"(slowest source), {sum(standin.violations.values())} rate violations, findings {codes}, "
            f"{result.unverified_references} unverified; warm cache: {warm.requests} requests"
        )
        for source, count in counts.items():
            print(
                f"  {source:9} {count:4} requests, floor {floors[source]:6.1f} s, "
                f"{standin.violations[source]} violations, max {standin.max_in_flight[source]} in flight"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--interval", type=float, default=3.0)
    parser.add_argument("--search-entries", type=int, default=300)
    parser.add_argument("--fabricated", type=int, default=15, help="made-up titles among the searched entries")
    parser.add_argument("--search-runs", type=int, default=1)
    parser.add_argument("--skip-ids", action="store_true", help="run part 2 only")
    args = parser.parse_args()
    if args.skip_ids:
        args.runs = 0
    batches = math.ceil(args.entries / BATCH_SIZE)
    floor = (batches - 1) * args.interval
    print(f"{args.entries} arXiv entries, {batches} batches, interval {args.interval:g} s, floor {floor:.1f} s")
    walls, counts = [], []
    for n in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            requests, seconds, violations, warm, findings = run(
                args.entries, args.interval, Path(tmp) / "cache.sqlite3"
            )
        walls.append(seconds)
        counts.append(requests)
        print(
            f"run {n + 1}: {requests} requests, {seconds:.2f} s wall, {violations} rate violations, "
            f"{findings} findings; warm cache: {warm} requests"
        )
    if walls:
        print(
            f"median: {statistics.median(counts):g} requests, {statistics.median(walls):.2f} s wall "
            f"(floor {floor:.1f} s, overhead {statistics.median(walls) - floor:.2f} s)"
        )
    for _ in range(args.search_runs):
        with tempfile.TemporaryDirectory() as tmp:
            run_search(args.search_entries, args.fabricated, args.interval, Path(tmp) / "cache.sqlite3")


if __name__ == "__main__":
    main()
