"""`--format sarif`: valid SARIF 2.1.0 (checked against the official schema) with rule metadata."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import jsonschema
import pytest

from refcheck import __version__, rules
from refcheck.model import Diagnostic, RunResult, Span, Summary
from refcheck.report import render_sarif

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text("utf-8"))


def diag(path: str, span: Span, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, span, code, message, rules.get(code).severity)


def sample() -> RunResult:
    return RunResult(
        diagnostics=[
            diag("docs/post.md", Span(3, 5, 3, 24), "RC201", "no entry for (Smith et al., 2020)"),
            diag("docs/post.md", Span(12, 1, 13, 4), "RC202", "uncited entry: Kaplan (2020)"),
            diag("my notes/ü #1.md", Span(2, 7, 2, 9), "RC403", "permanent redirect to https://x.org/"),
        ],
        notices=["network unreachable: 212 links not checked", "arXiv API down: 3 entries not verified"],
        summary=Summary(files=2, errors=1, warnings=1, infos=1),
        incomplete=True,
    )


def sarif(result: RunResult) -> dict[str, Any]:
    text = render_sarif(result)
    assert text.endswith("}\n")
    data: dict[str, Any] = json.loads(text)
    return data


def validate(document: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    jsonschema.Draft7Validator(SCHEMA).validate(document)


@pytest.mark.parametrize(
    "result",
    [
        pytest.param(sample(), id="findings-and-notices"),
        pytest.param(RunResult(), id="empty"),
        pytest.param(
            RunResult(diagnostics=[diag("/abs/dir/a b.md", Span(1, 1, 1, 2), "RC404", "gone")]),
            id="absolute-path",
        ),
    ],
)
def test_log_validates_against_the_sarif_2_1_0_schema(result: RunResult) -> None:
    validate(sarif(result))


def test_the_schema_rejects_what_it_should() -> None:
    broken = sarif(sample())
    broken["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)


def test_log_header_and_run_settings() -> None:
    log = sarif(sample())
    assert log["version"] == "2.1.0"
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    (run,) = log["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("refcheck", __version__)


def test_every_registry_rule_is_described_in_registry_order() -> None:
    described = sarif(RunResult())["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in described] == [rule.code for rule in rules.RULES]
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for entry, rule in zip(described, rules.RULES, strict=True):
        assert entry["name"] == rule.name
        assert entry["shortDescription"]["text"] == rule.summary
        assert entry["fullDescription"]["text"].startswith(rule.summary)
        assert rule.why in entry["fullDescription"]["text"]
        assert entry["help"]["markdown"] == rule.explanation()
        assert entry["help"]["text"] == rule.explanation()
        assert entry["defaultConfiguration"]["level"] == levels[rule.severity.label]


def test_results_carry_rule_level_message_and_region() -> None:
    run = sarif(sample())["runs"][0]
    first, second, third = run["results"]
    assert first == {
        "ruleId": "RC201",
        "ruleIndex": [rule.code for rule in rules.RULES].index("RC201"),
        "level": "error",
        "message": {"text": "no entry for (Smith et al., 2020)"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "docs/post.md", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 24},
                }
            }
        ],
    }
    assert (second["level"], third["level"]) == ("warning", "note")
    assert second["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 12,
        "startColumn": 1,
        "endLine": 13,
        "endColumn": 4,
    }
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("docs/post.md", "docs/post.md"),
        ("my notes/ü #1.md", "my%20notes/%C3%BC%20%231.md"),
        ("100%.md", "100%25.md"),
        ("a:b.md", "a%3Ab.md"),  # not a URI scheme
        ("docs\\win.md", "docs/win.md"),
    ],
)
def test_relative_paths_become_relative_uri_references(path: str, uri: str) -> None:
    result = RunResult(diagnostics=[diag(path, Span(1, 1, 1, 2), "RC404", "gone")])
    location = sarif(result)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": uri, "uriBaseId": "%SRCROOT%"}
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc, parts.fragment) == ("", "", "")
    assert unquote(parts.path) == path.replace("\\", "/")


def test_absolute_paths_become_file_uris() -> None:
    result = RunResult(diagnostics=[diag("/abs/dir/a b.md", Span(1, 1, 1, 2), "RC404", "gone")])
    location = sarif(result)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "file:///abs/dir/a%20b.md"}


def test_notices_are_tool_execution_notifications() -> None:
    (invocation,) = sarif(sample())["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True
    assert invocation["toolExecutionNotifications"] == [
        {"level": "warning", "message": {"text": "network unreachable: 212 links not checked"}},
        {"level": "warning", "message": {"text": "arXiv API down: 3 entries not verified"}},
    ]
    assert invocation["properties"] == {"incomplete": True}


def test_information_uri_is_pyprojects_homepage() -> None:
    import sys

    from refcheck.report.sarif import information_uri

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "refcheck-md" and project["scripts"] == {"refcheck": "refcheck.cli:main"}
    assert set(project["urls"]) == {"Homepage", "Documentation", "Source", "Issues", "Changelog"}
    assert information_uri() == project["urls"]["Homepage"]
