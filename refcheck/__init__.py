"""refcheck: check the references and citations of Markdown documents."""

from __future__ import annotations

__version__ = "0.1.0"
