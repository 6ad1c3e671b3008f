"""Every setting checked by type and range before the run, from the command line and from the config
file alike: exit 2 with the flag or the key (and the file) and the reason, never a traceback."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refcheck.cli import main
from refcheck.config import KEYS, SETTINGS

TEXT = "Text.\n"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "a.md").write_text(TEXT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(args))
    return code, err.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host-interval", "nan"], "--host-interval: expected a number from 0 to 86400 seconds, got nan"),
        (["--timeout", "nan"], "--timeout: expected a number above 0 and at most 86400 seconds, got nan"),
        (["--timeout", "inf"], "--timeout: expected a number above 0 and at most 86400 seconds, got inf"),
        (["--timeout", "-1"], "--timeout: expected a number above 0 and at most 86400 seconds, got -1.0"),
        (["--timeout-total", "0"], "--timeout-total: expected a number above 0"),
        (["--retry-wait=-inf"], "--retry-wait: expected a number from 0 to 86400 seconds, got -inf"),
        (["--arxiv-interval", "1e309"], "--arxiv-interval: expected a number from 0 to 86400 seconds, got inf"),
        (["--jobs", "99999999999"], "--jobs: expected a whole number from 1 to 1024, got 99999999999"),
        (["-j", "2.5"], "--jobs: expected a whole number from 1 to 1024, got '2.5'"),
        (["--retries", "-1"], "--retries: expected a whole number from 0 to 100, got -1"),
        (["--max-concurrency", "0"], "--max-concurrency: expected a whole number from 1 to 10000, got 0"),
        (["--max-per-host", "many"], "--max-per-host: expected a whole number from 1 to 1024, got 'many'"),
        (["--max-file-size", "9" * 400], '--max-file-size: expected a size such as "10MB"'),
        (["--max-file-size", "9" * 25], "--max-file-size: expected a size from 0 to 1,000,000,000,000 bytes"),
        (["--cache-max-age", "9" * 25 + "w"], "--cache-max-age: expected a duration from 0 to 3650 days"),
        (["--arxiv-api-url", "http://xn--:99999/"], "--arxiv-api-url: expected an http(s) URL"),
        (["--crossref-api-url", "https://"], "--crossref-api-url: expected an http(s) URL with a host"),
        (["--user-agent", "a\r\nX-Injected: 1"], "--user-agent: control characters (newline, NUL) are not allowed"),
        (["--mailto", "a\x00b"], "--mailto: control characters (newline, NUL) are not allowed"),
        (["--accept", "999"], "--accept: expected status codes from 100 to 599"),
        (["--bib", "a\x00b.bib"], "--bib: a path cannot contain a NUL byte"),
        (["--root-dir", "a\x00b"], "--root-dir: a path cannot contain a NUL byte"),
        (["--root-dir", ""], "--root-dir: expected a path, got an empty string"),
        (["--cache", "a\x00b"], "--cache: a path cannot contain a NUL byte"),
        (["--config", "a\x00b"], "--config: a path cannot contain a NUL byte"),
        (["--exclude-url", "(" * 2000], "--exclude-url: invalid regular expression"),
    ],
)
def test_bad_command_line_value_is_exit_two_naming_the_flag(workdir: Path, args: list[str], message: str) -> None:
    code, err = _run("--offline", *args, "a.md")
    assert code == 2
    assert f"refcheck: error: {message}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("timeout = nan", "timeout: expected a number above 0 and at most 86400 seconds, got nan"),
        ("timeout = inf", "timeout: expected a number above 0 and at most 86400 seconds, got inf"),
        ("host_interval = -inf", "host_interval: expected a number from 0 to 86400 seconds, got -inf"),
        ("arxiv_interval = nan", "arxiv_interval: expected a number from 0 to 86400 seconds, got nan"),
        ("cache_max_age = inf", "cache_max_age: expected a duration from 0 to 3650 days, got inf"),
        ("jobs = 100000000", "jobs: expected a whole number from 1 to 1024, got 100000000"),
        ("jobs = true", "jobs: expected a whole number from 1 to 1024, got True"),
        ("max_file_size = 1e400", 'max_file_size: expected a size such as "10MB", got inf'),
        ("mailto = []", "mailto: expected a string, got []"),
        ("root_dir = []", "root_dir: expected a path (a string), got []"),
        ("user_agent = 5", "user_agent: expected a string, got 5"),
        ("timeout = { a = 1 }", "timeout: expected a number above 0 and at most 86400 seconds, got {'a': 1}"),
        ("fail_on = 1", 'fail_on: expected "error", "warning" or "info", got 1'),
        ('bib = ["a\\u0000b.bib"]', "bib: a path cannot contain a NUL byte"),
        ('root_dir = "a\\u0000b"', "root_dir: a path cannot contain a NUL byte"),
        ('cache = "a\\u0000b"', "cache: a path cannot contain a NUL byte"),
        ("accept = [200, true]", 'accept: expected status codes such as 200 or "200..=299", got True'),
        ('headers = { "h.example" = { "X-A" = "1\\r\\nX-B: 2" } }', "headers: h.example: invalid header 'X-A'"),
        ('headers = { "h.example" = { "Bad Name" = "1" } }', "headers: h.example: invalid header 'Bad Name'"),
        ("no_such_key = 1", "unknown key 'no_such_key'"),
    ],
)
def test_bad_config_value_is_exit_two_naming_the_file_and_key(workdir: Path, toml: str, message: str) -> None:
    (workdir / ".refcheck.toml").write_text(toml + "\n", encoding="utf-8")
    code, err = _run("--offline", "a.md")
    assert code == 2
    assert f"refcheck: error: {workdir / '.refcheck.toml'}: {message}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("content", "explicit", "message"),
    [
        (b"tool = 1\n", False, "pyproject.toml: tool: expected a table, got 1"),
        (b"tool = 1\n", True, "pyproject.toml: tool: expected a table, got 1"),
        (b"[tool]\nrefcheck = 1\n", True, "pyproject.toml: [tool.refcheck] must be a table, got 1"),
        (
            b"[tool.refcheck]\ntimeout = 5\n# caf\xe9\n",
            False,
            "pyproject.toml: not UTF-8 text (invalid byte at line 3)",
        ),
        (
            b"[tool.refcheck]\nexclude = " + b"[" * 5000 + b"]" * 5000 + b"\n",
            False,
            "pyproject.toml: invalid TOML: arrays or tables nested too deeply",
        ),
    ],
)
def test_malformed_pyproject_is_exit_two_naming_the_file(
    workdir: Path, content: bytes, explicit: bool, message: str
) -> None:
    (workdir / "pyproject.toml").write_bytes(content)
    code, err = _run("--offline", *(["--config", "pyproject.toml"] if explicit else []), "a.md")
    assert code == 2
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("paths", "message"),
    [(["a\x00b.md"], "a path cannot contain a NUL byte, got 'a\\x00b.md'"), ([""], "an empty path ('') was given")],
)
def test_odd_path_to_check_is_exit_two_with_the_reason(workdir: Path, paths: list[str], message: str) -> None:
    code, err = _run("--offline", *paths)
    assert code == 2
    assert f"refcheck: error: {message}" in err


def test_good_values_still_pass_from_both_sides(workdir: Path) -> None:
    (workdir / ".refcheck.toml").write_text(
        'timeout = 0.5\nhost_interval = 0\njobs = 2\nmax_file_size = "1MB"\nmailto = "a@example.org"\n'
        'accept = ["200..=299", 429]\ncache = "sub/dir/cache.sqlite"\n',
        encoding="utf-8",
    )
    assert _run("--offline", "--timeout", "1e1", "--retries", "0", "-j", "1", "--cache-max-age", "2w", "a.md")[0] == 0
    assert not (workdir / "sub").exists()  # the cache's directory is made when the cache is opened


def test_every_setting_is_declared_once_with_a_check() -> None:
    assert [s.key for s in SETTINGS] == list(KEYS)
    assert len(set(KEYS)) == len(KEYS)
    assert all(callable(s.check) for s in SETTINGS)


# -- the property: whatever the settings, exit 0-3 and no traceback ------------------------------

_WEIRD_PATHS = ["", ".", "..", "a.md", "dir", "fifo", "link-to-dir", "dangling", "a\x00b", "x" * 5000, "new/cache.db"]
_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, 1, -1, 0.0, 1e-9, 1e308, -0.0, 2**63, 1024, 1025]),
)
_SCALARS = st.one_of(_NUMBERS, st.booleans(), st.text(max_size=30), st.sampled_from(_WEIRD_PATHS))
setting_values = st.one_of(
    _SCALARS,
    st.lists(_SCALARS, max_size=3),
    st.dictionaries(st.text(min_size=1, max_size=8), _SCALARS, max_size=2),
    st.dictionaries(
        st.text(min_size=1, max_size=8),
        st.dictionaries(st.text(min_size=1, max_size=8), _SCALARS, max_size=2),
        max_size=2,
    ),
)
_FLAGS = [s.option for s in SETTINGS if s.option and s.check.__name__ != "boolean"]
_SWITCHES = ["--offline", "--no-links", "--no-verify", "--uncited-bib", "--allow-private", "--no-cache"]


def toml_value(value: Any) -> str:
    """A TOML value (nan, inf, tables inline); strings as JSON strings, which TOML reads alike."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}" for k, v in value.items()) + " }"


