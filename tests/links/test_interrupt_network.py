"""Ctrl-C during the network stages ends the run within about a second: exit 130, the files' report.

Each run is a real `python -m refcheck` against loopback servers that accept connections and never
answer (`hostile.py`), with the default per-request timeout (20 s) and retries, so a run that waited for
its lookups instead of ending would take over a minute."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from hostile import HostileServer, refcheck_argv

REPO = Path(__file__).resolve().parents[2]
BOUND = 10.0  # seconds from SIGINT to exit: generous (the run takes well under 1 s), catches a hang


def _document(server: HostileServer) -> str:
    return (
        f"A claim (Smith, 2019), a [link]({server.url('/page')}) and [another]({server.url('/other')}).\n\n"
        "## References\n\n- Smith, A. (2019). First. doi:10.1000/first arXiv:2001.08361\n"
    )


@pytest.mark.parametrize("stages", [["--no-links"], ["--no-verify"], []], ids=["lookups", "links", "both"])
def test_ctrl_c_during_the_network_stages_ends_the_run_at_once(tmp_path: Path, stages: list[str]) -> None:
    with HostileServer("silent") as server:
        (tmp_path / "a.md").write_text(_document(server), encoding="utf-8")
        argv = refcheck_argv(server.url("/api/query"), "--crossref-api-url", server.url("/crossref"), *stages, "a.md")
        proc = subprocess.Popen(
            argv,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started = time.monotonic()
        while server.connections < (2 if stages == [] else 1) and time.monotonic() - started < 30:
            time.sleep(0.05)  # the requests are out: the stages are waiting for answers
        assert server.connections, "refcheck never connected"
        time.sleep(0.2)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=BOUND)
        finally:
            proc.kill()
        took = time.monotonic() - sent
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    data = json.loads(out)
    assert data["notices"] == ["interrupted: 1 of 1 files checked"]
    assert data["summary"]["files"] == 1 and data["summary"]["citations"] == 1
    assert took < BOUND
