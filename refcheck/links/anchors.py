"""Remote `#fragment` checks: which fragments need no check, and a bounded streaming scan of HTML for
`id`/`name` attributes (bodies decoded by `refcheck.body.BodyDecoder`, so a bomb is never inflated)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import unquote

MAX_SCAN_BYTES = 8 * 1024 * 1024  # decoded bytes of a page read for anchors, at most
_TAIL = 1024  # bytes kept between chunks so an attribute split across two reads is still seen

# GitHub, GitLab, Codeberg/Gitea and Bitbucket highlight source lines with #L10, #L10-L20, #L10C3.
_LINE_ANCHOR = re.compile(r"L\d+(?:C\d+)?(?:-L?\d+(?:C\d+)?)?|lines-\d+(?::\d+)?")
CODE_HOSTS = frozenset({"github.com", "gitlab.com", "codeberg.org", "gitea.com", "bitbucket.org", "sr.ht"})
_ID_ATTR = re.compile(  # id="x", id='x', id=x, and id=\"x\" inside JSON-embedded HTML (GitHub)
    rb"""\b(?:id|name)\s*=\s*(?:\\?"([^"\\<>]{1,512})\\?"|'([^'<>]{1,512})'|([^\s"'<>\\]{1,512}))"""
)
GITHUB_PREFIX = "user-content-"


def needs_check(fragment: str, host: str) -> bool:
    """False for fragments a browser resolves without an element of that id."""
    if fragment in ("", "top") or fragment.startswith((":~:", "/", "!")):  # text fragment, hash routing
        return False
    bare_host = host.lower().removeprefix("www.")
    return not ((bare_host in CODE_HOSTS or bare_host.endswith(".sr.ht")) and _LINE_ANCHOR.fullmatch(fragment))


def is_html(content_type: str | None) -> bool:
    if not content_type:
        return True  # servers that omit it mostly serve HTML; a miss only costs a bounded read
    media = content_type.split(";", 1)[0].strip().lower()
    return media in ("text/html", "application/xhtml+xml")


class AnchorScan:
    """Feed decoded HTML chunks; `found` grows until every wanted fragment is seen."""

    def __init__(self, fragments: Iterable[str]) -> None:
        self.wanted = set(fragments)
        self.found: set[str] = set()
        self._tail = b""
        self._candidates: dict[str, set[str]] = {}  # an id as it may appear → the fragments it answers
        self._lowered: dict[str, set[str]] = {}  # GitHub matches `user-content-` ids case-blind
        for fragment in self.wanted:
            for form in {fragment, unquote(fragment)}:
                self._candidates.setdefault(form, set()).add(fragment)
                self._lowered.setdefault(form.lower(), set()).add(fragment)

    @property
    def done(self) -> bool:
        return self.found >= self.wanted

    def feed(self, chunk: bytes) -> bool:
        """Scan one chunk; True once every wanted fragment has been found."""
        buffer = self._tail + chunk
        for match in _ID_ATTR.finditer(buffer):
            raw = match.group(1) or match.group(2) or match.group(3)
            self._see(html.unescape(raw.decode("utf-8", "replace")))
        self._tail = buffer[-_TAIL:]
        return self.done

    def _see(self, value: str) -> None:
        owners = self._candidates.get(value)
        if owners:
            self.found |= owners
        if value.startswith(GITHUB_PREFIX):
            bare = value[len(GITHUB_PREFIX) :]
            owners = self._candidates.get(bare) or self._lowered.get(bare.lower())
            if owners:
                self.found |= owners

    def missing(self) -> set[str]:
        return self.wanted - self.found
