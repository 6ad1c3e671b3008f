"""Time on adversarial text: each family of hostile input at N and 2N bytes, and the ratio of the two.

Each family repeats a unit (runs of openers, nested brackets, long name lists, many same-author
entries, …) into one document. A linear scanner takes about twice as long at 2N as at N; a quadratic
one four times. For each family the script prints, as medians of `--runs` interleaved runs, the time of
the whole product path at N and 2N (`refcheck --offline -j1 --format json`, run in-process in a fresh child
process so that a run that never ends is cut at `--timeout`), the ratio (goal ≤ 2.5), whether the
2N document (about 1 MB) is checked in under 10 s, and the same figures for mistune's block parse alone,
so that a superlinearity upstream is told apart from refcheck's own.

    python bench/adversarial.py [--size 500000] [--runs 3] [--timeout 60] [--only FAMILY,…] [--no-mistune]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _repeat(unit: str, size: int, head: str = "", tail: str = "") -> str:
    return head + unit * max(1, (size - len(head) - len(tail)) // len(unit)) + tail


def _nested(opener: str, closer: str, size: int) -> str:
    count = max(1, size // (len(opener) + len(closer)))
    return opener * count + "x" + closer * count + "\n"


def _lines(make: Callable[[int], str], size: int, head: str = "", tail: Callable[[int], str] | None = None) -> str:
    """`make(n)` for n = 0, 1, … until the document reaches `size` bytes; `tail(count)` after them."""
    parts = [head]
    total = len(head)
    n = 0
    while total < size:
        line = make(n)
        parts.append(line)
        total += len(line)
        n += 1
    if tail is not None:
        parts.append(tail(n))
    return "".join(parts)


def _entries_same_author(size: int) -> str:
    """Many entries "Smith, J. (2020). Title n." and as many citations "(Smith, 2020)"."""

    def entry(n: int) -> str:
        return f"- Smith, J. (2020). Title number {n}.\n"

    cites = _lines(lambda n: "A claim (Smith, 2020). Smith (2020) again.\n\n", size // 2)
    return cites + _lines(entry, size // 2, head="## References\n\n")


def _numbered_list(size: int) -> str:
    refs = "".join(f"[{n}] Smith, J. (2020). Title {n}.\n" for n in range(1, 51))
    return _repeat("[" + ",".join(str(n % 50 + 1) for n in range(200)) + "] ", size) + "\n\n## References\n\n" + refs


def _numbered_entries(size: int) -> str:
    """Many numbered entries, each cited once by number."""
    cites = _lines(lambda n: f"A claim [{n + 1}].\n", size // 2)
    count = cites.count("\n")
    entries = "".join(f"[{n}] Smith, J. (2020). Title {n}.\n" for n in range(1, count + 1))
    return cites + "\n## References\n\n" + entries


def _footnote_definitions(size: int) -> str:
    uses = _lines(lambda n: f"Claim[^n{n}].\n", size // 3)
    return uses + "\n" + _lines(lambda n: f"[^n{n}]: Smith, J. (2020). Title {n}.\n\n", 2 * size // 3)


FAMILIES: dict[str, Callable[[int], str]] = {
    "footnote-openers [^": lambda s: _repeat("[^", s),
    "nested [[[ ]]]": lambda s: _nested("[", "]", s),
    "nested ((( )))": lambda s: _nested("(", ")", s),
    "nested [( )]": lambda s: _nested("[(", ")]", s),
    "open [[[": lambda s: _repeat("[", s),
    "open (((": lambda s: _repeat("(", s),
    "Smith, … (2019)": lambda s: _repeat("Smith, ", s, tail="(2019)\n"),
    "Smith and … (2019)": lambda s: _repeat("Smith and ", s, tail="(2019)\n"),
    "(Smith, … 2019)": lambda s: _repeat("Smith, ", s, head="(", tail="2019)\n"),
    "et al. run": lambda s: _repeat("Smith et al. ", s, tail="(2019)\n"),
    "name, masked formula, (year)": lambda s: _repeat("x ", s, head="Smith et al $$", tail="$$. (2019)\n"),
    "heading [": lambda s: _repeat("[", s, head="# "),
    "heading <a ": lambda s: _repeat("<a ", s, head="# "),
    "same author-year entries": _entries_same_author,
    "link ](": lambda s: _repeat("](", s),
    "link [x](": lambda s: _repeat("[x](", s),
    "image ![": lambda s: _repeat("![", s),
    "ref label [a][": lambda s: _repeat("[a][", s),
    "angle <": lambda s: _repeat("<", s),
    "autolink <http:": lambda s: _repeat("<http:", s),
    "comment <!--": lambda s: _repeat("<!-- ", s),
    "dollar $": lambda s: _repeat("$", s),
    "math $a": lambda s: _repeat("$a ", s),
    "backticks ` ``": lambda s: _repeat("` `` ", s),
    "backtick runs": lambda s: "".join("`" * k + " " for k in range(1, 2000))[:s] + "\n",
    "at @": lambda s: _repeat("@", s),
    "pandoc [@": lambda s: _repeat("[@", s),
    "pandoc [ @@@ [": lambda s: _repeat("@", s, head="[^", tail="[^\n"),
    "pandoc bare @a with bib": lambda s: _repeat("@a ", s, head="---\nbibliography: refs.bib\n---\n\n"),
    "inline note ^[": lambda s: _repeat("^[", s),
    "myst {cite}`": lambda s: _repeat("{cite}`", s),
    "distill keys <d-cite key=": lambda s: _repeat("k ", s, head='<d-cite key="', tail='"></d-cite>\n'),
    "table cells |": lambda s: "| a | b |\n|---|---|\n" + _repeat("|", s) + "\n",
    "table many rows": lambda s: _lines(lambda n: f"| (Smith, 2020) | [{n}] |\n", s, head="| a | b |\n|---|---|\n"),
    "blockquote > > >": lambda s: _repeat("> ", min(s, 200_000), tail="(Smith, 2019)\n"),
    "list - - -": lambda s: _repeat("- ", min(s, 200_000), tail="x\n"),
    "emphasis *": lambda s: _repeat("*", s),
    "emphasis _": lambda s: _repeat("_", s),
    "escapes \\[": lambda s: _repeat("\\[", s),
    "bare urls http://": lambda s: _repeat("http://a", s),
    "www.": lambda s: _repeat("www.", s),
    "doi: run": lambda s: _repeat("doi:10.1/", s),
    "arXiv: run": lambda s: _repeat("arXiv:2001.", s),
    "footnote definitions": _footnote_definitions,
    "link definitions same label": lambda s: _lines(lambda n: f"[a]: https://x.org/{n}\n", s, tail=lambda n: "\n[a]\n"),
    "long author list": lambda s: _repeat("Smith, J., ", s, head="## References\n\n- ", tail="& Jones (2020). T.\n"),
    "numeric [1,2,3,…]": _numbered_list,
    "numbered entries cited [n]": _numbered_entries,
    "heading {#": lambda s: _repeat("{#", s, head="# "),
    "attribute id {#[a][a]…": lambda s: _repeat("[a]", s, head="# {#"),
    "d-cite key": lambda s: _repeat('<d-cite key="', s),
    "newlines blank": lambda s: _repeat("[\n\n", s),
    "nested links [[x](u)](u)": lambda s: "[" * (s // 5) + "x" + "](u)" * (s // 5) + "\n",
    "nested images ![![x](u)](u)": lambda s: "![" * (s // 6) + "x" + "](u)" * (s // 6) + "\n",
    "nested collapsed labels [[x][]][]": lambda s: "[x]: https://x.org\n\n" + "[" * (s // 4) + "x" + "][]" * (s // 4),
    "link text Smith, …": lambda s: _repeat("Smith, ", s, head="[", tail="2019](https://arxiv.org/abs/2001.08361)\n"),
    "display math \\( \\[ $$": lambda s: _repeat("\\( \\[ $$ ", s),
}


def _measure(family: str, size: int, what: str) -> float:
    """In this (child) process: the time of one run on the family's document of `size` bytes."""
    text = FAMILIES[family](size)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.md"
        path.write_text(text, encoding="utf-8")
        Path(tmp, "refs.bib").write_text("@article{a, author={A}, title={T}, year={2020}}\n", encoding="utf-8")
        if what == "mistune":
            from refcheck.parse.blocks import _parser

            md = _parser()
            started = time.perf_counter()
            state = md.block.state_cls()
            state.process(text)
            md.block.parse(state)
            return time.perf_counter() - started
        from refcheck.cli import main

        os.chdir(tmp)
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            main(["--offline", "-j", "1", "--format", "json", "doc.md"])
        return time.perf_counter() - started


