"""Metadata verification: do an entry's arXiv ID and DOI exist, and are they the entry's work?

Sources are the arXiv API (batched, paced) and Crossref; answers are cached. The stage abstains rather
than accuses: what cannot be compared is skipped, and what cannot be looked up is counted unverified.
"""

from __future__ import annotations

from refcheck.verify.stage import VerifyResult, lookup_key, verify_references, verify_references_async

__all__ = ["VerifyResult", "lookup_key", "verify_references", "verify_references_async"]
