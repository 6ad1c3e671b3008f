"""What is requested at all: schemes, templates, exclusions, the address policy (on resolved addresses
and on every redirect hop), and telling "no network at all" from "this one host is down"."""

from __future__ import annotations

import ipaddress
import re
import time

import pytest
from linkserver import Server

from refcheck.config import Config
from refcheck.links.policy import AddressPolicy, address_kind
from refcheck.links.reachability import Reachability
from refcheck.model import Severity


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("mailto:someone@example.com", "unsupported scheme mailto:"),
        ("tel:+441234567890", "unsupported scheme tel:"),
        ("ftp://ftp.example.com/file.txt", "unsupported scheme ftp:"),
        ("data:image/png;base64,iVBORw0KGgo=", "unsupported scheme data:"),
        ("javascript:void(0)", "unsupported scheme javascript:"),
        ("gopher://example.com/", "unsupported scheme gopher:"),
        ("https://{{ site.url }}/about", "a template placeholder, not a URL"),
        ("http://127.0.0.1:1/excluded/page", "excluded by exclude_urls '/excluded/'"),
    ],
)
def test_links_not_requested_are_skipped_as_info(check, url: str, reason: str) -> None:
    result = check([url], exclude_urls=(re.compile("/excluded/"),))
    assert [(d.code, d.message, d.severity) for d in result.diagnostics] == [
        ("RC407", f"not checked: {reason}: {url}", Severity.INFO)
    ]
    assert result.requests == 0


def test_localhost_is_refused_when_loopback_is_not_allowed(server: Server, check) -> None:
    url = server.url("/ok/policy-localhost", host="localhost")
    result = check([url], allow_hosts=())
    assert [(d.code, d.message) for d in result.diagnostics] == [
        (
            "RC407",
            "not checked: localhost resolves to 127.0.0.1, a loopback address "
            f"(allow it with allow_hosts or allow_private): {url}",
        )
    ]
    assert server.hits("/ok/policy-localhost") == []


@pytest.mark.parametrize(
    "settings",
    [
        {"allow_private": True, "allow_hosts": ()},
        {"allow_hosts": ("localhost",)},
        {"allow_hosts": ("127.0.0.0/8",)},
    ],
)
def test_loopback_is_checked_when_allowed(server: Server, check, settings: dict[str, object]) -> None:
    assert check([server.url("/ok/policy-allowed", host="localhost")], **settings).diagnostics == []


def test_private_ip_literal_is_refused_without_connecting(check) -> None:
    start = time.monotonic()
    result = check(["http://10.1.2.3/wiki"])
    assert [(d.code, d.message) for d in result.diagnostics] == [
        (
            "RC407",
            "not checked: 10.1.2.3, a private address (allow it with allow_hosts or allow_private): "
            "http://10.1.2.3/wiki",
        )
    ]
    assert time.monotonic() - start < 1


def test_redirect_to_an_address_not_allowed_is_refused_and_named(server: Server, other_server: Server, check) -> None:
    hop = other_server.url("/ok/forbidden-hop")
    url = server.url(f"/redirect/302/hop?to={hop}")
    result = check([url])
    assert [(d.code, d.message) for d in result.diagnostics] == [
        (
            "RC407",
            "not checked: 127.0.0.2, a loopback address (allow it with allow_hosts or allow_private), "
            f"after a redirect to {hop}: {url}",
        )
    ]
    assert other_server.hits("/ok/forbidden-hop") == []


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("127.0.0.2", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("100.64.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.0.0.1", "private"),
        ("224.0.0.1", "multicast"),
    ],
)
def test_address_kinds(address: str, kind: str | None) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize(
    ("host", "address", "settings", "allowed"),
    [
        ("example.com", "93.184.216.34", {}, True),
        ("evil.example", "127.0.0.1", {}, False),  # a public name resolving to loopback
        ("evil.example", "127.0.0.1", {"allow_hosts": ("127.0.0.1",)}, True),
        ("intranet", "10.0.0.5", {"allow_hosts": ("intranet",)}, True),
        ("intranet", "10.0.0.5", {"allow_hosts": ("10.0.0.0/8",)}, True),
        ("intranet", "10.0.0.5", {"allow_hosts": ("10.1.0.0/16",)}, False),
        ("metadata", "169.254.169.254", {"allow_private": True}, True),
    ],
)
def test_address_policy(host: str, address: str, settings: dict[str, object], allowed: bool) -> None:
    policy = AddressPolicy(Config(**settings))  # type: ignore[arg-type]
    assert (policy.refusal(host, ipaddress.ip_address(address)) is None) is allowed


def test_no_network_at_all_is_one_notice_not_a_wall_of_errors(check) -> None:
    urls = ["http://nonexistent.invalid/a", "https://also-missing.invalid/b#frag", "http://nonexistent.invalid/c"]
    start = time.monotonic()
    result = check(urls)
    assert time.monotonic() - start < 5
    assert result.diagnostics == []
    assert result.notices == ["network unreachable: 3 links not checked"]
    assert (result.unchecked_links, result.incomplete) == (3, True)


def test_a_closed_port_is_broken_while_dns_failures_without_network_are_unchecked(check, closed_port: int) -> None:
    closed = f"http://127.0.0.1:{closed_port}/x"
    start = time.monotonic()
    result = check([closed, "http://nonexistent.invalid/"])
    assert time.monotonic() - start < 5
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("RC401", 1)]
    assert result.diagnostics[0].message.startswith("connection refused by 127.0.0.1")
    assert result.notices == ["network unreachable: 1 links not checked"]
    assert (result.unchecked_links, result.incomplete) == (1, True)


def test_a_dns_failure_is_broken_when_the_network_answers(lan_server: Server, check) -> None:
    result = check([lan_server.url("/ok/lan"), "http://nonexistent.invalid/"], allow_hosts=(lan_server.host,))
    assert [(d.code, d.span.line) for d in result.diagnostics] == [("RC401", 2)]
    assert result.diagnostics[0].message.startswith("DNS lookup of nonexistent.invalid failed (")
    assert (result.notices, result.unchecked_links, result.incomplete) == ([], 0, False)


@pytest.mark.parametrize(
    ("events", "early", "final"),
    [
        ([], False, False),
        ([("dns", "a")], False, True),  # a lone "not found" and nothing else answered
        ([("resolved", ""), ("dns", "a")], False, False),  # other names resolve: that name is wrong
        ([("connected", ""), ("dns", "a")], False, False),
        ([("hard", "a")], False, True),
        ([("hard", "a"), ("hard", "a")], False, True),  # one host, however often
        ([("hard", "a"), ("hard", "b")], True, True),  # two hosts: stop now
        ([("connected", ""), ("hard", "a"), ("hard", "b")], False, False),
        ([("resolved", ""), ("hard", "a")], False, True),  # a cache answered, routing failed
    ],
)
def test_reachability_verdicts(events: list[tuple[str, str]], early: bool, final: bool) -> None:
    reach = Reachability()
    for event, host in events:
        if event == "connected":
            reach.saw_connection()
        elif event == "resolved":
            reach.saw_resolution()
        else:
            reach.saw_network_failure(host, hard=event == "hard")
    assert (reach.offline.is_set(), reach.unreachable()) == (early, final)
