"""The version and the distribution name (`pip install refcheck-md`; the import name is `refcheck`)."""

from __future__ import annotations

__version__ = "0.1.0"
DISTRIBUTION = "refcheck-md"  # `refcheck` on the package index is an unrelated project
