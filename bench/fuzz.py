"""A long property-based run (not in CI): the properties of `tests/test_properties.py` on many inputs.

Generated Markdown (60 % of the inputs), arbitrary bytes decoded then parsed (20 %) and generated
BibTeX (20 %): no exception, every position inside its file, the same result twice. Prints how many
inputs each property saw and the failures (hypothesis's shrunk example) if any.

    python bench/fuzz.py [--examples 100000] [--seed N]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from refcheck.sources import decode  # noqa: E402
from tests.test_properties import bibtex, check_bibtex_properties, check_markdown_properties, markdown  # noqa: E402


def _bytes_property(data: bytes) -> None:
    text, _ = decode(data, "f.md")
    if text is not None:
        check_markdown_properties(text)


def run(name: str, strategy: st.SearchStrategy[Any], prop: Callable[[Any], None], examples: int, rng_seed: int) -> int:
    """Run one property on `examples` inputs; return the number of failures (0 or 1: hypothesis stops)."""
    seen = 0

    def counted(value: Any) -> None:
        nonlocal seen
        seen += 1
        prop(value)

    test = seed(rng_seed)(
        settings(
            max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )(given(strategy)(counted))
    )
    started = time.perf_counter()
    failures = 0
    try:
        test()
    except Exception as exc:  # a property failed: the shrunk examples are in the exception's notes
        failures = 1
        print(f"{name}: FAILED\n" + "".join(traceback.format_exception(exc))[-6000:])
    print(f"{name}: {seen} inputs, {failures} failures, {time.perf_counter() - started:.0f} s", flush=True)
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # bibtexparser logs every malformed block
    share = {"markdown": 0.6, "bytes": 0.2, "bibtex": 0.2}
    failures = 0
    failures += run("markdown", markdown, check_markdown_properties, int(args.examples * share["markdown"]), args.seed)
    failures += run("bytes", st.binary(max_size=400), _bytes_property, int(args.examples * share["bytes"]), args.seed)
    failures += run("bibtex", bibtex, check_bibtex_properties, int(args.examples * share["bibtex"]), args.seed)
    print(f"total: {args.examples} inputs asked, {failures} failing properties")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
