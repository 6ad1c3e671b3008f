"""Metadata verification of 300 arXiv entries against a replay server enforcing arXiv's rate rule.

The server answers 503 to any request arriving less than 3 s after the previous one (a violation).
Prints, per run and as medians: requests made, wall time, the floor (batches - 1) x interval, and
violations; then the same entries again from a warm cache.

    python bench/verify.py [--entries 300] [--runs 3] [--interval 3.0]
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
            i: Paper(f"A Study of Scaling, Part {n}", ("Jared Kaplan", "Sam McCandlish"))
            for n, i in enumerate(ids, 1)
        }
        config = settings(server.url("arxiv"), server.url("crossref"), arxiv_interval=interval, timeout=20.0)
        with Cache(cache_path) as cache:
            started = time.perf_counter()
            result = verify_references(refs, [], config, cache)
            seconds = time.perf_counter() - started
            warm = verify_references(refs, [], config, cache)
        return result.requests, seconds, server.violations, warm.requests, len(result.diagnostics)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--interval", type=float, default=3.0)
    args = parser.parse_args()
    batches = math.ceil(args.entries / BATCH_SIZE)
    floor = (batches - 1) * args.interval
    print(
        f"{args.entries} arXiv entries, {batches} batches, interval {args.interval:g} s, floor {floor:.1f} s"
    )
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
    print(
        f"median: {statistics.median(counts):g} requests, {statistics.median(walls):.2f} s wall "
        f"(floor {floor:.1f} s, overhead {statistics.median(walls) - floor:.2f} s)"
    )


if __name__ == "__main__":
    main()
