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


def _interrupt(proc: subprocess.Popen[str]) -> tuple[str, str, float]:
    """Ctrl-C, then the run's output and how long it took to end (killed past `BOUND`)."""
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=BOUND)
    finally:
        proc.kill()
    return out, err, time.monotonic() - sent


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
        out, err, took = _interrupt(proc)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    data = json.loads(out)
    assert data["notices"] == ["interrupted: 1 of 1 files checked"]
    assert data["summary"]["files"] == 1 and data["summary"]["citations"] == 1
    assert took < BOUND


def test_ctrl_c_while_files_are_parsed_and_their_links_already_checked(tmp_path: Path) -> None:
    """Links go out while the parse goes on: here the parse is stuck on a FIFO while requests to a
    server that never answers are under way. Ctrl-C ends both at once."""
    with HostileServer("silent") as server:
        names = [f"a{n:02d}.md" for n in range(20)]  # past 16 files: a worker pool parses them
        for n, name in enumerate(names):
            (tmp_path / name).write_text(f"# A\n\nA [link]({server.url(f'/page/{n}')}).\n", encoding="utf-8")
        os.mkfifo(tmp_path / "z.md")  # the last file's read blocks: the parse never ends by itself
        argv = refcheck_argv(server.url("/api/query"), "--no-verify", "--jobs", "2", *names, "z.md")
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        started = time.monotonic()
        while server.connections == 0 and time.monotonic() - started < 30:
            time.sleep(0.05)
        assert server.connections, "no link was requested while the parse was stuck"
        writer = None
        while writer is None and time.monotonic() - started < 30:
            try:  # succeeds once a worker has the FIFO open for reading (and blocks on it)
                writer = os.open(tmp_path / "z.md", os.O_WRONLY | os.O_NONBLOCK)
            except OSError:
                time.sleep(0.01)
        try:
            out, err, took = _interrupt(proc)
        finally:
            if writer is not None:
                os.close(writer)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    data = json.loads(out)
    checked = int(data["notices"][0].split()[1])
    assert data["notices"] == [f"interrupted: {checked} of 21 files checked"] and 0 < checked < 21
    assert took < BOUND
