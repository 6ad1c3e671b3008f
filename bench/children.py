"""Measured child processes for the bench scripts: the environment of a refcheck child importing a
given source tree, and one run's wall time, CPU, peak memory, exit code and output."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Child:
    wall: float  # seconds
    cpu: float  # user+sys seconds of the child and the children it reaped
    rss_mb: float  # peak resident memory of the child
    code: int
    output: str  # standard output and error, together


def environment(tree: Path | str, pycache: Path | None) -> dict[str, str]:
    """A child importing refcheck from `tree`, its bytecode cached under `pycache` as an installed
    package has it (no source tree is written to), or compiled from source on every run when None."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONPATH"] = str(tree)
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def run_child(command: list[str], cwd: Path, env: dict[str, str] | None, *, check: bool = False) -> Child:
    """One run of `command`; with `check`, a failed run stops the benchmark with its output."""
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert child.stdout is not None
    output = child.stdout.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if check and code != 0:
        sys.exit(f"{' '.join(command)} failed:\n{output[-2000:]}")
    return Child(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code, output)
