"""End to end: `refcheck` on a Markdown reference list, metadata from the loopback replay server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from verify_replay import Paper, ReplayServer

from refcheck.cli import main

DOC = """Workshop notes (Immink et al., 2017), a mixed-up entry (Kaplan et al., 2020) and a made-up one (Doe, 2021).

## References

- Immink, K. A. S., et al. (2017). Proceedings of Workshop AEW10: Concepts in Information Theory and Communications. arXiv:1707.08567
- Kaplan, J., et al. (2020). Scaling Laws for Neural Language Models. arXiv:2001.08361
- Doe, J. (2021). A paper that does not exist. arXiv:2101.12345
"""


def _verify(server: ReplayServer, *extra: str) -> int:
    """`refcheck` on post.md with the metadata stage pointed at the replay server."""
    return main(
        [
            "--no-cache",
            "--format",
            "json",
            "--arxiv-interval",
            "0",
            "--arxiv-api-url",
            server.url("arxiv"),
            *extra,
            "post.md",
        ]
    )


def test_cli_reports_record_mismatches_with_exact_positions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "post.md").write_text(DOC)
    with ReplayServer() as server:
        server.papers["2001.08361"] = Paper("Attention Is All You Need", ("Ashish Vaswani", "Noam Shazeer"))
        code = _verify(server, "--no-links")
        sent = server.requests("arxiv")
    data = json.loads(capsys.readouterr().out)
    found = [(d["line"], d["column"], d["code"]) for d in data["diagnostics"]]
    assert found == [(6, 77, "RC502"), (7, 54, "RC501")]
    assert "Attention Is All You Need" in data["diagnostics"][0]["message"]
    assert code == 1
    assert len(sent) == 1  # one batched request for all three IDs
    assert data["summary"]["unverified_references"] == 0


def test_cli_source_down_is_unverified_not_wrong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from verify_replay import Fault

    monkeypatch.chdir(tmp_path)
    (tmp_path / "post.md").write_text(DOC)
    with ReplayServer() as server:
        server.always["arxiv"] = Fault(status=503)
        code = _verify(server, "--no-links", "--retries", "1", "--retry-wait", "0.01")
    data = json.loads(capsys.readouterr().out)
    assert [d["code"] for d in data["diagnostics"]] == []
    assert data["summary"]["unverified_references"] == 3
    assert any("arXiv" in n for n in data["notices"])
    assert code == 3


def test_arxiv_links_are_answered_by_records_while_other_links_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with ReplayServer() as server:
        broken = server.url("arxiv").replace("/arxiv/query", "/no-such-page")
        text = (
            f"Known [paper](https://arxiv.org/abs/1707.08567) and [gone]({broken}) and "
            "[unknown](https://arxiv.org/abs/2101.12345).\n"
        )
        (tmp_path / "post.md").write_text(text)
        code = _verify(server, "--allow-host", "127.0.0.1", "--retries", "0")
        paths = [hit.path for hit in server.hits]
    data = json.loads(capsys.readouterr().out)
    assert [(d["column"], d["code"]) for d in data["diagnostics"]] == [
        (text.index("[gone]") + 1, "RC401"),
        (text.index("[unknown]") + 1, "RC501"),
    ]
    assert data["notices"] == [] and data["summary"]["unchecked_links"] == 0
    assert sum(1 for p in paths if p.startswith("/arxiv/query")) == 1  # arxiv.org itself is never crawled
    assert code == 1
