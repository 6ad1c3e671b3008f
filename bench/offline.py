"""Offline throughput: a generated tree of Markdown files checked with `--offline --jobs 1` and `--jobs 2`.

Generates (once, deterministically) `--files` documents of about 5 KB each: author–year, numeric,
footnote and pandoc citations, reference lists, link definitions, local links and images, a shared
BibTeX file, and some errors. Prints, as medians of `--runs` runs: MB/s of refcheck with one and two
jobs, the speed-up, peak memory (main process and largest worker), and the MB/s of mistune's own AST
parse of the same files measured in the same run, with the ratio of the two. `--profile FILE` instead
writes a cProfile of one `--jobs 1` run and prints its top entries. `--compiled` also measures `--jobs 1`
of a copy whose parsing and matching modules are compiled with mypyc (needs mypy, from the test extra,
and a C compiler): what a compiled build would give, measured beside the rest.

    python bench/offline.py [--files 10000] [--runs 3] [--dir /tmp/refcheck-bench] [--profile out.prof]
                            [--compiled]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SURNAMES = [
    "Kaplan",
    "Vaswani",
    "Hoffmann",
    "Brown",
    "Devlin",
    "Radford",
    "Ouyang",
    "Wei",
    "Chowdhery",
    "Touvron",
    "Smith",
    "García",
    "Müller",
    "van der Berg",
    "O'Neil",
    "Zhang",
    "Liu",
    "Nguyen",
    "Kowalski",
    "Dubois",
]
_PROSE = """model data training scaling attention layer results network language learning method approach
performance evaluation benchmark dataset loss gradient parameter compute optimal transformer
large small deep we show that the of and a to in is for on with as by this are our from"""
WORDS = _PROSE.split()
BIB_KEYS = [f"key{n}" for n in range(40)]
# Compiled by `--compiled`: every module a file's parse and match runs through (model.py stays Python:
# the network stages subclass its classes).
COMPILED_MODULES = [
    "blocks",
    "inline",
    "citations",
    "references",
    "names",
    "identifiers",
    "markdown",
    "match",
    "local_links",
    "anchors",
    "latex",
]


def _sentence(rng: random.Random, words: int = 12) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:]


def _entry(rng: random.Random, author: str, year: int, n: int) -> str:
    other = rng.choice(SURNAMES)
    arxiv = f" arXiv:{year % 100:02d}{rng.randint(1, 12):02d}.{rng.randint(1, 9999):05d}."
    ident = rng.choice([arxiv, f" doi:10.{1000 + n}/x{n}.", ""])
    return f"{author}, A., & {other}, B. ({year}). {_sentence(rng, 8)}. *Journal of {rng.choice(WORDS)}*.{ident}"


def document(index: int, files: int) -> str:
    """One ~5 KB document; `index` seeds it, so the tree is the same on every run."""
    rng = random.Random(index)
    style = index % 4  # 0 author–year, 1 numeric, 2 pandoc with a bib, 3 footnotes and link definitions
    parts: list[str] = []
    if style == 2:
        parts.append(f"---\ntitle: Document {index}\nbibliography: ../refs.bib\n---\n")
    parts.append(f"# Document {index}\n")
    authors = [(rng.choice(SURNAMES), rng.randint(2000, 2023)) for _ in range(8)]
    neighbour = f"../d{(index + 1) % files // 100:03d}/doc{(index + 1) % files:05d}.md"
    for section in range(5):
        parts.append(f"## Section {section} {rng.choice(WORDS)}\n")
        for _ in range(2):
            sentences = []
            for _ in range(4):
                s = _sentence(rng)
                author, year = rng.choice(authors)
                if style == 0:
                    url = f"https://arxiv.org/abs/{year % 100:02d}01.0{rng.randint(1000, 9999)}"
                    forms = [f"{author} et al. ({year})", f"({author} et al., {year})", f"[{author}, {year}]({url})"]
                    cite = rng.choice(forms)
                    if rng.random() < 0.03:
                        cite = f"(Nobody et al., {year})"  # undefined citation
                    if rng.random() < 0.03:
                        cite = f"({author} et al., {year + 1})"  # year mismatch
                elif style == 1:
                    cite = f"[{rng.randint(1, 8)}]" if rng.random() > 0.03 else "[12]"
                elif style == 2:
                    cite = f"[@{rng.choice(BIB_KEYS)}; @{rng.choice(BIB_KEYS)}, p. 3]"
                    if rng.random() < 0.03:
                        cite = "[@missing]"
                else:
                    cite = f"[^n{rng.randint(1, 4)}]"
                    if rng.random() < 0.5:
                        cite = f"[{rng.choice(WORDS)} link][l{rng.randint(1, 3)}]"
                sentences.append(f"{s} {cite}.")
            parts.append(" ".join(sentences) + "\n")
        roll = section % 3
        if roll == 0:
            parts.append(
                f"- See [the next document]({neighbour}#section-1-{rng.choice(WORDS)}) and `code [1]`.\n"
                f"- An image: ![figure](img/fig{rng.randint(1, 3)}.png) and <https://example.org/{index}>.\n"
                f"  - Nested with $x^2 [3]$ math and https://example.com/{index}/{section}.\n"
            )
        elif roll == 1:
            parts.append(f"> {_sentence(rng)} [{rng.choice(WORDS)}](#section-{section}-missing).\n> {_sentence(rng)}\n")
        else:
            parts.append(
                f"```python\nprint('[1] (Smith, 2020) @key')\n```\n\n"
                f"| a | b |\n|---|---|\n| {_sentence(rng, 3)} | [x](#document-{index}) |\n"
            )
    if style == 3:
        parts.append("".join(f"[^n{n}]: {_entry(rng, *authors[n], n)}\n" for n in range(1, 5)))
        parts.append("".join(f"[l{n}]: https://example.org/{index}/{n}\n" for n in range(1, 4)))
    elif style != 2:
        parts.append("## References\n")
        if style == 1:
            parts.append("".join(f"[{n}] {_entry(rng, *authors[n - 1], n)}\n" for n in range(1, 9)))
        else:
            parts.append("".join(f"- {_entry(rng, a, y, n)}\n" for n, (a, y) in enumerate(authors)))
    return "\n".join(parts)


def bibtex() -> str:
    rng = random.Random(0)
    return "".join(
        f"@article{{{key},\n  author = {{{rng.choice(SURNAMES)}, A. and {rng.choice(SURNAMES)}, B.}},\n"
        f"  title = {{{_sentence(rng, 6)}}},\n  journal = {{Journal}},\n  year = {{{rng.randint(2000, 2023)}}},\n}}\n\n"
        for key in BIB_KEYS
    )


def generate(root: Path, files: int) -> list[Path]:
    """The tree under `root` (reused when it already holds `files` documents)."""
    marker = root / f".generated-{files}"
    paths = [root / f"d{n // 100:03d}" / f"doc{n:05d}.md" for n in range(files)]
    if marker.exists():
        return paths
    root.mkdir(parents=True, exist_ok=True)
    (root / "refs.bib").write_text(bibtex(), encoding="utf-8")
    for n, path in enumerate(paths):
        path.parent.mkdir(exist_ok=True)
        (path.parent / "img").mkdir(exist_ok=True)
        (path.parent / "img" / "fig1.png").write_bytes(b"\x89PNG")
        path.write_text(document(n, files), encoding="utf-8")
    marker.touch()
    return paths


def _child(argv: list[str]) -> None:
    """Run in a fresh interpreter: time `refcheck argv` or mistune's parse; report time and rusage as JSON."""
    mode, rest = argv[0], argv[1:]
    sys.path.insert(0, os.environ.get("REFCHECK_BENCH_ROOT", str(ROOT)))
    started = time.perf_counter()
    if mode == "mistune":
        import mistune

        md = mistune.create_markdown(renderer=None, plugins=["footnotes", "table", "math"])
        for name in Path(rest[0]).read_text().split("\n"):
            md(Path(name).read_text(encoding="utf-8"))
        code = 0
    else:
        from refcheck.cli import main

        with open(os.devnull, "w") as sink:
            stdout, sys.stdout = sys.stdout, sink
            try:
                if mode == "profile":
                    import cProfile

                    profiler = cProfile.Profile()
                    code = profiler.runcall(main, rest[1:])
                    profiler.dump_stats(rest[0])
                else:
                    code = main(rest)
            finally:
                sys.stdout = stdout
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"seconds": seconds, "rss_kb": own, "worker_rss_kb": workers, "code": code}))


