"""The public API, called as a user would: `import refcheck`, nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import refcheck

DOC = "See [2].\n\n## References\n\n1. Jones, A. (2019). A title. Journal.\n"


def _found(result: refcheck.Result) -> list[tuple[str, int, int, str]]:
    return [(d.path, d.span.line, d.span.column, d.code) for d in result.diagnostics]


def test_all_names_the_public_api() -> None:
    assert set(refcheck.__all__) >= {"check_text", "check_paths", "Config", "Result", "Diagnostic", "Severity", "rules"}
    for name in refcheck.__all__:
        assert hasattr(refcheck, name), name


def test_check_text_gives_exact_findings() -> None:
    result = refcheck.check_text(DOC, path="doc.md")
    assert _found(result) == [("doc.md", 1, 5, "RC201"), ("doc.md", 5, 4, "RC202")]
    assert result.diagnostics[0].severity is refcheck.Severity.ERROR
    assert result.diagnostics[0].message == "[2]: no reference numbered 2"
    assert refcheck.rules.get("RC201").severity is refcheck.Severity.ERROR
    assert result.exit_code() == 1


def test_check_text_without_a_path_is_named_like_standard_input() -> None:
    assert _found(refcheck.check_text(DOC))[0] == ("-", 1, 5, "RC201")


def test_check_text_is_offline_and_writes_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An unreachable address: an online run would report it (or hang); the default run never asks.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    result = refcheck.check_text("A [link](http://127.0.0.1:9/x) and arXiv:2101.00001.\n", path="a.md")
    assert result.diagnostics == []
    assert result.summary.unchecked_links == 0 and not result.incomplete
    assert list(tmp_path.rglob("*")) == []


def test_a_config_is_passed_through() -> None:
    config = refcheck.Config(offline=True, use_cache=False, ignore=frozenset({"RC202"}))
    assert _found(refcheck.check_text(DOC, path="doc.md", config=config)) == [("doc.md", 1, 5, "RC201")]


def test_check_paths_checks_files_and_directories(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text(DOC, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = refcheck.check_paths(["docs"])
    assert _found(result) == [("docs/a.md", 1, 5, "RC201"), ("docs/a.md", 5, 4, "RC202")]
    assert list(tmp_path.iterdir()) == [tmp_path / "docs"]  # no cache file
    only = refcheck.check_paths(
        [tmp_path / "docs" / "a.md"], refcheck.Config(offline=True, select=frozenset({"RC202"}))
    )
    assert _found(only) == [("docs/a.md", 5, 4, "RC202")]


def test_the_package_is_typed(tmp_path: Path) -> None:
    assert (Path(refcheck.__file__).parent / "py.typed").is_file()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--follow-imports=silent",
            "-c",
            "import refcheck\nr: refcheck.Result = refcheck.check_text('x')\nn: int = r.diagnostics[0].span.line\n",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(Path(refcheck.__file__).parent.parent)},
    )
    assert "Success" in done.stdout, done.stdout + done.stderr


def test_the_action_and_the_cli_import_only_the_public_api() -> None:
    root = Path(refcheck.__file__).parent.parent
    action = (root / "action.yml").read_text(encoding="utf-8")
    imports = [line.strip() for line in action.splitlines() if "import" in line and "refcheck" in line]
    assert imports == ["from refcheck import formats, read_json, render"]
    assert set(imports[0].split(" import ")[1].split(", ")) <= set(refcheck.__all__)
    cli = (root / "refcheck" / "cli.py").read_text(encoding="utf-8")
    assert "refcheck.pipeline" not in cli and "check_paths(" in cli


def test_render_and_read_json_round_trip() -> None:
    import json

    result = refcheck.check_text(DOC, path="doc.md")
    assert "json" in refcheck.formats() and "sarif" in refcheck.formats()
    again = refcheck.read_json(json.loads(refcheck.render(result, "json")))
    assert _found(again) == _found(result)
    with pytest.raises(ValueError):
        refcheck.read_json([])


def test_check_paths_reads_standard_input_from_bytes() -> None:
    result = refcheck.check_paths(["-"], stdin=DOC.encode("utf-16"))  # decoded like a file's: BOM honoured
    assert _found(result) == [("-", 1, 5, "RC201"), ("-", 5, 4, "RC202")]


def test_check_paths_checks_one_shard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(DOC, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    first, second = (refcheck.check_paths(["."], shard=(k, 2)) for k in (1, 2))
    assert _found(first) == [("a.md", 1, 5, "RC201"), ("a.md", 5, 4, "RC202")]
    assert _found(second) == [("b.md", 1, 5, "RC201"), ("b.md", 5, 4, "RC202")]


@pytest.mark.parametrize("progress", [True, False])
def test_check_paths_shows_progress_only_when_asked(
    progress: bool, httpserver: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/page").respond_with_data("fine")
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats standard error as a terminal
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    config = refcheck.Config(offline=False, use_cache=False, allow_hosts=("127.0.0.1",), timeout=1.0)
    result = refcheck.check_paths(
        ["-"], config, stdin=f"See <{httpserver.url_for('/page')}>.\n".encode(), progress=progress
    )
    assert _found(result) == []
    assert result.summary.links == 1
    assert ("checking links" in capsys.readouterr().err) is progress
