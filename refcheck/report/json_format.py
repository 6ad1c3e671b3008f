"""`--format json`: the one object of DESIGN.md's output contract, keys in a fixed order."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from refcheck import rules
from refcheck.model import Diagnostic, RunResult, Severity, Span, Summary

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
    return "".join(iter_json(result))


def iter_json(result: RunResult) -> Iterator[str]:
    """`render_json` in pieces, one per finding: a 100,000-finding report is never held whole."""
    head = json.dumps(
        to_json_object(RunResult(notices=result.notices, summary=result.summary)), indent=2, ensure_ascii=False
    )
    if not result.diagnostics:
        yield head + "\n"
        return
    yield head[: head.rindex("[]")] + "["
    for index, diagnostic in enumerate(result.diagnostics):
        yield ("," if index else "") + "\n" + _diagnostic_text(diagnostic)
    yield "\n  ]\n}\n"


def _diagnostic_text(diagnostic: Diagnostic) -> str:
    """`diagnostic_object` laid out as `json.dumps(indent=2)` lays it out inside the list, written
    directly: the indenting encoder is pure Python and was most of the report's time."""
    if diagnostic.related:  # rare: the encoder itself, re-indented to sit in the list
        text = json.dumps(diagnostic_object(diagnostic), indent=2, ensure_ascii=False)
        return "\n".join("    " + line for line in text.split("\n"))
    return _DIAGNOSTIC_TEMPLATE % tuple(
        value if isinstance(value, int) else _string(value) for value in _diagnostic_values(diagnostic)
    )


DIAGNOSTIC_KEYS = ("path", "line", "column", "end_line", "end_column", "code", "name", "severity", "message")
# Optional last key: the other places of the same root cause (absent when there are none).
RELATED_KEY = "related"
SPAN_KEYS = ("line", "column", "end_line", "end_column")
_DIAGNOSTIC_TEMPLATE = "    {\n" + ",\n".join(f'      "{key}": %s' for key in DIAGNOSTIC_KEYS) + "\n    }"
# A JSON string literal, non-ASCII kept (`ensure_ascii=False`): the C encoder `json` itself uses.
_string: Callable[[str], str] = json.encoder.encode_basestring


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
    data: dict[str, Any] = dict(zip(DIAGNOSTIC_KEYS, _diagnostic_values(diagnostic), strict=True))
    if diagnostic.related:
        data[RELATED_KEY] = [dict(zip(SPAN_KEYS, span, strict=True)) for span in diagnostic.related]
    return data


def _diagnostic_values(diagnostic: Diagnostic) -> tuple[str | int, ...]:
    """The values of a finding's JSON object, in `DIAGNOSTIC_KEYS` order."""
    span = diagnostic.span
    return (
        diagnostic.path,
        span.line,
        span.column,
        span.end_line,
        span.end_column,
        diagnostic.code,
        rules.get(diagnostic.code).name,
        diagnostic.severity.label,
        diagnostic.message,
    )


def from_json_object(data: Mapping[str, Any], *, incomplete: bool = False) -> RunResult:
    """A report read back from its JSON object, so that it can be rendered in other formats.

    Raises `ValueError` when `data` is not a version-1 refcheck report.
    """
    try:
        if data["version"] != FORMAT_VERSION:
            raise ValueError(f"unsupported refcheck JSON version {data['version']!r}")
        summary = Summary(**{key: int(data["summary"][key]) for key in SUMMARY_KEYS})
        diagnostics = [
            Diagnostic(
                str(d["path"]),
                Span(int(d["line"]), int(d["column"]), int(d["end_line"]), int(d["end_column"])),
                str(d["code"]),
                str(d["message"]),
                Severity.parse(str(d["severity"])),
                tuple(
                    Span(int(r["line"]), int(r["column"]), int(r["end_line"]), int(r["end_column"]))
                    for r in d.get(RELATED_KEY, ())
                ),
            )
            for d in data["diagnostics"]
        ]
        notices = [str(notice) for notice in data["notices"]]
    except (KeyError, TypeError) as error:
        raise ValueError(f"not a refcheck JSON report: {error!r}") from None
    return RunResult(diagnostics=diagnostics, notices=notices, summary=summary, incomplete=incomplete)
