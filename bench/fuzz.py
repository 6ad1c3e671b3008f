"""A long property-based run (not in CI): the properties of `tests/test_properties.py` on many inputs.

Generated Markdown (50 % of the inputs), arbitrary bytes decoded then parsed (20 %), generated
BibTeX (20 %) and generated Markdown grown with adversarial runs (10 %: the families of
`bench/adversarial.py` — runs of openers, nested brackets, long name lists, many same-author entries —
repeated up to ~160 KB at random places): no exception, every position inside its file, the same result
twice, and for the adversarial inputs parse and match within a time budget linear in the input's size.
Then the whole command line, in this process (10 % more each): documents fed through standard input
(any bytes, Markdown in UTF-8, UTF-16 or with a BOM) must give a UTF-8 JSON report, and config files
(valid-ish settings, hostile values, broken TOML) must give exit 0-3; never a traceback. Prints how
many inputs each property saw and the failures (hypothesis's shrunk example) if any.

    python bench/fuzz.py [--examples 100000] [--seed N] [--budget-scale 1.0]
"""

from __future__ import annotations

import argparse
import json
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

from refcheck.check.match import check_document  # noqa: E402
from refcheck.parse.document import parse_markdown  # noqa: E402
from refcheck.sources import decode  # noqa: E402
from tests.test_properties import bibtex, check_bibtex_properties, check_markdown_properties, markdown  # noqa: E402
from tests.test_settings import config_keys, run_cli_anywhere, scratch_tree, setting_values, toml_value  # noqa: E402


def _bytes_property(data: bytes) -> None:
    text, _ = decode(data, "f.md")
    if text is not None:
        check_markdown_properties(text)


# -- the command line: standard input and config files ---------------------------------------------

_ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-be", "latin-1"]
stdin_documents = st.one_of(
    st.binary(max_size=400),
    st.tuples(markdown, st.sampled_from(_ENCODINGS)).map(lambda m: m[0].encode(m[1], "replace")),
    st.tuples(markdown, st.binary(max_size=8)).map(lambda m: m[0].encode() + m[1]),
)
_STDIN_ARGS = st.sampled_from([[], ["--max-file-size", "100"], ["--select", "RC1"], ["-o", "out.json"]])


def _stdin_property(case: tuple[bytes, list[str]]) -> None:
    data, extra = case
    with scratch_tree() as root:
        printed = run_cli_anywhere(["--offline", "--format", "json", *extra, "-"], stdin=data)
        report = (root / "out.json").read_bytes().decode("utf-8") if "-o" in extra else printed
        if "-o" not in extra:
            report.encode("utf-8")  # no lone surrogates: the report is UTF-8 text
        assert json.loads(report)["summary"]["files"] == 1


# Values a user would write (so that the run goes past the config and checks the document), mixed
# with the hostile ones of the property test.
_PLAUSIBLE: dict[str, list[Any]] = {
    "select": [["ALL"], ["RC2"], ["RC201", "year-mismatch"]],
    "ignore": [[], ["RC202"]],
    "fail_on": ["error", "warning", "info"],
    "exclude": [["drafts/**"], "vendor"],
    "per_file_ignores": [{"*.md": ["RC202"]}],
    "root_dir": [".", "dir"],
    "bib": [[], ["refs.bib"]],
    "max_file_size": ["10MB", 100, "1KiB"],
    "jobs": [1, 2],
    "uncited_bib": [True, False],
    "offline": [True],
    "links": [False],
    "verify": [False],
    "timeout": [0.5, 20],
    "timeout_total": [1, 600],
    "retries": [0, 3],
    "retry_wait": [0, 0.1],
    "max_concurrency": [1, 128],
    "max_per_host": [1, 8],
    "host_interval": [0, 0.5],
    "allow_private": [False],
    "allow_hosts": [["127.0.0.1"]],
    "accept": [["200..=299", 429], 200],
    "exclude_urls": [["localhost", "^https://x"]],
    "headers": [{"h.example": {"Accept-Language": "en"}}],
    "cache": [False, "c.sqlite", "new/c.sqlite"],
    "cache_max_age": ["1d", 3600],
    "arxiv_api_url": ["http://127.0.0.1:9/api"],
    "arxiv_interval": [3],
    "crossref_api_url": ["http://127.0.0.1:9"],
    "mailto": ["a@example.org"],
    "user_agent": ["ci"],
}
_plausible_entry = st.sampled_from(sorted(_PLAUSIBLE)).flatmap(
    lambda key: st.tuples(st.just(key), st.sampled_from(_PLAUSIBLE[key]))
)
config_files = st.tuples(
    st.lists(st.one_of(_plausible_entry, _plausible_entry, st.tuples(config_keys, setting_values)), max_size=6),
    st.one_of(st.none(), st.binary(max_size=40), st.sampled_from([b"[" * 3000, b"x = [" * 2000, b"\xff", b"a.b = 1"])),
    st.booleans(),
)


def _config_property(case: tuple[list[tuple[str, Any]], bytes | None, bool]) -> None:
    entries, raw, as_pyproject = case
    body = "\n".join(f"{json.dumps(key)} = {toml_value(value)}" for key, value in dict(entries).items()).encode()
    if raw is not None:
        body += b"\n" + raw
    with scratch_tree() as root:
        (root / "pyproject.toml" if as_pyproject else root / ".refcheck.toml").write_bytes(
            b"[tool.refcheck]\n" + body if as_pyproject else body
        )
        run_cli_anywhere(["--offline", "a.md"])  # --offline: a plausible config must not reach the network


