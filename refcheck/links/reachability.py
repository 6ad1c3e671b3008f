"""Telling "no network at all" from "this one host is down".

Evidence that the network works: a non-loopback address answered (a connection was made, refused or
reset by the peer), or a name resolved to a non-loopback address. Loopback answers prove nothing about
the network. A network-level failure is a failed DNS lookup or a routing error (ENETUNREACH...).

- Early verdict, to stop within seconds instead of spending every link's timeout and retries: routing
  errors or temporary DNS failures (EAI_AGAIN) from two hosts before any connection got through.
- Final verdict, at the end: network-level failures and no connection got through, while no name
  resolved either or routing failed (an offline resolver may answer every name with "not found", as
  macOS and some sandboxes do; a resolver's cache may answer names the network cannot reach).
After either, the links that failed at the network level are counted as unchecked, not as broken.
"""

from __future__ import annotations

import asyncio


class Reachability:
    def __init__(self) -> None:
        self.connected = False  # a non-loopback peer answered
        self.resolved = False  # a name resolved to a non-loopback address
        self._hard_failures: set[str] = set()  # hosts with routing errors / temporary DNS failures
        self._failures = 0
        self.offline = asyncio.Event()  # set by the early verdict

    def saw_connection(self) -> None:
        self.connected = True

    def saw_resolution(self) -> None:
        self.resolved = True

    def saw_network_failure(self, host: str, *, hard: bool) -> None:
        self._failures += 1
        if hard:
            self._hard_failures.add(host)
            if not self.connected and len(self._hard_failures) >= 2:
                self.offline.set()

    def unreachable(self) -> bool:
        """The verdict at the end of the stage."""
        if self.offline.is_set():
            return True
        return self._failures > 0 and not self.connected and (not self.resolved or bool(self._hard_failures))
