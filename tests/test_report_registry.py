"""The format registry: every `--format` name renders through one entry point."""

from __future__ import annotations

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
