"""A whole `refcheck` run ends soon after `timeout_total`, whatever the servers do.

The process is run as users run it (a subprocess, so a thread left hanging would keep it alive), with
the default per-request timeout of 20 s, and pointed at servers that never finish: a slowloris, an
endless body, a TLS handshake that never completes, a request never answered; the metadata APIs point
at them too. DESIGN's bound is generous (20 s for `timeout_total = 5`); `bench/deadline.py` reports
the real overrun.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hostile import HostileServer, refcheck_argv, started

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hostile() -> Iterator[dict[str, HostileServer]]:
    servers = started()
    yield servers
    for server in servers.values():
        server.close()


def _document(servers: dict[str, HostileServer]) -> str:
    return f"""# Hostile

- [slowloris]({servers["slowloris"].url("/slow")})
- [endless body]({servers["endless"].url("/page#section")})
- [stalled TLS handshake]({servers["silent"].url("/tls", scheme="https")})
- [never answered]({servers["silent"].url("/plain")})
- [not HTTP]({servers["garbage"].url("/garbage")})

A claim (Kaplan et al., 2020) and another (Doe, 2019).

## References

- Kaplan, J., et al. (2020). Scaling Laws for Neural Language Models. arXiv:2001.08361
- Doe, J. (2019). A study. *Journal*. doi:10.1234/abcd.5678
"""


def run_refcheck(
    directory: Path, servers: dict[str, HostileServer], timeout_total: float
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """`refcheck` on the hostile document; (wall seconds, the finished process)."""
    (directory / "doc.md").write_text(_document(servers), encoding="utf-8")
    argv = refcheck_argv(
        servers["slowloris"].url("/api/query"),
        *("--color", "never", "--timeout-total", str(timeout_total)),
        *("--crossref-api-url", servers["endless"].url(""), "doc.md"),
    )
    started_at = time.monotonic()
    process = subprocess.run(
        argv,
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(directory)},
    )
    return time.monotonic() - started_at, process


def test_a_run_against_servers_that_never_finish_ends_soon_after_timeout_total(
    tmp_path: Path, hostile: dict[str, HostileServer]
) -> None:
    elapsed, process = run_refcheck(tmp_path, hostile, timeout_total=5)
    assert "Traceback" not in process.stderr, process.stderr
    assert elapsed < 20, f"the run took {elapsed:.1f} s"
    data = json.loads(process.stdout)
    assert any("timeout_total" in notice for notice in data["notices"]), data["notices"]
    # Links cut off by the deadline are unchecked, not slow (no RC402 "within 20 s" after 5 s).
    assert data["summary"]["unchecked_links"] == 4
    assert data["summary"]["unverified_references"] == 2
    # The server that speaks no HTTP answers at once: a broken link, not a crash.
    assert [(d["code"], d["line"], d["column"]) for d in data["diagnostics"]] == [("RC401", 7, 3)]
    assert "invalid HTTP response" in data["diagnostics"][0]["message"]
    assert process.returncode == 1  # a finding outranks the incomplete run (exit 3)
    assert all(server.connections >= 1 for server in hostile.values())
