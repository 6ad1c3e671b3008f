"""`--format json`: DESIGN.md's object, exactly."""

from __future__ import annotations

import json

import pytest

from refcheck import rules
from refcheck.model import Diagnostic, RunResult, Span, Summary
from refcheck.report import render_json
from refcheck.report.json_format import from_json_object


def diag(path: str, span: Span, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, span, code, message, rules.get(code).severity)


def test_object_has_designs_keys_and_values() -> None:
    result = RunResult(
        diagnostics=[
            diag("docs/post.md", Span(3, 5, 3, 24), "RC201", "no entry for (Smith et al., 2020)"),
            diag("docs/post.md", Span(12, 1, 13, 4), "RC202", "uncited entry: Kaplan (2020)"),
        ],
        notices=["network unreachable: 212 links not checked"],
        summary=Summary(
            files=1,
            citations=4,
            references=3,
            links=212,
            errors=1,
            warnings=1,
            infos=0,
            unchecked_links=212,
            unverified_references=3,
        ),
    )
    assert json.loads(render_json(result)) == {
        "version": 1,
        "summary": {
            "files": 1,
            "citations": 4,
            "references": 3,
            "links": 212,
            "errors": 1,
            "warnings": 1,
            "infos": 0,
            "unchecked_links": 212,
            "unverified_references": 3,
        },
        "notices": ["network unreachable: 212 links not checked"],
        "diagnostics": [
            {
                "path": "docs/post.md",
                "line": 3,
                "column": 5,
                "end_line": 3,
                "end_column": 24,
                "code": "RC201",
                "name": "undefined-citation",
                "severity": "error",
                "message": "no entry for (Smith et al., 2020)",
            },
            {
                "path": "docs/post.md",
                "line": 12,
                "column": 1,
                "end_line": 13,
                "end_column": 4,
                "code": "RC202",
                "name": "uncited-reference",
                "severity": "warning",
                "message": "uncited entry: Kaplan (2020)",
            },
        ],
    }


def test_keys_come_in_a_stable_order() -> None:
    result = RunResult(diagnostics=[diag("a.md", Span(1, 1, 1, 2), "RC404", "no file x.png")])
    data = json.loads(render_json(result))
    assert list(data) == ["version", "summary", "notices", "diagnostics"]
    assert list(data["summary"]) == [
        "files",
        "citations",
        "references",
        "links",
        "errors",
        "warnings",
        "infos",
        "unchecked_links",
        "unverified_references",
    ]
    assert list(data["diagnostics"][0]) == [
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "code",
        "name",
        "severity",
        "message",
    ]


def test_empty_run_is_indented_by_two_spaces_with_a_trailing_newline() -> None:
    text = render_json(RunResult())
    assert text == (
        "{\n"
        '  "version": 1,\n'
        '  "summary": {\n'
        '    "files": 0,\n'
        '    "citations": 0,\n'
        '    "references": 0,\n'
        '    "links": 0,\n'
        '    "errors": 0,\n'
        '    "warnings": 0,\n'
        '    "infos": 0,\n'
        '    "unchecked_links": 0,\n'
        '    "unverified_references": 0\n'
        "  },\n"
        '  "notices": [],\n'
        '  "diagnostics": []\n'
        "}\n"
    )


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda rule: rule.code)
def test_name_and_severity_come_from_the_registry(rule: rules.Rule) -> None:
    result = RunResult(diagnostics=[diag("a.md", Span(1, 1, 1, 2), rule.code, "m")])
    entry = json.loads(render_json(result))["diagnostics"][0]
    assert (entry["code"], entry["name"], entry["severity"]) == (rule.code, rule.name, rule.severity.label)


@pytest.mark.parametrize(
    "message",
    ['quote " and backslash \\', "Müller & Ångström (2019) — “smart”", "line\nbreak\ttab", "emoji 📚"],
)
def test_messages_round_trip_unchanged(message: str) -> None:
    result = RunResult(diagnostics=[diag("dir/ü.md", Span(1, 1, 1, 2), "RC201", message)])
    entry = json.loads(render_json(result))["diagnostics"][0]
    assert (entry["path"], entry["message"]) == ("dir/ü.md", message)


def test_a_report_reads_back_into_the_same_result() -> None:
    result = RunResult(
        diagnostics=[
            diag("docs/ü.md", Span(3, 5, 3, 24), "RC201", "no entry for (Smith et al., 2020)"),
            diag("docs/ü.md", Span(9, 1, 9, 30), "RC403", "moved to https://example.org/new"),
        ],
        notices=["network unreachable"],
        summary=Summary(files=1, citations=1, errors=1, infos=1, unchecked_links=2),
    )
    back = from_json_object(json.loads(render_json(result)), incomplete=True)
    assert back.diagnostics == result.diagnostics
    assert (back.notices, back.summary, back.incomplete) == (result.notices, result.summary, True)


@pytest.mark.parametrize(
    "data",
    [{}, {"version": 2, "summary": {}, "notices": [], "diagnostics": []}, {"version": 1, "summary": {}}, []],
)
def test_reading_back_something_else_is_a_value_error(data: object) -> None:
    with pytest.raises(ValueError, match="refcheck JSON"):
        from_json_object(data)  # type: ignore[arg-type]


def test_streamed_json_is_byte_identical_to_one_dump() -> None:
    import json as _json

    from refcheck.model import Diagnostic, RunResult, Severity, Span, Summary
    from refcheck.report.json_format import iter_json, to_json_object

    awkward = " ü \\ \n \t \u2028 \U0001f600 \x01 </script>"
    many = [
        Diagnostic(f'd"{i % 3}".md', Span(i + 1, 2, i + 1, 5), "RC201", f'cite "{i}"{awkward}', Severity.ERROR)
        for i in range(50)
    ]
    for result in (RunResult(), RunResult(diagnostics=many, notices=["n"], summary=Summary(files=3))):
        expected = _json.dumps(to_json_object(result), indent=2, ensure_ascii=False) + "\n"
        assert "".join(iter_json(result)) == expected
