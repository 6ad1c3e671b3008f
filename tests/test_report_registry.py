"""The format registry: every `--format` name renders through one entry point."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from refcheck import rules
from refcheck.errors import UsageError
from refcheck.model import Diagnostic, RunResult, Span, Summary
from refcheck.report import (
    FORMATS,
    render,
    render_console_text,
    render_github,
    render_gitlab,
    render_json,
    render_markdown,
    render_sarif,
)

RESULT = RunResult(
    diagnostics=[Diagnostic("a.md", Span(1, 1, 1, 5), "RC201", "no entry", rules.get("RC201").severity)],
    notices=["network unreachable"],
    summary=Summary(files=1, errors=1),
)


@pytest.mark.parametrize(
    ("name", "renderer"),
    [
        ("console", render_console_text),
        ("json", render_json),
        ("sarif", render_sarif),
        ("github", render_github),
        ("markdown", render_markdown),
        ("gitlab", render_gitlab),
    ],
)
def test_render_dispatches_by_format_name(name: str, renderer: object) -> None:
    assert FORMATS[name] is renderer
    assert render(RESULT, name) == FORMATS[name](RESULT)


def test_every_format_ends_with_a_newline() -> None:
    for name in FORMATS:
        assert render(RESULT, name).endswith("\n"), name


def test_unknown_format_is_a_usage_error_naming_the_choices() -> None:
    with pytest.raises(UsageError, match=r"unknown format 'xml'; choose one of: console, json, sarif"):
        render(RESULT, "xml")


# --- the registry is the one place a format is declared ---

ROOT = Path(__file__).resolve().parent.parent


def test_format_choices_and_docs_come_from_the_registry() -> None:
    from refcheck.cli import build_parser

    (action,) = [a for a in build_parser()._actions if a.dest == "format"]
    assert list(action.choices or ()) == list(FORMATS)
    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    table = readme.split("## Output formats", 1)[1].split("\n\n")[1]
    assert re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE) == list(FORMATS)
    described = ROOT.joinpath("action.yml").read_text(encoding="utf-8").split("format:", 1)[1].split("required:")[0]
    assert set(re.findall(r"`(\w+)`", described)) == set(FORMATS)


def _render_tsv(result: RunResult) -> str:
    return "".join(f"{d.path}\t{d.span.line}\t{d.span.column}\t{d.code}\n" for d in result.diagnostics)


def test_a_plugin_format_needs_only_a_registry_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from refcheck import cli, formats
    from refcheck import render as public_render

    monkeypatch.setitem(FORMATS, "tsv", _render_tsv)  # the one place
    doc = tmp_path / "a.md"
    doc.write_text("See [2].\n\n## References\n\n1. Jones, A. (2019). A title. Journal.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "report.tsv"
    assert cli.main(["--offline", "--no-cache", "--format", "tsv", "-o", str(out), "a.md"]) == 1
    assert out.read_text(encoding="utf-8") == "a.md\t1\t5\tRC201\na.md\t5\t4\tRC202\n"
    assert cli.main(["--offline", "--no-cache", "--format", "tsv", "a.md"]) == 1
    assert capsys.readouterr().out.endswith("a.md\t1\t5\tRC201\na.md\t5\t4\tRC202\n")
    assert "tsv" in formats() and public_render(RESULT, "tsv") == "a.md\t1\t1\tRC201\n"
