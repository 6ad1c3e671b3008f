"""The rich console report: layout, colour rules, quiet mode."""

from __future__ import annotations

import io

import pytest

from refcheck import rules
from refcheck.model import Diagnostic, RunResult, Span, Summary
from refcheck.report import FORMATS, render_console_text
from refcheck.report.console import make_console, render_console


def diag(path: str, line: int, column: int, code: str, message: str) -> Diagnostic:
    span = Span(line, column, line, column + 5)
    return Diagnostic(path, span, code, message, rules.get(code).severity)


def sample() -> RunResult:
    return RunResult(
        diagnostics=[
            diag("docs/post.md", 3, 5, "RC201", "no entry for (Smith et al., 2020)"),
            diag("docs/post.md", 9, 1, "RC403", "permanent redirect to https://example.org/new"),
            diag("notes.md", 2, 3, "RC202", "uncited entry: Kaplan (2020)"),
        ],
        notices=["network unreachable: 4 links not checked"],
        summary=Summary(files=2, citations=6, references=5, links=7, errors=1, warnings=1, infos=1, unchecked_links=4),
        incomplete=True,
    )


def plain(result: RunResult, *, quiet: bool = False) -> str:
    buffer = io.StringIO()
    render_console(result, make_console(buffer, environ={}), quiet=quiet)
    return buffer.getvalue()


def test_findings_are_grouped_under_file_headers_then_notices_then_summary() -> None:
    assert plain(sample()) == (
        "docs/post.md\n"
        "docs/post.md:3:5 RC201 no entry for (Smith et al., 2020)\n"
        "docs/post.md:9:1 RC403 permanent redirect to https://example.org/new\n"
        "\n"
        "notes.md\n"
        "notes.md:2:3 RC202 uncited entry: Kaplan (2020)\n"
        "\n"
        "notice: network unreachable: 4 links not checked\n"
        "Checked 2 files (6 citations, 5 references, 7 links): 1 error, 1 warning, 1 info; "
        "4 links not checked.\n"
    )


def test_clean_run_prints_only_the_summary_line() -> None:
    result = RunResult(summary=Summary(files=1, citations=1, references=1, links=0))
    expected = "Checked 1 file (1 citation, 1 reference, 0 links): 0 errors, 0 warnings, 0 infos.\n"
    assert plain(result) == expected


def test_summary_names_unverified_references() -> None:
    result = RunResult(summary=Summary(files=3, unverified_references=2))
    assert plain(result).endswith("0 infos; 2 references not verified.\n")


def test_quiet_prints_only_finding_lines() -> None:
    assert plain(sample(), quiet=True) == (
        "docs/post.md:3:5 RC201 no entry for (Smith et al., 2020)\n"
        "docs/post.md:9:1 RC403 permanent redirect to https://example.org/new\n"
        "notes.md:2:3 RC202 uncited entry: Kaplan (2020)\n"
    )


def test_quiet_prints_nothing_without_findings() -> None:
    result = RunResult(notices=["network unreachable"], summary=Summary(files=4))
    assert plain(result, quiet=True) == ""


def test_output_to_a_non_terminal_has_no_escape_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    buffer = io.StringIO()
    render_console(sample(), make_console(buffer))
    assert "\x1b[" not in buffer.getvalue()
    assert "RC201" in buffer.getvalue()


def test_no_color_wins_over_a_forced_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    forced = io.StringIO()
    render_console(sample(), make_console(forced, environ={}))
    assert "\x1b[" in forced.getvalue()  # the check below would see colour if there were any

    monkeypatch.setenv("NO_COLOR", "1")
    buffer = io.StringIO()
    render_console(sample(), make_console(buffer))
    assert "\x1b[" not in buffer.getvalue()


@pytest.mark.parametrize(
    ("code", "escape"),
    [
        ("RC201", "\x1b[1;31mRC201"),  # error: bold red
        ("RC202", "\x1b[33mRC202"),  # warning: yellow
        ("RC403", "\x1b[34mRC403"),  # info: blue
    ],
)
def test_codes_are_coloured_by_severity_on_a_terminal(code: str, escape: str) -> None:
    buffer = io.StringIO()
    render_console(sample(), make_console(buffer, color=True))
    line = next(line for line in buffer.getvalue().splitlines() if code in line)
    assert escape in line


def test_long_messages_are_not_wrapped() -> None:
    message = "title differs from the record: " + "word " * 60
    result = RunResult(diagnostics=[diag("a.md", 1, 1, "RC502", message.strip())])
    lines = plain(result, quiet=True).splitlines()
    assert lines == [f"a.md:1:1 RC502 {message.strip()}"]


@pytest.mark.parametrize("message", ["[bold]Smith[/bold] (2020)", ":smile: and [link=x]y[/link]"])
def test_messages_are_printed_literally_not_as_rich_markup(message: str) -> None:
    result = RunResult(diagnostics=[diag("a.md", 1, 1, "RC201", message)])
    assert plain(result, quiet=True) == f"a.md:1:1 RC201 {message}\n"


def test_console_format_renders_the_same_text_without_colour() -> None:
    assert FORMATS["console"](sample()) == render_console_text(sample()) == plain(sample())
