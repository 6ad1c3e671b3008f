"""`--format github`: workflow-command annotations, escaped as the Actions runner expects."""

from __future__ import annotations

import pytest

from refcheck import rules
from refcheck.model import Diagnostic, RunResult, Span, Summary
from refcheck.report import render_github


def diag(path: str, span: Span, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, span, code, message, rules.get(code).severity)


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """The runner's reading of a `::cmd k=v,k=v::data` line (ActionCommand.TryParseV2), unescaped."""
    assert line.startswith("::")
    end = line.index("::", 2)
    head, data = line[2:end], line[end + 2 :]
    command, _, raw_properties = head.partition(" ")
    properties = {}
    for pair in filter(None, raw_properties.split(",")):
        key, _, value = pair.partition("=")
        properties[key] = unescape(value, property_value=True)
    return command, properties, unescape(data, property_value=False)


def unescape(text: str, *, property_value: bool) -> str:
    pairs = [("%0D", "\r"), ("%0A", "\n")]
    if property_value:
        pairs += [("%3A", ":"), ("%2C", ",")]
    for escaped, plain in pairs:
        text = text.replace(escaped, plain)
    return text.replace("%25", "%")


@pytest.mark.parametrize(
    ("code", "command"),
    [("RC201", "error"), ("RC202", "warning"), ("RC403", "notice")],
)
def test_severity_picks_the_command(code: str, command: str) -> None:
    result = RunResult(diagnostics=[diag("a.md", Span(1, 2, 1, 3), code, "m")])
    assert render_github(result).splitlines()[0].startswith(f"::{command} ")


def test_error_annotation_has_position_and_title() -> None:
    result = RunResult(
        diagnostics=[diag("docs/post.md", Span(3, 5, 3, 24), "RC201", "no entry for (Smith et al., 2020)")]
    )
    assert render_github(result).splitlines()[0] == (
        "::error file=docs/post.md,line=3,col=5,endLine=3,endColumn=24,"
        "title=RC201 (undefined-citation)::no entry for (Smith et al., 2020)"
    )


@pytest.mark.parametrize(
    ("message", "escaped"),
    [
        ("100% sure", "100%25 sure"),
        ("already %0A escaped", "already %250A escaped"),
        ("two\nlines", "two%0Alines"),
        ("crlf\r\nend", "crlf%0D%0Aend"),
        ("colons: and, commas stay", "colons: and, commas stay"),
        ("a ::warning:: inside", "a ::warning:: inside"),
    ],
)
def test_message_data_is_escaped(message: str, escaped: str) -> None:
    result = RunResult(diagnostics=[diag("a.md", Span(1, 1, 1, 2), "RC401", message)])
    line = render_github(result).splitlines()[0]
    assert line.endswith("::" + escaped)
    assert parse_command(line)[2] == message


@pytest.mark.parametrize(
    ("path", "escaped"),
    [
        ("notes, draft.md", "notes%2C draft.md"),
        ("C:/docs/a.md", "C%3A/docs/a.md"),
        ("100%.md", "100%25.md"),
        ("odd\nname.md", "odd%0Aname.md"),
    ],
)
def test_file_property_escapes_commas_colons_percent_and_newlines(path: str, escaped: str) -> None:
    result = RunResult(diagnostics=[diag(path, Span(1, 1, 1, 2), "RC404", "no such file")])
    line = render_github(result).splitlines()[0]
    assert f"file={escaped}," in line
    command, properties, data = parse_command(line)
    assert (command, properties["file"], data) == ("error", path, "no such file")
    assert properties["title"] == "RC404 (missing-file)"


def test_notices_become_warnings_and_a_summary_line_ends_the_output() -> None:
    result = RunResult(
        notices=["network unreachable: 3 links not checked"],
        summary=Summary(files=2, errors=1, warnings=0, infos=2),
    )
    assert render_github(result) == (
        "::warning title=refcheck::network unreachable: 3 links not checked\n"
        "refcheck: 1 error, 0 warnings, 2 infos in 2 files\n"
    )
