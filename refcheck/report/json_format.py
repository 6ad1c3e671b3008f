"""`--format json`: the one object of DESIGN.md's output contract, keys in a fixed order."""

from __future__ import annotations

import json
from typing import Any

from refcheck import rules
from refcheck.model import Diagnostic, RunResult, Summary

FORMAT_VERSION = 1

SUMMARY_KEYS = (
    "files",
    "citations",
    "references",
    "links",
    "errors",
    "warnings",
    "infos",
    "unchecked_links",
    "unverified_references",
)


def render_json(result: RunResult) -> str:
    """The JSON document, indented by two spaces, with a trailing newline."""
    return json.dumps(to_json_object(result), indent=2, ensure_ascii=False) + "\n"


def to_json_object(result: RunResult) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "summary": summary_object(result.summary),
        "notices": list(result.notices),
        "diagnostics": [diagnostic_object(d) for d in result.diagnostics],
    }


def summary_object(summary: Summary) -> dict[str, int]:
    return {key: getattr(summary, key) for key in SUMMARY_KEYS}


def diagnostic_object(diagnostic: Diagnostic) -> dict[str, Any]:
    span = diagnostic.span
    return {
        "path": diagnostic.path,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "code": diagnostic.code,
        "name": rules.get(diagnostic.code).name,
        "severity": diagnostic.severity.label,
        "message": diagnostic.message,
    }
