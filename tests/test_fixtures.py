"""Every fixture's JSON output is exactly the reviewed expected file; the example post's findings are pinned."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from refcheck.cli import main
from refcheck.sources import MARKDOWN_SUFFIXES

REPO = Path(__file__).resolve().parent.parent
FIXTURES = sorted(
    p for p in (REPO / "fixtures").rglob("*") if p.suffix.lower() in MARKDOWN_SUFFIXES and p.name != "README.md"
)


def _run(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--offline", "--no-cache", "--format", "json", str(path.relative_to(REPO))])
    return code, capsys.readouterr().out


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(REPO / "fixtures")))
def test_fixture_output_matches_expected_json(
    path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    code, out = _run(path, capsys)
    expected_file = (
        REPO / "fixtures" / "expected" / (str(path.relative_to(REPO / "fixtures")).replace("/", "__") + ".json")
    )
    if os.environ.get("REFCHECK_UPDATE_EXPECTED"):
        expected_file.write_text(out, encoding="utf-8")
    assert json.loads(out) == json.loads(expected_file.read_text(encoding="utf-8"))
    assert code == (1 if json.loads(out)["summary"]["errors"] else 0)


def test_example_post_reports_exactly_the_missing_images(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    code, out = _run(REPO / "fixtures" / "seed-llm-progress.md", capsys)
    data = json.loads(out)
    assert [(d["line"], d["column"], d["code"]) for d in data["diagnostics"]] == [
        (12, 1, "RC404"),
        (22, 1, "RC404"),
        (42, 1, "RC404"),
        (50, 1, "RC404"),
    ]  # line 52's `[BIG-bench Extra Hard, Google AI](…arxiv…)` has no year: a link, not a citation
    assert code == 1
