"""Offline link checks: relative files and images (RC404), `#fragments` (RC405), unresolvable paths (RC407)."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from refcheck import rules
from refcheck.model import Diagnostic, Document, Link, LinkKind
from refcheck.parse.headings import has_anchor

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\$\{[^}]*\}")
AnchorLookup = Callable[[Path], "set[str] | None"]
_MARKDOWN = (".md", ".markdown", ".qmd", ".rmd")
_LOOKS_LIKE_HOST = re.compile(r"^(?:www\.[\w-]+|[\w-]+\.(?:com|org|net|io|dev|edu|gov|ai))(?:\.[\w-]+)*(?:/|$)", re.I)


class PathStatus:
    """Whether local link targets exist and are files; each path asked of the file system once per run."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[bool, bool]] = {}

    def __call__(self, path: Path) -> tuple[bool, bool]:
        """(exists, is a regular file), following symlinks as `Path.exists()` does."""
        key = str(path)
        known = self._known.get(key)
        if known is None:
            try:
                mode = os.stat(key).st_mode
                known = (True, stat.S_ISREG(mode))
            except (OSError, ValueError):
                known = (False, False)
            self._known[key] = known
        return known


def is_remote(url: str) -> bool:
    return bool(_SCHEME.match(url)) or url.startswith("//")


def check_local_links(
    doc: Document, root_dir: Path | None, anchors_of: AnchorLookup, status: PathStatus | None = None
) -> list[Diagnostic]:
    """RC404/RC405/RC407 for every non-remote link of the document."""
    out: list[Diagnostic] = []
    status = status or PathStatus()

    def add(link: Link, rule: rules.Rule, message: str) -> None:
        out.append(rule.at(doc.display_path, link.span, message))

    base = doc.path.parent
    for link in doc.links:
        url = link.url.strip()
        if not url or is_remote(url):
            continue
        if link.kind is LinkKind.BARE and url[:4].lower() == "www.":
            continue  # GFM autolinks `www.…` in prose as http://www.…: a web address, not a file
        if _TEMPLATE.search(url):
            add(link, rules.SKIPPED_LINK, f"{url}: templated link not checked")
            continue
        parts = urlsplit(url)
        path_part = unquote(parts.path)
        fragment = unquote(parts.fragment) if parts.fragment else ""
        if not path_part:
            if fragment and not has_anchor(doc.anchors, fragment):
                add(link, rules.MISSING_ANCHOR, f"#{fragment}: no heading or id with this anchor in this file")
            continue
        if path_part.startswith("/"):
            if root_dir is None:
                add(link, rules.SKIPPED_LINK, f"{url}: root-relative path not checked (set root_dir)")
                continue
            target = root_dir / path_part.lstrip("/")
        else:
            target = base / path_part
        what = "image" if link.kind in (LinkKind.IMAGE, LinkKind.HTML_IMG) else "file"
        exists, is_file = status(target)
        if not exists and not (not target.suffix and status(target.with_suffix(".md"))[0]):
            if _LOOKS_LIKE_HOST.match(path_part):
                # A web address without its scheme: the renderer makes it a relative path that will not work.
                add(
                    link,
                    rules.MALFORMED_LINK,
                    f"{url}: a web address without https:// is read as a relative path; write https://{url}",
                )
                continue
            add(link, rules.MISSING_FILE, f"{url}: {what} not found")
            continue
        if fragment and is_file and target.suffix.lower() in _MARKDOWN:
            anchors = anchors_of(target)
            if anchors is not None and not has_anchor(anchors, fragment):
                add(link, rules.MISSING_ANCHOR, f"{url}: no heading or id #{fragment} in {path_part}")
    return out
