"""How long after `timeout_total` a run really ends, against servers that never finish an answer.

Starts the loopback servers of `tests/links/hostile.py` (slowloris, endless body, a TLS handshake that
never completes, a request never answered, garbage instead of HTTP), points a document's links and the
arXiv and Crossref APIs at them, and runs `refcheck --timeout-total T` as a subprocess, with the default
per-request timeout (20 s). Prints, as medians of `--runs` runs, the wall time and its overrun past T:
for all servers at once and for each alone. Then the time from Ctrl-C (SIGINT, sent once the lookups and
link requests are out, without `--timeout-total`) to the process's exit.

    python bench/deadline.py [--timeout-total 5] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "links"))

from hostile import KINDS, HostileServer, refcheck_argv, started  # noqa: E402

LINKS = {
    "slowloris": lambda s: s.url("/slow"),
    "endless": lambda s: s.url("/page#section"),  # a fragment: the body must be read
    "silent": lambda s: s.url("/tls", scheme="https"),
    "garbage": lambda s: s.url("/garbage"),
}


def _document(servers: dict[str, HostileServer]) -> str:
    links = "".join(f"- [{kind}]({LINKS[kind](server)})\n" for kind, server in servers.items())
    return (
        f"# Hostile\n\n{links}\nA claim (Kaplan et al., 2020).\n\n## References\n\n"
        "- Kaplan, J., et al. (2020). Scaling Laws for Neural Language Models. arXiv:2001.08361\n"
    )


def _env(home: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": home}


def run(servers: dict[str, HostileServer], timeout_total: float) -> float:
    """Wall seconds of one `refcheck` run on a document linking to `servers`."""
    api = servers.get("slowloris") or next(iter(servers.values()))
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "doc.md").write_text(_document(servers), encoding="utf-8")
        argv = refcheck_argv(api.url("/api/query"), "--timeout-total", str(timeout_total), "doc.md")
        started_at = time.monotonic()
        done = subprocess.run(argv, cwd=directory, capture_output=True, text=True, env=_env(directory))
        wall = time.monotonic() - started_at
    if "Traceback" in done.stderr or done.returncode not in (0, 1, 3):
        raise SystemExit(f"refcheck failed (exit {done.returncode}):\n{done.stderr}")
    return wall


def interrupt(server: HostileServer) -> float:
    """Seconds from SIGINT to exit of a run waiting on `server` for its lookups and links."""
    with tempfile.TemporaryDirectory() as directory:
        (Path(directory) / "doc.md").write_text(
            _document({"silent": server}).replace("https://", "http://"), encoding="utf-8"
        )
        argv = refcheck_argv(server.url("/api/query"), "doc.md")
        before = server.connections
        proc = subprocess.Popen(
            argv, cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(directory)
        )
        while server.connections < before + 2:
            time.sleep(0.02)
        time.sleep(0.2)
        sent = time.monotonic()
        os.kill(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
        took = time.monotonic() - sent
    if proc.returncode != 130 or "Traceback" in err:
        raise SystemExit(f"refcheck did not end as interrupted (exit {proc.returncode}):\n{err}")
    return took


def _startup() -> float:
    started_at = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "refcheck", "--version"],
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    return time.monotonic() - started_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout-total", type=float, default=5.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    servers = started()
    try:
        print(f"timeout_total = {args.timeout_total:g} s, per-request timeout 20 s, {args.runs} runs (medians)")
        startup = statistics.median(_startup() for _ in range(args.runs))
        print(f"  start-up      : {startup:6.2f} s (`refcheck --version`, included in every overrun below)")
        cases: list[tuple[str, dict[str, HostileServer]]] = [("all at once", servers)]
        cases += [(kind, {kind: servers[kind]}) for kind in KINDS]
        for name, chosen in cases:
            walls = [run(chosen, args.timeout_total) for _ in range(args.runs)]
            wall = statistics.median(walls)
            print(
                f"  {name:14s}: {wall:6.2f} s wall, overrun {wall - args.timeout_total:+6.2f} s"
                f"  (max {max(walls) - args.timeout_total:+.2f} s)"
            )
        stops = [interrupt(servers["silent"]) for _ in range(args.runs)]
        print(f"  Ctrl-C        : {statistics.median(stops):6.2f} s from SIGINT to exit 130 (max {max(stops):.2f} s)")
    finally:
        for server in servers.values():
            server.close()


if __name__ == "__main__":
    main()