def _measure(args: list[str], cwd: Path, root: Path = ROOT) -> dict[str, float]:
    env = {**os.environ, "REFCHECK_BENCH_ROOT": str(root)}
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def build_compiled(dest: Path) -> Path:
    """A copy of the package under `dest` with `COMPILED_MODULES` compiled by mypyc; `dest` returned."""
    shutil.copytree(ROOT / "refcheck", dest / "refcheck", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    shutil.copy(ROOT / "pyproject.toml", dest)  # mypy's settings: untyped libraries, Python version
    modules = [f"refcheck/{name}.py" for name in COMPILED_MODULES]
    done = subprocess.run([sys.executable, "-m", "mypyc", *modules], cwd=dest, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"mypyc failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return dest


def _paired(key: str, runs: dict[str, list[dict[str, float]]]) -> str:
    """The median of each run's own ratio: a run's two processes start seconds apart, so a machine whose
    speed drifts over minutes moves both; the ratio of the medians mixes runs."""
    ratios = [r["seconds"] / m["seconds"] for r, m in zip(runs[key], runs["mistune"], strict=True)]
    return f"per run {statistics.median(ratios):.2f}x, from {min(ratios):.2f} to {max(ratios):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/refcheck-bench"))
    parser.add_argument("--profile", type=Path, help="write a cProfile of one --jobs 1 run here and stop")
    parser.add_argument("--compiled", action="store_true", help="also measure a mypyc build (--jobs 1)")
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2:])
        return
    args = parser.parse_args()
    root = args.dir / str(args.files)
    paths = generate(root, args.files)
    size = sum(p.stat().st_size for p in paths)
    listing = root / ".files"
    listing.write_text("\n".join(str(p) for p in paths))
    check = ["--offline", "--no-cache", "--format", "json", "--color", "never", "."]
    if args.profile:
        _measure(["profile", str(args.profile.resolve()), "--jobs", "1", *check], root)
        import pstats

        stats = pstats.Stats(str(args.profile))
        print(f"profile of --jobs 1 written to {args.profile} ({stats.total_tt:.2f} s profiled); top entries:")
        stats.sort_stats("tottime").print_stats(15)
        return
    runs: dict[str, list[dict[str, float]]] = {"mistune": [], "jobs1": [], "jobs2": []}
    build = Path(tempfile.mkdtemp(prefix="refcheck-mypyc-")) if args.compiled else None
    if build is not None:
        build_compiled(build)
        runs["compiled"] = []
    for _ in range(args.runs):
        runs["mistune"].append(_measure(["mistune", str(listing)], root))
        runs["jobs1"].append(_measure(["refcheck", "--jobs", "1", *check], root))
        runs["jobs2"].append(_measure(["refcheck", "--jobs", "2", *check], root))
        if build is not None:
            runs["compiled"].append(_measure(["refcheck", "--jobs", "1", *check], root, build))
    if build is not None:
        shutil.rmtree(build, ignore_errors=True)
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in runs.items()}
    mb = size / 1e6
    print(f"{args.files} files, {mb:.1f} MB, {args.runs} runs (medians)")
    print(f"  mistune AST parse : {med['mistune']:7.2f} s  {mb / med['mistune']:6.2f} MB/s")
    print(
        f"  refcheck --jobs 1 : {med['jobs1']:7.2f} s  {mb / med['jobs1']:6.2f} MB/s"
        f"  ({med['jobs1'] / med['mistune']:.2f}x the mistune parse time; {_paired('jobs1', runs)})"
    )
    print(
        f"  refcheck --jobs 2 : {med['jobs2']:7.2f} s  {mb / med['jobs2']:6.2f} MB/s"
        f"  (speed-up {med['jobs1'] / med['jobs2']:.2f})"
    )
    if "compiled" in med:
        print(
            f"  mypyc build -j 1  : {med['compiled']:7.2f} s  {mb / med['compiled']:6.2f} MB/s"
            f"  ({med['compiled'] / med['mistune']:.2f}x the mistune parse time; {_paired('compiled', runs)})"
        )
    for key in ("jobs1", "jobs2"):
        rss = max(r["rss_kb"] for r in runs[key]) / 1024
        worker = max(r["worker_rss_kb"] for r in runs[key]) / 1024
        print(f"  peak memory {key}  : {rss:6.1f} MB main process, {worker:6.1f} MB largest worker")
    print(f"  exit codes        : {sorted({r['code'] for v in runs.values() for r in v})}")


if __name__ == "__main__":
    main()
