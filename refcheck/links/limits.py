"""Request scheduling: a global and a per-host concurrency limit, a minimum gap between request starts
to one host, and a pause after HTTP 429. A host waiting for its own turn never holds a global slot."""

from __future__ import annotations

import asyncio
import time

MAX_SLOWDOWN_INTERVAL = 5.0  # the widest gap a run of 429s can impose between starts to one host


class _HostGate:
    __slots__ = ("interval", "last_start", "paused_until", "slots")

    def __init__(self, limit: int, interval: float) -> None:
        self.slots = asyncio.Semaphore(limit)
        self.interval = interval
        self.last_start = float("-inf")
        self.paused_until = float("-inf")

    def ready_at(self) -> float:
        return max(self.last_start + self.interval, self.paused_until)


class Limits:
    """`async with limits.slot(host):` around each request (each attempt, each redirect hop)."""

    def __init__(self, max_concurrency: int, max_per_host: int, host_interval: float = 0.0) -> None:
        self._global = asyncio.Semaphore(max_concurrency)
        self._per_host = max_per_host
        self._interval = host_interval
        self._gates: dict[str, _HostGate] = {}

    def _gate(self, host: str) -> _HostGate:
        gate = self._gates.get(host)
        if gate is None:
            gate = self._gates[host] = _HostGate(self._per_host, self._interval)
        return gate

    def slot(self, host: str) -> _Slot:
        return _Slot(self, self._gate(host))

    def slow_down(self, host: str, pause: float) -> None:
        """After a 429: no new request to `host` for `pause` seconds, and wider gaps from then on."""
        gate = self._gate(host)
        gate.paused_until = max(gate.paused_until, time.monotonic() + pause)
        gate.interval = min(max(gate.interval * 2, 0.25), MAX_SLOWDOWN_INTERVAL)


class _Slot:
    """Holds a per-host slot, then a global one; waits for the host's turn before taking the latter."""

    __slots__ = ("_gate", "_limits")

    def __init__(self, limits: Limits, gate: _HostGate) -> None:
        self._limits = limits
        self._gate = gate

    async def __aenter__(self) -> None:
        gate, shared = self._gate, self._limits._global
        await gate.slots.acquire()
        try:
            while True:
                wait = gate.ready_at() - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                await shared.acquire()
                # Re-checked under the global slot: another request to this host may have started
                # while this one waited, and the gap is measured between actual starts.
                if gate.ready_at() <= time.monotonic():
                    break
                shared.release()
        except BaseException:
            gate.slots.release()
            raise
        gate.last_start = time.monotonic()

    async def __aexit__(self, *exc: object) -> None:
        self._limits._global.release()
        self._gate.slots.release()
