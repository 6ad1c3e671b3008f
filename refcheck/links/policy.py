"""Which links are requested at all: URL scheme, templates, `exclude_urls`, and the address policy."""

from __future__ import annotations

import ipaddress
import re

import httpx

from refcheck.config import Config

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

CHECKED_SCHEMES = frozenset({"http", "https"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_TEMPLATE = re.compile(r"\{\{|\{%|\$\{|<%")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not public, not `is_private`
# WHATWG URL's forbidden domain code points (beyond controls and space), and DNS's length limits.
_FORBIDDEN_IN_HOST = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|\x7f]")
MAX_LABEL, MAX_NAME = 63, 253


def skip_reason(url: str, config: Config) -> str | None:
    """Why `url` is not requested (unsupported scheme, template, excluded), or None to check it."""
    match = _SCHEME.match(url)
    scheme = match.group(1).lower() if match else ""
    if scheme not in CHECKED_SCHEMES:
        return f"unsupported scheme {scheme + ':' if scheme else '(none)'}"
    if _TEMPLATE.search(url):
        return "a template placeholder, not a URL"
    for pattern in config.exclude_urls:
        if pattern.search(url):
            return f"excluded by exclude_urls {pattern.pattern!r}"
    return None


def parse_url(url: str) -> httpx.URL | str:
    """`url` parsed for a request, or why no client can request it (an invalid URL)."""
    try:
        parsed = httpx.URL(url)
        return url_problem(parsed) or parsed
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:  # idna's IDNAError is a UnicodeError
        return str(exc) or type(exc).__name__


_HOST_PROBLEMS: dict[bytes, str | None] = {}  # netloc → `url_problem`, which depends on nothing else


def url_problem(url: httpx.URL) -> str | None:
    """Why a parsed URL cannot be requested (bad port, host not a domain name or IP), or None."""
    try:
        netloc = url.netloc
        return _HOST_PROBLEMS[netloc]
    except KeyError:
        pass
    except (httpx.InvalidURL, UnicodeError, ValueError):
        return _host_problem(url)
    if len(_HOST_PROBLEMS) > 10_000:
        _HOST_PROBLEMS.clear()
    problem = _HOST_PROBLEMS[netloc] = _host_problem(url)
    return problem


def _host_problem(url: httpx.URL) -> str | None:
    try:
        host = url.host  # decodes IDNA labels: raises for `xn--` labels that are not Punycode
        port = url.port
    except (httpx.InvalidURL, UnicodeError, ValueError) as exc:
        return f"host {url.raw_host.decode('ascii', 'replace')!r}: {exc}"
    if not host:
        return "no host"
    if port is not None and not 0 < port <= 65535:
        return f"port {port} is out of range (1-65535)"
    raw = url.raw_host.decode("ascii", "replace")
    try:
        ipaddress.ip_address(raw.split("%", 1)[0])
        return None
    except ValueError:
        pass
    if _FORBIDDEN_IN_HOST.search(raw):
        return f"host {raw!r} contains a character a host name cannot"
    name = raw[:-1] if raw.endswith(".") else raw
    if len(name) > MAX_NAME:
        return f"host name longer than {MAX_NAME} characters"
    for label in name.split("."):
        if not label:
            return f"host {raw!r} has an empty label"
        if len(label) > MAX_LABEL:
            return f"host label {label[:20]}… longer than {MAX_LABEL} characters"
    return None


def address_kind(ip: IPAddress) -> str | None:
    """'loopback', 'private', 'link-local', ... for an address that is not public; None when public."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private or (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED):
        return "private"
    if ip.is_reserved:
        return "reserved"
    return None


class AddressPolicy:
    """Private, loopback, link-local and unspecified addresses are refused unless configured.

    Judged on every address a name resolves to, at connect time, so a public name that resolves to
    127.0.0.1 and every redirect hop are held to the same rule as an IP literal.
    """

    def __init__(self, config: Config) -> None:
        self._config = config

    def refusal(self, host: str, ip: IPAddress) -> str | None:
        """Why connecting to `ip` (resolved from `host`) is not allowed, or None when it is."""
        if self._config.allow_private:
            return None
        kind = address_kind(ip)
        if kind is None:
            return None
        if self._config.is_allowed_host(host) or self._config.is_allowed_host(str(ip)):
            return None
        shown = f"{host} resolves to {ip}" if host.strip("[]") != str(ip) else str(ip)
        return f"{shown}, a {kind} address (allow it with allow_hosts or allow_private)"


def is_loopback(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback
