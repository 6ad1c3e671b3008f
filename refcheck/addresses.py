"""A web address → the key every address of one work shares (scheme, `www.`, trailing slash, tracking
parameters, arXiv abstract/PDF/version pages and doi.org forms set aside)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit

from refcheck import identifiers
from refcheck.model import IdentifierKind, Span

_NOWHERE = Span(1, 1, 1, 2)
# Query parameters that say where a reader came from, not what the page is.
_TRACKING = re.compile(
    r"utm_\w*|fbclid|gclid|dclid|msclkid|yclid|mc_[ce]id|_hs(?:enc|mi)|igshid|icid|ref|ref_src|ref_url|"
    r"frompaywallrec|trk|spm|si",
    re.IGNORECASE,
)


def work_address(url: str) -> str | None:
    """The comparable form of `url`, or None when it is not an http(s) address of a page."""
    text = url.strip()
    if "://" not in text and text.lower().startswith("www."):
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if (arxiv := identifiers.arxiv_from_url(text)) is not None:
        ident = identifiers.make_identifier(IdentifierKind.ARXIV, arxiv, _NOWHERE)
        if ident.valid:
            return "arxiv:" + ident.value
    if (doi := identifiers.doi_from_url(text)) is not None:
        ident = identifiers.make_identifier(IdentifierKind.DOI, doi, _NOWHERE)
        if ident.valid:
            return "doi:" + ident.value
    host = parts.netloc.lower().rpartition("@")[2].removeprefix("www.").removesuffix(":443").removesuffix(":80")
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.fullmatch(k))
    )
    path = parts.path.rstrip("/")
    return f"{host}{path}" + (f"?{query}" if query else "")
