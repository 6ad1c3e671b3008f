"""Standard input (`-`) is read as bytes and decoded and checked exactly like a file: BOMs, UTF-16,
RC102 for binary, RC104 for bad UTF-8 (the first bad line named), RC105 over max_file_size."""

from __future__ import annotations

import codecs
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from refcheck.cli import main
from refcheck.config import Config
from refcheck.pipeline import check
from tests.conftest import REPO

BAD = "Claimed by Nobody et al. (2020).\n\n## References\n\n- Smith, A. (2019). Title. Venue.\n"


def _cli(cwd: Path, args: list[str], stdin: bytes = b"", locale: str = "C.UTF-8") -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHONIOENCODING", "PYTHONUTF8"))}
    return subprocess.run(
        [sys.executable, "-m", "refcheck", "--offline", "--format", "json", *args],
        input=stdin,
        cwd=cwd,
        env={**env, "PYTHONPATH": str(REPO), "LC_ALL": locale, "LANG": locale},
        capture_output=True,
        timeout=120,
    )


def _findings(stdout: bytes) -> list[tuple[int, int, str, str]]:
    data = json.loads(stdout.decode("utf-8"))  # strict: the report is UTF-8 whatever came in
    return [(d["line"], d["column"], d["code"], d["message"]) for d in data["diagnostics"]]


CASES: dict[str, tuple[bytes, list[str]]] = {
    "invalid-utf8": (b"good line\nbad \xff\xfe byte (Smith, 2019)\n", ["--select", "RC1"]),
    "utf8-bom": (codecs.BOM_UTF8 + BAD.encode(), []),
    "utf16-le-bom": (BAD.encode("utf-16"), []),
    "utf16-be-bom": (codecs.BOM_UTF16_BE + BAD.encode("utf-16-be"), []),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00binary", []),
    "too-large": (b"x" * 5000, ["--max-file-size", "1KB"]),
    "cr-line-endings": (BAD.replace("\n", "\r").encode() + b"\xff\r", []),
}


def _in_process(args: list[str], stdin: bytes, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> tuple[int, bytes]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    capsys.readouterr()
    code = main(["--offline", "--format", "json", *args])
    return code, capsys.readouterr().out.encode("utf-8")


@pytest.mark.parametrize("case", list(CASES))
def test_standard_input_gets_the_findings_a_file_gets(
    tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    content, args = CASES[case]
    (tmp_path / "f.md").write_bytes(content)
    monkeypatch.chdir(tmp_path)
    file_code, as_file = _in_process([*args, "f.md"], b"", monkeypatch, capsys)
    stdin_code, as_stdin = _in_process([*args, "-"], content, monkeypatch, capsys)
    assert stdin_code == file_code
    expected = _findings(as_file)
    assert expected  # every case is found in the file
    got = _findings(as_stdin)
    assert [f[:3] for f in got] == [f[:3] for f in expected]
    assert [f[3] for f in got if f[2] != "RC105"] == [f[3] for f in expected if f[2] != "RC105"]


@pytest.mark.parametrize("locale", ["C.UTF-8", "C"])
def test_invalid_utf8_on_standard_input_is_rc104_whatever_the_locale(tmp_path: Path, locale: str) -> None:
    proc = _cli(tmp_path, ["-"], b"# T\n\ncaf\xe9 \xff\n", locale=locale)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert _findings(proc.stdout) == [
        (3, 1, "RC104", "invalid UTF-8 (first at line 3); decoded with replacement characters")
    ]


def test_exact_findings_of_bad_bytes_on_standard_input(tmp_path: Path) -> None:
    proc = _cli(tmp_path, ["-"], b"# T\n\nok\n\xc3(Smith, 2019)\n\x00")
    assert proc.returncode == 1
    assert _findings(proc.stdout) == [(1, 1, "RC102", "not readable as text: binary content (NUL bytes); skipped")]
    proc = _cli(tmp_path, ["--select", "RC104", "-"], b"# T\n\nok\n\xc3(Smith, 2019)\n")
    assert proc.returncode == 0
    assert _findings(proc.stdout) == [
        (4, 1, "RC104", "invalid UTF-8 (first at line 4); decoded with replacement characters")
    ]


def test_invalid_utf8_on_standard_input_with_output_file(tmp_path: Path) -> None:
    proc = _cli(tmp_path, ["--select", "RC104", "-o", "out.json", "-"], b"caf\xe9 (Smith, 2019)\n")
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    report = (tmp_path / "out.json").read_bytes()
    assert [d["code"] for d in json.loads(report.decode("utf-8"))["diagnostics"]] == ["RC104"]


def test_standard_input_over_the_limit_is_not_read_to_the_end(tmp_path: Path) -> None:
    proc = _cli(tmp_path, ["--max-file-size", "1KB", "-"], b"x" * 3_000_000)
    assert proc.returncode == 0
    assert _findings(proc.stdout) == [(1, 1, "RC105", "standard input is over max_file_size (1,000 bytes); skipped")]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"stdin": b"ok\n\xff\n"}, [(2, 1, "RC104")]),
        ({"stdin_text": "ok\n\udcff\n"}, [(2, 1, "RC104")]),  # sys.stdin's surrogateescape: the byte again
        ({"stdin_text": "\ufeffok\x00"}, [(1, 1, "RC102")]),
        ({"stdin": BAD.encode("utf-16")}, [(1, 12, "RC201"), (5, 3, "RC202")]),
    ],
)
def test_library_check_decodes_standard_input_like_a_file(given: dict[str, Any], expected: list[Any]) -> None:
    result = check([Path("-")], Config(offline=True, jobs=1), **given)
    assert [(d.span.line, d.span.column, d.code) for d in result.diagnostics] == expected
