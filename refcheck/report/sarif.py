"""`--format sarif`: a SARIF 2.1.0 log with one run, every rule's metadata, and the findings."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import metadata
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from refcheck import __version__, rules
from refcheck._about import DISTRIBUTION
from refcheck.model import Diagnostic, RunResult, Severity, Span

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SOURCE_ROOT = "%SRCROOT%"  # the uriBaseId the results' relative paths hang from

LEVELS: dict[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
}


def render_sarif(result: RunResult) -> str:
    """The SARIF log as indented JSON with a trailing newline."""
    return json.dumps(to_sarif_object(result), indent=2, ensure_ascii=False) + "\n"


def to_sarif_object(result: RunResult) -> dict[str, Any]:
    driver: dict[str, Any] = {"name": "refcheck", "version": __version__, "semanticVersion": __version__}
    homepage = information_uri()
    if homepage:
        driver["informationUri"] = homepage
    driver["rules"] = [rule_object(rule) for rule in rules.RULES]
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "toolExecutionNotifications": [{"level": "warning", "message": {"text": notice}} for notice in result.notices],
        "properties": {"incomplete": result.incomplete},
    }
    run = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": [result_object(d) for d in result.diagnostics],
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def rule_object(rule: rules.Rule) -> dict[str, Any]:
    full = f"{rule.summary} {rule.why}".strip()
    explanation = rule.explanation()
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full},
        "help": {"text": explanation, "markdown": explanation},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
    }


def result_object(diagnostic: Diagnostic) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": diagnostic.code,
        "ruleIndex": rules.INDEX[diagnostic.code],
        "level": LEVELS[diagnostic.severity],
        "message": {"text": diagnostic.message},
        "locations": [physical_location(diagnostic.path, diagnostic.span)],
    }
    if diagnostic.related:  # the other places of the same root cause
        result["relatedLocations"] = [
            {"id": index, **physical_location(diagnostic.path, span)}
            for index, span in enumerate(diagnostic.related, start=1)
        ]
    return result


def physical_location(path: str, span: Span) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": artifact_location(path),
            "region": {
                "startLine": span.line,
                "startColumn": span.column,
                "endLine": span.end_line,
                "endColumn": span.end_column,
            },
        }
    }


def artifact_location(path: str) -> dict[str, str]:
    """A relative path becomes a URI reference under `%SRCROOT%`; an absolute one a `file:` URI."""
    posix = path.replace("\\", "/")
    if PurePosixPath(posix).is_absolute() or PureWindowsPath(path).is_absolute():
        return {"uri": "file://" + ("" if posix.startswith("/") else "/") + quote(posix, safe="/:")}
    return {"uri": quote(posix, safe="/"), "uriBaseId": SOURCE_ROOT}


@lru_cache(maxsize=1)
def information_uri() -> str | None:
    """The project's home page from the installed package metadata (pyproject's `[project.urls]`)."""
    try:
        meta = metadata.metadata(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = str(entry).partition(",")
        if label.strip().lower() in {"homepage", "home", "repository", "source", "documentation"}:
            return url.strip()
    home = [str(value).strip() for value in meta.get_all("Home-page") or []]
    return home[0] if home and home[0] not in {"", "UNKNOWN"} else None