def _child(family: str, size: int, what: str, timeout: float) -> float | None:
    """One measurement in a fresh process; None when it does not end within `timeout` seconds."""
    command = [sys.executable, __file__, "--child", family, str(size), what]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"{family} ({what}, {size} bytes) failed:\n{exc.stderr}") from exc
    return float(done.stdout.strip())


def _medians(family: str, size: int, what: str, runs: int, timeout: float) -> tuple[float | None, float | None]:
    """Medians at N and 2N, the runs interleaved (N, 2N, N, 2N, …) so that a shared machine's drift
    falls on both sizes alike; None for a size whose run overran `timeout`."""
    times: dict[int, list[float] | None] = {size: [], 2 * size: []}
    for _ in range(runs):
        for n in (size, 2 * size):
            done = times[n]
            if done is None:
                continue
            t = _child(family, n, what, timeout)
            if t is None:
                times[n] = None  # one run over the limit: the others would be too
                if n == size:
                    times[2 * size] = None
            else:
                done.append(t)
    small, large = times[size], times[2 * size]
    return (statistics.median(small) if small else None), (statistics.median(large) if large else None)


def _fmt(t: float | None, timeout: float) -> str:
    return f">{timeout:.0f}" if t is None else f"{t:.3f}"


def _ratio(small: float | None, large: float | None) -> str:
    if small is None or large is None:
        return "-"
    return f"{large / max(small, 1e-4):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=500_000, help="N in bytes (the 2N document is about 1 MB)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a single run may take")
    parser.add_argument("--only", default="", help="comma-separated family names (substrings)")
    parser.add_argument("--no-mistune", action="store_true", help="skip the mistune-alone figures")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        family, size, what = args.child
        print(_measure(family, int(size), what))
        return
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    families = [f for f in FAMILIES if not wanted or any(w in f for w in wanted)]
    n = args.size
    print(f"N = {n} bytes, 2N = {2 * n}; medians of {args.runs} interleaved runs; s; goal: ratio <= 2.5, 2N < 10 s")
    header = f"{'family':30} {'N':>8} {'2N':>8} {'ratio':>6} {'<10s':>5}"
    if not args.no_mistune:
        header += f" | {'mistune N':>9} {'2N':>8} {'ratio':>6}"
    print(header)
    worst = 0.0
    failing = []
    for family in families:
        small, large = _medians(family, n, "refcheck", args.runs, args.timeout)
        ok = large is not None and large < 10
        ratio = _ratio(small, large)
        line = f"{family:30} {_fmt(small, args.timeout):>8} {_fmt(large, args.timeout):>8} {ratio:>6}"
        line += f" {'yes' if ok else 'NO':>5}"
        if not args.no_mistune:
            m_small, m_large = _medians(family, n, "mistune", args.runs, args.timeout)
            mistune = f"{_fmt(m_small, args.timeout):>9} {_fmt(m_large, args.timeout):>8}"
            line += f" | {mistune} {_ratio(m_small, m_large):>6}"
        print(line, flush=True)
        if ratio == "-" or float(ratio) > 2.5 or not ok:
            failing.append(family)
        elif ratio != "-":
            worst = max(worst, float(ratio))
    print(
        f"{len(families) - len(failing)} of {len(families)} families linear and under 10 s at 2N"
        + (f"; over the goal: {', '.join(failing)}" if failing else "")
    )


if __name__ == "__main__":
    main()
