"""Network link checking with httpx: one request per unique URL, limits per host and overall, the
address policy on resolved addresses, retries, redirects, remote anchors, bot walls, and the cache.

    check_links(occurrences, config, cache, *, deadline=None, progress=False) -> StageResult
"""

from __future__ import annotations

from refcheck.links.stage import check_links, check_links_async

__all__ = ["check_links", "check_links_async"]