# Units that hostile documents repeat: each a run the scanners or the matcher once took quadratic time on.
ADVERSARIAL_UNITS = [
    "[^",
    "^[",
    "[",
    "]",
    "(",
    ")",
    "[(",
    ")]",
    "](",
    "[x](",
    "![",
    "[a][",
    "\\[",
    "\\(",
    "$$",
    "$",
    "$a ",
    "`",
    "` `` ",
    "<",
    "<a ",
    "<!-- ",
    "<http:",
    "@",
    "[@",
    "@a ",
    "{cite}`",
    "|",
    "> ",
    "- ",
    "*",
    "_",
    "{#",
    "Smith, ",
    "Smith and ",
    "Smith et al. ",
    "(Smith, 2020) ",
    "(2019)",
    "et al., 2019; ",
    "http://a",
    "www.",
    "doi:10.1/",
    "arXiv:2001.",
    "[1,",
    "\n\n[",
    "[^n]: x\n",
    "[a]: https://x.org\n",
]
ADVERSARIAL_BUDGET = (5.0, 20e-6)  # seconds: fixed, and per character (1 MB: 25 s; 100 KB: 7 s)


@st.composite
def adversarial_markdown(draw: st.DrawFn) -> str:
    """Generated Markdown with up to three adversarial runs inserted, or a many-same-author document."""
    if draw(st.integers(0, 9)) == 0:
        entries = 2 ** draw(st.integers(0, 12))
        cites = 2 ** draw(st.integers(0, 12))
        year = draw(st.sampled_from(["2020", "2020a", "2021"]))
        return (
            "".join(f"A claim (Smith, {year}).\n\n" for _ in range(cites))
            + "## References\n\n"
            + "".join(f"- Smith, J. (2020). Title number {n}.\n" for n in range(entries))
        )
    text: str = draw(markdown)
    for _ in range(draw(st.integers(1, 3))):
        unit = draw(st.sampled_from(ADVERSARIAL_UNITS))
        count = 2 ** draw(st.integers(0, 14)) + draw(st.integers(0, 9))
        at = draw(st.integers(0, len(text)))
        heading = "# " if draw(st.booleans()) and unit[0] not in "#\n" else ""
        text = text[:at] + heading + unit * count + text[at:]
    return text


def make_adversarial_property(scale: float) -> Callable[[str], None]:
    """The Markdown properties, plus parse and match within a budget linear in the text's size."""

    def timed(text: str) -> float:
        started = time.perf_counter()
        check_markdown_properties(text)  # parses twice
        doc = parse_markdown(text, Path("/nonexistent/doc.md"), "doc.md")
        check_document(doc, [], set(), uncited_bib=False)
        return time.perf_counter() - started

    def prop(text: str) -> None:
        budget = scale * (ADVERSARIAL_BUDGET[0] + ADVERSARIAL_BUDGET[1] * len(text))
        elapsed = timed(text)
        if elapsed > budget:
            elapsed = min(elapsed, timed(text))  # a stall of a shared machine does not repeat; quadratic time does
        if elapsed > budget:
            raise AssertionError(f"{elapsed:.1f} s for {len(text)} characters: over the {budget:.1f} s budget")

    return prop


def run(name: str, strategy: st.SearchStrategy[Any], prop: Callable[[Any], None], examples: int, rng_seed: int) -> int:
    """Run one property on `examples` inputs; return the number of failures (0 or 1: hypothesis stops)."""
    seen = 0

    def counted(value: Any) -> None:
        nonlocal seen
        seen += 1
        prop(value)

    test = seed(rng_seed)(
        settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))(
            given(strategy)(counted)
        )
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
    parser.add_argument("--budget-scale", type=float, default=1.0, help="multiply the adversarial time budget")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # bibtexparser logs every malformed block
    share = {"markdown": 0.5, "bytes": 0.2, "bibtex": 0.2, "adversarial": 0.1}
    failures = 0
    failures += run("markdown", markdown, check_markdown_properties, int(args.examples * share["markdown"]), args.seed)
    failures += run("bytes", st.binary(max_size=400), _bytes_property, int(args.examples * share["bytes"]), args.seed)
    failures += run("bibtex", bibtex, check_bibtex_properties, int(args.examples * share["bibtex"]), args.seed)
    failures += run(
        "adversarial",
        adversarial_markdown(),
        make_adversarial_property(args.budget_scale),
        int(args.examples * share["adversarial"]),
        args.seed,
    )
    cli_share = {"stdin": 0.1, "config": 0.1}  # on top of the 100 %: each runs the whole command line
    stdin_cases = st.tuples(stdin_documents, _STDIN_ARGS)
    failures += run("stdin", stdin_cases, _stdin_property, int(args.examples * cli_share["stdin"]), args.seed)
    failures += run("config", config_files, _config_property, int(args.examples * cli_share["config"]), args.seed)
    print(f"total: {args.examples} inputs asked, {failures} failing properties")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
