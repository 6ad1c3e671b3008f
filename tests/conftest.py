"""Shared helpers: run refcheck on Markdown written into a temporary directory."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from refcheck.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def run_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, dict[str, Any]]]:
    """Write files into a temp dir, run `refcheck --offline --format json` there; (exit code, JSON)."""
    monkeypatch.chdir(tmp_path)

    def run(files: dict[str, str | bytes], *args: str) -> tuple[int, dict[str, Any]]:
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        capsys.readouterr()
        paths = [] if any(not a.startswith("-") for a in args) else ["."]
        code = main(["--offline", "--format", "json", "--no-cache", *args, *paths])
        out = capsys.readouterr().out
        return code, json.loads(out) if out.strip() else {}

    return run


def findings(data: dict[str, Any]) -> list[tuple[int, int, str]]:
    return [(d["line"], d["column"], d["code"]) for d in data["diagnostics"]]
