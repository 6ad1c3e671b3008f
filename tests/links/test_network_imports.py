"""A `--no-verify` run checks its links without loading the metadata sources (`refcheck.verify`)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# refcheck's own entry point, telling on stderr at exit whether the metadata sources were loaded.
_REPORTING = """
import atexit, runpy, sys
atexit.register(lambda: print("verify loaded:", "refcheck.verify" in sys.modules, file=sys.stderr))
sys.argv[0] = "refcheck"
runpy.run_module("refcheck", run_name="__main__")
"""


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_no_verify_run_checks_links_without_loading_the_metadata_sources(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(f"A [link](http://127.0.0.1:{_closed_port()}/page).\n", encoding="utf-8")
    argv = [sys.executable, "-c", _REPORTING, "--no-cache", "--format", "json", "--allow-host", "127.0.0.1"]
    done = subprocess.run(
        [*argv, "--no-verify", "--retries", "0", "a.md"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert [(d["code"], d["line"], d["column"]) for d in json.loads(done.stdout)["diagnostics"]] == [("RC401", 1, 3)]
    assert "verify loaded: False" in done.stderr, done.stderr
