"""Start-up time: the whole `refcheck` command on an empty Markdown file, against a bare interpreter.

Runs, as child processes interleaved in each of `--runs` rounds: `python -c pass` (the floor every
command pays), and `python -m refcheck` on an empty file in four shapes: `--offline --format json
--quiet`, `--format json --quiet --no-verify --no-cache` (the link stage on, no link in the file),
`--offline` (the rich console report) and `--format json --quiet --no-cache` (links and metadata
verification on, nothing to verify). Printed per command: the median wall time and the median CPU
time (user+sys of the child), each also above the bare interpreter's median of the same run.

The children run with bytecode caching on (`__pycache__` files written under a temporary
`PYTHONPYCACHEPREFIX`, so no source tree is written to, and warmed by one unmeasured run), as an
installed package runs; `--no-bytecode` measures the uncached case instead, where every module is
compiled from source on each run (`PYTHONDONTWRITEBYTECODE` with no cache present).

`--baseline OLD_TREE` also runs the refcheck of another source tree (a checkout of an earlier commit)
in the same rounds and prints the before/after ratio of the time above the bare interpreter.
`--imports` instead prints the slowest imports (self time, `-X importtime`) of one run of each command.

    python bench/startup.py [--runs 10] [--baseline OLD_TREE] [--no-bytecode] [--imports]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from children import environment, run_child

ROOT = Path(__file__).resolve().parents[1]

COMMANDS = {
    "offline json": ["--offline", "--format", "json", "--quiet"],
    "links json": ["--format", "json", "--quiet", "--no-verify", "--no-cache"],
    "offline console": ["--offline"],
    "links+verify json": ["--format", "json", "--quiet", "--no-cache"],
}


def slowest_imports(tree: Path, cwd: Path, env: dict[str, str], count: int = 15) -> None:
    """The `count` imports with the largest self time in one run of each command."""
    for name, flags in COMMANDS.items():
        run_child([sys.executable, "-m", "refcheck", *flags, "EMPTY.md"], cwd, env, check=True)  # bytecode cached
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "refcheck", *flags, "EMPTY.md"],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        rows: list[tuple[int, int, str]] = []
        for line in done.stderr.splitlines():
            if line.startswith("import time:") and "|" in line and "self [us]" not in line:
                fields = line.removeprefix("import time:").split("|")
                rows.append((int(fields[0]), int(fields[1]), fields[2].strip()))
        total = sum(row[0] for row in rows)
        print(f"{name}: {len(rows)} modules imported, {total / 1000:.1f} ms of import time (self, summed)")
        for own, cumulative, module in sorted(rows, reverse=True)[:count]:
            print(f"  {own / 1000:6.1f} ms self {cumulative / 1000:7.1f} ms with imports  {module}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--baseline", type=Path, help="another refcheck source tree, measured in the same rounds")
    parser.add_argument("--no-bytecode", action="store_true", help="no bytecode cache: every module compiled")
    parser.add_argument("--imports", action="store_true", help="print the slowest imports of each command")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="refcheck-startup-") as tmp:
        cwd = Path(tmp)
        (cwd / "EMPTY.md").write_text("")
        pycache = None if args.no_bytecode else cwd / "pycache"
        trees = {"refcheck": ROOT}
        if args.baseline is not None:
            trees["baseline"] = args.baseline.resolve()
        envs = {name: environment(tree, pycache) for name, tree in trees.items()}
        if args.imports:
            slowest_imports(ROOT, cwd, envs["refcheck"])
            return
        children = {("python", "-c pass"): ([sys.executable, "-c", "pass"], envs["refcheck"])}
        for tree in trees:
            for name, flags in COMMANDS.items():
                children[(tree, name)] = ([sys.executable, "-m", "refcheck", *flags, "EMPTY.md"], envs[tree])
        for command, env in children.values():  # warm the bytecode cache (and the file system's)
            run_child(command, cwd, env, check=True)
        times: dict[tuple[str, str], list[tuple[float, float]]] = {key: [] for key in children}
        for run in range(args.runs):
            order = list(children) if run % 2 == 0 else list(reversed(children))
            for key in order:
                command, env = children[key]
                run = run_child(command, cwd, env, check=True)
                times[key].append((run.wall, run.cpu))

    median = {key: tuple(statistics.median(t[i] for t in runs) for i in (0, 1)) for key, runs in times.items()}
    bare_wall, bare_cpu = median[("python", "-c pass")]
    cache = "no bytecode cache" if args.no_bytecode else "bytecode cached"
    print(f"start-up on an empty file, medians of {args.runs} interleaved runs ({cache}); ms")
    print(f"  {'':<28} {'wall':>7} {'above bare':>10} {'cpu':>7} {'above bare':>10}")
    for (tree, name), (wall, cpu) in median.items():
        label = f"{tree} {name}"
        above_wall, above_cpu = (wall - bare_wall) * 1e3, (cpu - bare_cpu) * 1e3
        print(f"  {label:<28} {wall * 1e3:7.1f} {above_wall:10.1f} {cpu * 1e3:7.1f} {above_cpu:10.1f}")
    if args.baseline is not None:
        print("  above bare, refcheck / baseline (per command):")
        for name in COMMANDS:
            new, old = median[("refcheck", name)], median[("baseline", name)]
            wall = (new[0] - bare_wall) / (old[0] - bare_wall)
            cpu = (new[1] - bare_cpu) / (old[1] - bare_cpu)
            print(f"    {name:<18} wall {wall:.2f}  cpu {cpu:.2f}")


if __name__ == "__main__":
    main()
