"""Running a network stage's coroutine on an event loop of its own: uvloop's where it is installed
(a dependency on CPython for Linux and macOS; it takes a fifth off the link stage's CPU per request),
asyncio's otherwise and before Python 3.11."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def uvloop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop constructor, or None where uvloop is not installed."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def run(work: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(work)` on a new loop of the fastest kind available; the process-wide event loop
    policy is left alone (refcheck may run inside an application that set its own)."""
    if sys.version_info >= (3, 11):  # asyncio.Runner, which takes a loop factory, came in 3.11
        factory = uvloop_factory()
        if factory is not None:
            with asyncio.Runner(loop_factory=factory) as runner:
                return runner.run(work)
    return asyncio.run(work)
