"""Shared helpers: run refcheck on Markdown written into a temporary directory; no test leaves the machine."""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from refcheck.cli import main

REPO = Path(__file__).resolve().parent.parent


class InternetAccess(AssertionError):
    """A test tried to reach a host beyond this machine."""


def _on_this_machine(host: object) -> bool:
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name.split("%")[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified


def _guard_sockets() -> None:
    """Every test server listens on this machine: any other address is a test reaching the internet.

    Names under `.invalid` (RFC 2606: never resolvable) still fail as a resolver fails, for the tests of
    DNS failures. Processes a test starts are not covered; they are pointed at loopback servers.
    """
    real_getaddrinfo, real_connect, real_connect_ex = (
        socket.getaddrinfo,
        socket.socket.connect,
        socket.socket.connect_ex,
    )

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _on_this_machine(host):
            name = host.decode() if isinstance(host, bytes) else str(host)
            if name.rstrip(".").endswith(".invalid"):
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            raise InternetAccess(f"a test looked up {name!r}: tests never reach the internet")
        return real_getaddrinfo(host, *args, **kwargs)

    def checked(real: Callable[..., Any]) -> Callable[..., Any]:
        def connect(self: socket.socket, address: Any) -> Any:
            if isinstance(address, tuple) and not _on_this_machine(address[0]):
                raise InternetAccess(f"a test connected to {address!r}: tests never reach the internet")
            return real(self, address)

        return connect

    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.socket.connect = checked(real_connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = checked(real_connect_ex)  # type: ignore[method-assign]


_guard_sockets()


@pytest.fixture
def run_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, dict[str, Any]]]:
    """Write files into a temp dir, run `refcheck --offline --format json` there; (exit code, JSON)."""
    monkeypatch.chdir(tmp_path)

    def run(files: dict[str, str | bytes], *args: str) -> tuple[int, dict[str, Any]]:
        for name, content in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        capsys.readouterr()
        paths = [] if any(not a.startswith("-") for a in args) else ["."]
        code = main(["--offline", "--format", "json", "--no-cache", *args, *paths])
        out = capsys.readouterr().out
        return code, json.loads(out) if out.strip() else {}

    return run


def findings(data: dict[str, Any]) -> list[tuple[int, int, str]]:
    return [(d["line"], d["column"], d["code"]) for d in data["diagnostics"]]
