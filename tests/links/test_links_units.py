"""The pure parts: fragment rules, the bounded decoder, the anchor scanner, Retry-After, host headers."""

from __future__ import annotations

import gzip
import zlib
from datetime import datetime, timezone

import httpx
import pytest

from refcheck.body import BodyDecoder
from refcheck.config import Config
from refcheck.links.anchors import AnchorScan, needs_check
from refcheck.links.fetch import host_headers, parse_retry_after


@pytest.mark.parametrize(
    ("fragment", "host", "checked"),
    [
        ("install", "example.com", True),
        ("", "example.com", False),
        ("top", "example.com", False),
        (":~:text=hello", "example.com", False),  # a text fragment
        ("/settings", "app.example.com", False),  # hash routing
        ("!/page", "app.example.com", False),
        ("L10", "github.com", False),
        ("L10-L20", "github.com", False),
        ("L10C3-L12C8", "www.github.com", False),
        ("L10", "gitlab.com", False),
        ("lines-10:20", "bitbucket.org", False),
        ("L10", "example.com", True),  # only code hosts number their lines this way
        ("readme", "github.com", True),
    ],
)
def test_which_fragments_need_a_check(fragment: str, host: str, checked: bool) -> None:
    assert needs_check(fragment, host) is checked


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        (None, b"abc" * 1000),
        ("gzip", gzip.compress(b"abc" * 1000)),
        ("deflate", zlib.compress(b"abc" * 1000)),
    ],
)
def test_decoder_reads_each_encoding_up_to_its_limit(encoding: str | None, body: bytes) -> None:
    whole = BodyDecoder(encoding, 10_000)
    assert whole.decode(body) == b"abc" * 1000 and not whole.truncated
    bounded = BodyDecoder(encoding, 100)
    assert bounded.decode(body) == (b"abc" * 1000)[:100] and bounded.truncated


def test_decoder_never_inflates_a_bomb_past_its_limit() -> None:
    bomb = gzip.compress(bytes(50 * 1024**2))  # 50 MB of zeros in ~50 KB
    decoder = BodyDecoder("gzip", 1024**2)
    out = sum(len(decoder.decode(bomb[i : i + 16384])) for i in range(0, len(bomb), 16384))
    assert out == 1024**2 and decoder.truncated


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, br"])
def test_decoder_refuses_encodings_it_cannot_bound(encoding: str) -> None:
    with pytest.raises(ValueError):
        BodyDecoder(encoding, 100)


def test_anchor_scan_finds_ids_split_across_chunks() -> None:
    page = b"<p>" + b"x" * 5000 + b'<h2 id="deep-section">Deep</h2>'
    scan = AnchorScan({"deep-section", "absent"})
    for i in range(0, len(page), 7):
        scan.feed(page[i : i + 7])
    assert scan.found == {"deep-section"} and scan.missing() == {"absent"}


def test_anchor_scan_reports_done_once_everything_is_found() -> None:
    scan = AnchorScan({"a", "b"})
    assert scan.feed(b'<p id="a">') is False
    assert scan.feed(b'<p name="b">') is True


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("", None),
        ("120", 120.0),
        (" 5 ", 5.0),
        ("soon", None),
        ("Wed, 01 Jan 2025 00:00:30 GMT", 30.0),
        ("Tue, 31 Dec 2024 23:59:00 GMT", 0.0),  # in the past: now
    ],
)
def test_retry_after(value: str | None, seconds: float | None) -> None:
    now = datetime(2025, 1, 1, tzinfo=timezone.utc)
    assert parse_retry_after(value, now) == seconds


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/o/r", {"Authorization": "Bearer gh-token"}),
        ("https://api.github.com/repos/o/r", {"Authorization": "Bearer gh-token"}),
        ("http://github.com/o/r", {}),  # never in clear text
        ("https://gist.github.com/o/1", {}),
        ("https://evil-github.com/", {}),
        ("https://docs.example.com/a", {"X-Api-Key": "k"}),
        ("https://example.com/a", {}),
    ],
)
def test_tokens_and_headers_go_to_their_own_host_only(url: str, expected: dict[str, str]) -> None:
    config = Config(headers=(("docs.example.com", (("X-Api-Key", "k"),)),))
    assert host_headers(httpx.URL(url), config, {"GITHUB_TOKEN": "gh-token"}) == expected


def test_a_configured_authorization_header_wins_over_the_token() -> None:
    config = Config(headers=(("github.com", (("Authorization", "token mine"),)),))
    headers = host_headers(httpx.URL("https://github.com/o/r"), config, {"GITHUB_TOKEN": "gh-token"})
    assert headers == {"Authorization": "token mine"}
