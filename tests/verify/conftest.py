from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from verify_replay import ReplayServer

from refcheck.cache import Cache


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        yield server


@pytest.fixture
def cache(tmp_path: Path) -> Iterator[Cache]:
    with Cache(tmp_path / "cache.sqlite3") as c:
        yield c
