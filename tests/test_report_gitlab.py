"""`--format gitlab`: a GitLab Code Quality report."""

from __future__ import annotations

import json

from refcheck import rules
from refcheck.model import Diagnostic, RunResult, Span
from refcheck.report import render_gitlab


def diag(path: str, line: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, Span(line, 5, line, 24), code, message, rules.get(code).severity)


def test_issue_has_the_fields_gitlab_reads() -> None:
    result = RunResult(diagnostics=[diag("docs/post.md", 3, "RC201", "no entry for (Smith et al., 2020)")])
    (issue,) = json.loads(render_gitlab(result))
    assert issue == {
        "type": "issue",
        "check_name": "RC201",
        "description": "RC201 no entry for (Smith et al., 2020)",
        "severity": "major",
        "fingerprint": issue["fingerprint"],
        "location": {
            "path": "docs/post.md",
            "positions": {"begin": {"line": 3, "column": 5}, "end": {"line": 3, "column": 24}},
        },
    }
    assert len(issue["fingerprint"]) == 64


def test_severities_map_to_code_quality_levels() -> None:
    result = RunResult(
        diagnostics=[
            diag("a.md", 1, "RC201", "e"),
            diag("a.md", 2, "RC202", "w"),
            diag("a.md", 3, "RC403", "i"),
        ]
    )
    assert [issue["severity"] for issue in json.loads(render_gitlab(result))] == ["major", "minor", "info"]


def test_fingerprints_are_unique_and_survive_line_moves() -> None:
    same = [diag("a.md", 1, "RC404", "no file x.png"), diag("a.md", 7, "RC404", "no file x.png")]
    first = [issue["fingerprint"] for issue in json.loads(render_gitlab(RunResult(diagnostics=same)))]
    assert len(set(first)) == 2
    moved = [diag("a.md", 4, "RC404", "no file x.png"), diag("a.md", 9, "RC404", "no file x.png")]
    assert [issue["fingerprint"] for issue in json.loads(render_gitlab(RunResult(diagnostics=moved)))] == first


def test_no_findings_is_an_empty_array() -> None:
    assert render_gitlab(RunResult()) == "[]\n"
