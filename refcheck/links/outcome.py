"""What checking one URL found, how it is cached, and the diagnostics it gives each occurrence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from refcheck import rules
from refcheck.config import Config
from refcheck.links.anchors import MAX_SCAN_BYTES
from refcheck.model import Diagnostic, Link

CACHEABLE = frozenset({None, "RC403"})  # a working link, possibly behind a permanent redirect


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result for one request URL (fragment stripped). `code` None means the link works."""

    code: str | None = None
    problem: str = ""  # what went wrong, without the URL: "HTTP 404 Not Found"
    status: int | None = None
    final_url: str | None = None  # where a permanent redirect leads
    network_failure: bool = False  # DNS or routing: unchecked if the network turns out unreachable
    anchors_found: frozenset[str] = frozenset()
    anchors_missing: frozenset[str] = frozenset()
    anchors_truncated: bool = False  # the page was longer than the scan limit
    from_cache: bool = False

    def to_cache(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "final": self.final_url,
            "code": self.code,
            "problem": self.problem,
            "anchors": sorted(self.anchors_found),
        }

    @classmethod
    def cached(cls, value: dict[str, Any], fragments: set[str], config: Config) -> Outcome | None:
        """The cached outcome, or None when it cannot answer for these fragments and settings, or when
        the row is not one refcheck wrote (a value of the wrong type is a miss, never a finding)."""
        status, code, problem = value.get("status"), value.get("code"), value.get("problem", "")
        anchors, final = value.get("anchors"), value.get("final")
        if type(status) is not int or not (code is None or (isinstance(code, str) and code in CACHEABLE)):
            return None
        if not isinstance(problem, str) or not (final is None or isinstance(final, str)):
            return None
        if not isinstance(anchors, list) or not all(isinstance(a, str) for a in anchors):
            return None
        if not config.accepts(status) or not fragments <= set(anchors):
            return None
        return cls(
            code=code,
            problem=problem,
            status=status,
            final_url=final,
            anchors_found=frozenset(fragments),
            from_cache=True,
        )


@dataclass(slots=True)
class Occurrence:
    path: str
    link: Link
    fragment: str | None  # as written, when the anchor needs checking


@dataclass(slots=True)
class Target:
    """One unique request URL and every occurrence of it."""

    url: str
    parsed: httpx.URL
    fragments: set[str] = field(default_factory=set)
    occurrences: list[Occurrence] = field(default_factory=list)


def diagnostic(path: str, link: Link, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, link.span, code, message, rules.get(code).severity)


def occurrence_diagnostics(outcome: Outcome, occurrence: Occurrence) -> list[Diagnostic]:
    link, path, url = occurrence.link, occurrence.path, occurrence.link.url
    found: list[Diagnostic] = []
    if outcome.code is not None:
        found.append(diagnostic(path, link, outcome.code, f"{outcome.problem}: {url}"))
    if occurrence.fragment is not None and occurrence.fragment in outcome.anchors_missing:
        where = url.split("#", 1)[0]
        truncated = outcome.anchors_truncated
        scope = f" in the first {MAX_SCAN_BYTES // 2**20} MiB of the page" if truncated else ""
        message = f"anchor #{occurrence.fragment} not found{scope}: {where}"
        found.append(diagnostic(path, link, "RC405", message))
    return found
