"""The suite's socket guard (tests/conftest.py): a test that tried to leave the machine would fail."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import InternetAccess


def test_a_lookup_or_connection_beyond_this_machine_fails_the_test() -> None:
    with pytest.raises(InternetAccess):
        socket.getaddrinfo("export.arxiv.org", 443)
    with pytest.raises(InternetAccess):
        socket.create_connection(("93.184.215.14", 80), timeout=1)  # a public address


def test_reserved_invalid_names_fail_as_a_resolver_fails_and_loopback_works() -> None:
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("nonexistent.invalid", 80)
    assert socket.getaddrinfo("localhost", 80)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        socket.create_connection(server.getsockname(), timeout=1).close()
