"""URLs no client can request (bad IDNA, port out of range, over-long labels, forbidden host characters)
are one RC401 each at the link, and the rest of the run is unaffected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from linkserver import Server

from refcheck.cli import main

LONG_LABEL = "a" * 64
INVALID = [  # (URL as written, what the message names)
    ("http://xn--/", "Malformed A-label"),
    ("http://127.0.0.1:99999/x", "port 99999 is out of range"),
    ("http://127.0.0.1:65536/x", "port 65536 is out of range"),
    (f"http://{LONG_LABEL}.example.com/", "longer than 63 characters"),
    ("http://" + "abcdefghi." * 26 + "com/", "longer than 253 characters"),
    ("http://a%20b/", "contains a character a host name cannot"),
    ("http://a..b/", "has an empty label"),
]


def test_invalid_urls_are_findings_at_their_links_among_checked_ones(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    lines = [f"- [good]({server.url('/ok/invalid-neighbour-1')})"]
    lines += [f"- [bad {n}]({url})" for n, (url, _) in enumerate(INVALID)]
    lines += ["- <http://[::1/>", f"- [good]({server.url('/status/404/invalid-neighbour')})"]
    (tmp_path / "doc.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(
        ["--no-cache", "--no-verify", "--format", "json", "--allow-host", "127.0.0.1", "--retries", "0", "doc.md"]
    )
    data = json.loads(capsys.readouterr().out)
    found = [(d["line"], d["column"], d["code"]) for d in data["diagnostics"]]
    assert found == [(n, 3, "RC401") for n in range(2, len(INVALID) + 4)]
    for diag, (url, named) in zip(data["diagnostics"], INVALID, strict=False):
        assert diag["message"].startswith("invalid URL (") and named in diag["message"]
        assert diag["message"].endswith(url)
    assert "invalid URL" in data["diagnostics"][len(INVALID)]["message"]  # http://[::1/
    assert data["diagnostics"][-1]["message"].startswith("HTTP 404")  # the good links were requested
    assert len(server.hits("/ok/invalid-neighbour-1")) == 1
    assert data["notices"] == [] and data["summary"]["unchecked_links"] == 0
    assert code == 1


@pytest.mark.parametrize("target", ["http://127.0.0.1:99999/", "http://xn--/", f"http://{LONG_LABEL}.org/"])
def test_a_redirect_to_an_invalid_url_is_broken_not_a_crash(server: Server, check, target: str) -> None:
    result = check([server.url(f"/redirect/302/invalid-hop?to={target}")])
    [diag] = result.diagnostics
    assert (diag.span.line, diag.span.column, diag.code) == (1, 3, "RC401")
    assert "redirect to an invalid URL" in diag.message
