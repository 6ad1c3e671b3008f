"""A cache another process keeps locked never holds a run past `timeout_total`: the run goes on without
it (a warning) and still checks its links and records."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from verify_replay import ReplayServer

from refcheck.cache import Cache

REPO = Path(__file__).resolve().parents[2]
DOC = """Notes (Immink et al., 2017), see [the registry]({broken}).

## References

- Immink, K. A. S., et al. (2017). Proceedings of Workshop AEW10: Concepts in Information Theory and Communications. arXiv:1707.08567
- Doe, J. (2021). A paper that does not exist. arXiv:2101.12345
"""
HOLDER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
if sys.argv[2] == "delete":
    db.execute("PRAGMA journal_mode=DELETE")  # readers are locked out too
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
"""


@pytest.mark.parametrize("mode", ["wal", "delete"])
def test_a_locked_cache_is_given_up_within_the_deadline_and_everything_is_checked(tmp_path: Path, mode: str) -> None:
    cache = tmp_path / "cache.sqlite3"
    Cache(cache).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(cache), mode], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with ReplayServer() as server:
            broken = server.url("arxiv").replace("/arxiv/query", "/no-such-page")
            (tmp_path / "post.md").write_text(DOC.format(broken=broken), encoding="utf-8")
            argv = [
                sys.executable,
                "-m",
                "refcheck",
                "--format",
                "json",
                "--cache",
                str(cache),
                "--timeout-total",
                "3",
                "--allow-host",
                "127.0.0.1",
                "--retries",
                "0",
                "--arxiv-interval",
                "0",
                "--arxiv-api-url",
                server.url("arxiv"),
                "post.md",
            ]
            started = time.monotonic()
            done = subprocess.run(
                argv,
                cwd=tmp_path,
                env={**os.environ, "PYTHONPATH": str(REPO)},
                capture_output=True,
                text=True,
                timeout=60,
            )
            took = time.monotonic() - started
    finally:
        holder.communicate("")
    assert "Traceback" not in done.stderr
    data = json.loads(done.stdout)
    found = [(d["line"], d["column"], d["code"]) for d in data["diagnostics"]]
    lines = DOC.splitlines()
    expected = [(1, lines[0].index("[the") + 1, "RC401"), (6, 3, "RC202"), (6, lines[5].index("2101") + 1, "RC501")]
    assert found == expected  # the link was requested, the records looked up
    assert data["summary"]["unchecked_links"] == 0 and data["summary"]["unverified_references"] == 0
    [notice] = data["notices"]
    assert str(cache) in notice and ("locked" in notice or "write failed" in notice)
    assert done.returncode == 1
    assert took < 15  # 3 s of timeout_total, start-up and slack; it was over 30 s