def _as_flag(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value if isinstance(value, str) else json.dumps(value) if isinstance(value, (list, dict)) else str(value)


@contextlib.contextmanager
def scratch_tree() -> Any:
    """A tiny tree with odd entries, as the working directory (hypothesis reruns need a fresh one)."""
    old = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as outside:
        root = Path(tmp)
        (root / "a.md").write_text("See [x](b.md) and (Smith, 2019).\n", encoding="utf-8")
        (root / "dir").mkdir()
        os.mkfifo(root / "fifo")
        (root / "link-to-dir").symlink_to(root / "dir")
        (root / "dangling").symlink_to(root / "nothing")
        (root / "out-link").symlink_to(Path(outside) / "victim.json")
        (Path(outside) / "victim.json").write_text("{}", encoding="utf-8")
        os.chdir(root)
        try:
            yield root
        finally:
            os.chdir(old)
            assert (Path(outside) / "victim.json").read_text(encoding="utf-8") == "{}"
            assert (root / "dir").is_dir() and not (root / "dir.corrupt").exists()


def run_cli_anywhere(args: list[str], stdin: bytes = b"Stdin (Smith, 2019).\n") -> str:
    """`main(args)` in this process with `stdin` on standard input: exit 0-3 and no traceback, or an
    AssertionError. Returns what it printed on standard output."""
    err, out = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main(args)
    except SystemExit as exc:  # argparse: an unknown flag or a missing value
        code = exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.stdin = saved
    assert code in (0, 1, 2, 3), (args, code, err.getvalue())
    assert "Traceback" not in err.getvalue(), err.getvalue()
    return out.getvalue()


_PROPERTY = settings(max_examples=100, deadline=None, database=None, suppress_health_check=list(HealthCheck))


@_PROPERTY
@given(
    options=st.lists(st.tuples(st.sampled_from(_FLAGS), setting_values), max_size=4),
    switches=st.lists(st.sampled_from(_SWITCHES), max_size=2),
    output=st.one_of(st.none(), st.sampled_from([*_WEIRD_PATHS, "out-link", "-", "report.json"])),
    paths=st.lists(st.sampled_from(["a.md", "-", "dir", "", "a\x00b", "missing.md"]), max_size=2),
)
def test_any_command_line_settings_end_in_exit_zero_to_three(
    options: list[tuple[str, Any]], switches: list[str], output: str | None, paths: list[str]
) -> None:
    args = ["--offline", *switches]
    for flag, value in options:
        args += [flag, _as_flag(value)]
    if output is not None:
        args += ["-o", output]
    with scratch_tree():
        run_cli_anywhere([*args, *(paths or ["a.md"])])


config_keys = st.one_of(st.sampled_from(KEYS), st.sampled_from(["tool", "refcheck", "x-y", "select.x"]))


@_PROPERTY
@given(
    table=st.dictionaries(config_keys, setting_values, max_size=4),
    raw=st.one_of(st.none(), st.binary(max_size=60), st.text(max_size=60).map(str.encode)),
    as_pyproject=st.booleans(),
)
def test_any_config_file_ends_in_exit_zero_to_three(
    table: dict[str, Any], raw: bytes | None, as_pyproject: bool
) -> None:
    body = "\n".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in table.items()).encode("utf-8")
    if raw is not None:
        body += b"\n" + raw
    with scratch_tree() as root:
        if as_pyproject:
            (root / "pyproject.toml").write_bytes(b"[tool.refcheck]\n" + body)
        else:
            (root / ".refcheck.toml").write_bytes(body)
        run_cli_anywhere(["--offline", "a.md"])
