"""Command line behaviour: exit codes, config errors, bad input, rule selection, suppression."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from refcheck.cli import main
from tests.conftest import findings

BAD = "Claimed by Nobody et al. (2020).\n\n## References\n\n- Smith, A. (2019). Title. Venue.\n"


def test_clean_document_exits_zero(run_json) -> None:
    code, data = run_json({"a.md": "Shown (Smith, 2019).\n\n## References\n\n- Smith, A. (2019). Title.\n"})
    assert code == 0
    assert data["diagnostics"] == []
    assert data["summary"]["citations"] == 1 and data["summary"]["references"] == 1


def test_error_finding_exits_one_with_exact_position(run_json) -> None:
    code, data = run_json({"a.md": BAD})
    assert code == 1
    assert findings(data) == [(1, 12, "RC201"), (5, 3, "RC202")]
    assert data["diagnostics"][0]["end_column"] > data["diagnostics"][0]["column"]


def test_citation_after_lead_in_words_is_matched_at_its_first_name(run_json) -> None:
    text = (
        "Data (following Smith and Jones, 2019) and code (adapted from Brown et al., 2021).\n\n"
        "## References\n\n- Smith, A., & Jones, B. (2019). T.\n- Brown, C., et al. (2020). U.\n"
    )
    code, data = run_json({"a.md": text})
    assert code == 1
    assert [(d["line"], d["column"], d["end_column"], d["code"]) for d in data["diagnostics"]] == [(1, 63, 82, "RC203")]
    assert data["summary"]["citations"] == 2


def test_fail_on_warning_lowers_the_bar(run_json) -> None:
    text = "Shown (Smith, 2019).\n\n## References\n\n- Smith, A. (2019). T.\n- Jones, B. (2018). U.\n"
    assert run_json({"a.md": text})[0] == 0
    assert run_json({"a.md": text}, "--fail-on", "warning", ".")[0] == 1


def test_select_and_ignore_filter_codes(run_json) -> None:
    assert findings(run_json({"a.md": BAD}, "--ignore", "RC201", ".")[1]) == [(5, 3, "RC202")]
    assert findings(run_json({"a.md": BAD}, "--select", "RC201", ".")[1]) == [(1, 12, "RC201")]


def test_config_in_pyproject_is_read_and_cli_wins(run_json) -> None:
    files = {"a.md": BAD, "pyproject.toml": '[tool.refcheck]\nignore = ["RC202"]\n'}
    assert findings(run_json(files)[1]) == [(1, 12, "RC201")]
    files["pyproject.toml"] = '[tool.refcheck]\nignore = ["RC202"]\n'
    assert findings(run_json(files, "--ignore", "RC201", ".")[1]) == [(5, 3, "RC202")]


def test_per_file_ignores_and_exclude(run_json) -> None:
    files = {
        "a.md": BAD,
        "drafts/b.md": BAD,
        ".refcheck.toml": 'exclude = ["drafts"]\n[per_file_ignores]\n"a.md" = ["RC202"]\n',
    }
    _code, data = run_json(files)
    assert {d["path"] for d in data["diagnostics"]} == {"a.md"}
    assert findings(data) == [(1, 12, "RC201")]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[tool.refcheck]\nbogus = 1\n", "unknown key 'bogus'"),
        ('[tool.refcheck]\nmax_per_host = "eight"\n', "max_per_host"),
        ('[tool.refcheck]\nselect = ["RC999"]\n', "RC999"),
        ("[tool.refcheck\n", "invalid TOML"),
        ('[tool.refcheck]\nmax_file_size = "big"\n', "max_file_size"),
    ],
)
def test_bad_config_is_a_usage_error_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], config: str, message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(config)
    (tmp_path / "a.md").write_text("text\n")
    assert main(["--offline", "."]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_missing_path_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--offline", "nope.md"]) == 2
    assert "nope.md: no such file or directory" in capsys.readouterr().err


def test_unknown_flag_is_exit_two(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--no-such-flag"])
    assert exc.value.code == 2


@pytest.mark.parametrize(
    ("content", "code", "line"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "RC102", 1),
        (b"good line\nbad \xff\xfe byte (Smith, 2019)\n", "RC104", 2),
    ],
)
def test_bad_input_is_reported_not_raised(run_json, content: bytes, code: str, line: int) -> None:
    _rc, data = run_json({"x.md": content})
    assert (line, 1, code) in findings(data)


def test_empty_file_and_huge_file(run_json) -> None:
    _rc, data = run_json({"empty.md": "", "big.md": "x" * 2000}, "--max-file-size", "1KB", ".")
    assert findings(data) == [(1, 1, "RC105")]
    assert data["summary"]["files"] == 2


def test_utf16_bom_and_crlf_keep_positions(run_json) -> None:
    text = "Claimed by Nobody et al. (2020).\r\n\r\n## References\r\n\r\n- Smith, A. (2019). T.\r\n"
    _, data = run_json({"a.md": text.encode("utf-16")})
    assert findings(data) == [(1, 12, "RC201"), (5, 3, "RC202")]


def test_broken_bibtex_entry_is_rc103_and_the_rest_still_counts(run_json) -> None:
    bib = (
        "@misc{good, author={Smith, A.}, title={T}, year={2019}}\n\n@misc{bad, author={X\n\n"
        "@misc{ok2, author={Jones, B.}, title={U}, year={2020}}\n"
    )
    md = "---\nbibliography: refs.bib\n---\nAs [@good] and [@ok2] and [@bad].\n"
    _code, data = run_json({"a.md": md, "refs.bib": bib})
    codes = [(d["path"], d["code"]) for d in data["diagnostics"]]
    assert ("refs.bib", "RC103") in codes
    assert [c for p, c in codes if p == "a.md"] == ["RC201"]


def test_missing_bibliography_file_is_rc103_at_its_name(run_json) -> None:
    _code, data = run_json({"a.md": "---\nbibliography: nope.bib\n---\nText [@k].\n"})
    assert (2, 15, "RC103") in findings(data)


def test_suppression_comments(run_json) -> None:
    text = (
        "<!-- refcheck: disable-next-line RC201 -->\nClaimed by Nobody et al. (2020).\n"
        "<!-- refcheck: disable RC201 -->\nAnd Other et al. (2020).\n<!-- refcheck: enable -->\n"
        "But Third et al. (2020).\n\n## References\n\n- Smith, A. (2019). T.\n"
    )
    assert [f[2] for f in findings(run_json({"a.md": text})[1])] == ["RC201", "RC202"]


def test_stdin_is_read_with_dash(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "refcheck", "--offline", "--format", "json", "-"],
        input=BAD,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["diagnostics"][0]["path"] == "-"


def test_explain_and_list_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--explain", "RC203"]) == 0
    assert "year-mismatch" in capsys.readouterr().out
    assert main(["--list-rules"]) == 0
    assert capsys.readouterr().out.count("RC") >= 27
    assert main(["--explain", "RC999"]) == 2


def test_version() -> None:
    proc = subprocess.run([sys.executable, "-m", "refcheck", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("refcheck ")


def test_extra_bib_from_the_command_line_and_a_missing_one(run_json) -> None:
    files = {"a.md": "As [@k].\n", "refs.bib": "@misc{k, author={Smith, A.}, title={T}, year={2019}}\n"}
    code, data = run_json(files, "--bib", "refs.bib", "a.md")
    assert (code, findings(data), data["summary"]["references"]) == (0, [], 1)
    assert run_json(files, "--bib", "nope.bib", "a.md")[0] == 2


def test_unreadable_bib_file_is_rc103_not_a_crash(run_json) -> None:
    _code, data = run_json({"a.md": "---\nbibliography: refs.bib\n---\nAs [@k].\n", "refs.bib/x": "dir, not a file"})
    assert (2, 15, "RC103") in findings(data)


def test_unresolvable_metadata_host_ends_fast_with_exit_three(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.md").write_text(
        "(Kaplan et al., 2020)\n\n## References\n\n- Kaplan, J. (2020). S. arXiv:2001.08361\n"
    )
    started = time.monotonic()
    code = main(
        [
            "--no-links",
            "--no-cache",
            "--format",
            "json",
            "--arxiv-api-url",
            "http://refcheck-test.invalid/api/query",
            "a.md",
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 3
    assert data["summary"]["unverified_references"] == 1
    assert any("not resolved" in notice for notice in data["notices"])
    assert time.monotonic() - started < 10


def test_explicit_file_list_still_reads_sibling_tags_bibs_and_link_targets(run_json) -> None:
    files = {
        "content/02.intro.md": "Known [@tag:a]. See [setup](guide.md#set-up) and [bad](guide.md#nope).\n",
        "content/90.back-matter.md": "[@tag:a]: doi:10.1000/xyz\n",
        "content/guide.md": "# Guide\n\n## Set up\n\nUncited (Smith, 2019).\n\n## References\n\n- Jones, A. (2020). T.\n",
    }
    _code, data = run_json(files, "content/02.intro.md")
    assert [(d["path"], d["line"], d["column"], d["code"]) for d in data["diagnostics"]] == [
        ("content/02.intro.md", 1, 50, "RC405")
    ]
    assert data["summary"]["files"] == 1


def test_explicit_pyproject_without_a_refcheck_table_is_empty_config(run_json) -> None:
    files = {"a.md": BAD, "cfg/pyproject.toml": '[build-system]\nrequires = ["setuptools"]\n'}
    assert run_json(files, "--config", "cfg/pyproject.toml", "a.md")[0] == 1


def test_web_address_without_scheme_is_a_malformed_link_not_a_missing_file(run_json) -> None:
    text = "See [the site](www.example.org) and [notes](notes.md); www.example.net/x works as GFM writes it.\n"
    _, data = run_json({"a.md": text})
    assert [(d["line"], d["column"], d["end_column"], d["code"]) for d in data["diagnostics"]] == [
        (1, 5, 32, "RC409"),
        (1, 37, 54, "RC404"),
    ]
    assert "write https://www.example.org" in data["diagnostics"][0]["message"]
    assert "https" not in data["diagnostics"][1]["message"]


def test_links_to_setext_headings_land_here_and_in_other_files(run_json) -> None:
    files = {
        "a.md": "Title\n=====\n\nSee [up](#title), [there](b.md#part-two) and [gone](#nowhere).\n",
        "b.md": "Part two\n--------\n\nText.\n",
    }
    _code, data = run_json(files)
    assert [(d["path"], d["line"], d["column"], d["code"]) for d in data["diagnostics"]] == [("a.md", 4, 46, "RC405")]
