"""The user documentation matches the tool: every option and config key documented, no invented ones,
and the examples, the sample report and the JSON sample are what refcheck really does."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from refcheck import cli
from refcheck.cli import build_parser, main
from refcheck.config import KEYS, load_config, settings_from_mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CONFIG_DOC = ROOT / "docs" / "configuration.md"
REFERENCE_DOCS = (README, CONFIG_DOC)

# Options of other tools that the README mentions (pre-commit's), not refcheck's.
FOREIGN_FLAGS = {"--hook-stage", "--all-files"}

_LONG_FLAG = re.compile(r"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
_FENCE = re.compile(r"^```(?P<lang>\w*)\n(?P<body>.*?)^```", re.M | re.S)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def fenced(path: Path, lang: str) -> list[str]:
    return [m["body"] for m in _FENCE.finditer(text(path)) if m["lang"] == lang]


def code_spans(path: Path) -> set[str]:
    prose = _FENCE.sub("", text(path))
    return {span.strip() for span in _CODE_SPAN.findall(prose)}


def parser_flags() -> set[str]:
    return {option for action in build_parser()._actions for option in action.option_strings}


def table_rows(path: Path, header: str) -> list[list[str]]:
    """Cells of the rows of every table whose header line contains `header`."""
    rows: list[list[str]] = []
    in_table = False
    for line in text(path).splitlines():
        if not line.startswith("|"):
            in_table = False
        elif header in line:
            in_table = True
        elif in_table and not re.match(r"^\|\s*-", line):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def config_table(source: str) -> dict[str, Any]:
    """A TOML snippet as refcheck reads it: `[tool.refcheck]` when present, else the top level."""
    data = tomllib.loads(source)
    table: dict[str, Any] = data.get("tool", {}).get("refcheck", data)
    return table


def option_examples() -> list[str]:
    """The Example cells of the README's option tables."""
    examples = []
    for row in table_rows(README, "| Example |"):
        examples.extend(_CODE_SPAN.findall(row[-1]))
    return examples


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixtures, as the documented examples expect them, as the working directory."""
    shutil.copytree(ROOT / "fixtures", tmp_path / "fixtures")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(args: list[str]) -> int:
    try:
        return main(args)
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)


# --- every flag and key documented, and only real ones ---


@pytest.mark.parametrize("doc", REFERENCE_DOCS, ids=lambda p: p.name)
def test_documented_flags_exist_in_the_parser(doc: Path) -> None:
    documented = set(_LONG_FLAG.findall(text(doc)))
    assert documented - parser_flags() - FOREIGN_FLAGS == set()


def test_every_parser_flag_is_in_the_readme() -> None:
    readme = text(README)
    missing = {flag for flag in parser_flags() if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", readme)}
    assert missing == set()


def test_every_parser_option_has_an_example_in_the_option_tables() -> None:
    used = {flag for example in option_examples() for flag in shlex.split(example) if flag.startswith("-")}
    without = [action.option_strings for action in build_parser()._actions if action.option_strings]
    assert [options for options in without if not set(options) & used] == []


def test_every_config_key_is_documented_as_code() -> None:
    documented = code_spans(README) | code_spans(CONFIG_DOC)
    for doc in REFERENCE_DOCS:
        for block in fenced(doc, "toml"):
            documented |= set(config_table(block))
    assert set(KEYS) - documented == set()


def test_the_full_example_sets_every_key_and_is_valid() -> None:
    full = max(fenced(CONFIG_DOC, "toml"), key=lambda block: len(config_table(block)))
    table = config_table(full)
    assert set(table) == set(KEYS)
    settings_from_mapping(table, ROOT, "docs/configuration.md")


@pytest.mark.parametrize(
    "snippet",
    [
        *(block for doc in REFERENCE_DOCS for block in fenced(doc, "toml")),
        *(span for doc in REFERENCE_DOCS for span in code_spans(doc) if re.match(r"^[a-z_]+ = ", span)),
    ],
)
def test_documented_toml_is_a_valid_config(snippet: str) -> None:
    settings_from_mapping(config_table(snippet), ROOT, "documentation")


# --- the examples do what they say ---


@pytest.mark.parametrize("example", [e for e in option_examples() if e.startswith("-")])
def test_option_example_runs(example: str, workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = shlex.split(example)
    if "--config" in args:
        (workdir / args[args.index("--config") + 1]).write_text("", encoding="utf-8")
    code = run([*args, "--offline", "--quiet", "fixtures/numeric.md"])
    assert code in (0, 1), capsys.readouterr().err


def readme_commands() -> list[str]:
    return [
        line.strip()
        for block in fenced(README, "sh")
        for line in block.splitlines()
        if line.strip().startswith("refcheck ")
    ]


@pytest.mark.parametrize("command", readme_commands())
def test_readme_usage_command_runs(
    command: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    args = shlex.split(command, comments=True)[1:]
    if "<" in args:
        at = args.index("<")
        stdin = (workdir / args[at + 1]).open(encoding="utf-8")
        request.addfinalizer(stdin.close)
        monkeypatch.setattr(sys, "stdin", stdin)
        del args[at : at + 2]
    if "--offline" not in args:
        args.append("--offline")  # tests never reach the internet
    assert run(args) in (0, 1), capsys.readouterr().err


def test_readme_sample_report_is_the_real_output(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    block = next(b for b in fenced(README, "text") if b.startswith("$ refcheck "))
    command, expected = block.split("\n", 1)
    monkeypatch.chdir(ROOT)
    capsys.readouterr()
    run([*shlex.split(command)[2:], "--color", "never"])
    assert capsys.readouterr().out == expected


def test_readme_json_sample_is_the_real_output(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = json.loads(fenced(README, "json")[0])
    monkeypatch.chdir(ROOT)
    capsys.readouterr()
    run(["--offline", "--format", "json", sample["diagnostics"][0]["path"]])
    assert json.loads(capsys.readouterr().out) == sample


def equivalences() -> list[tuple[str, str]]:
    """docs/configuration.md's (command line, config file) pairs; rows with a side missing ("—") left out."""
    rows = table_rows(CONFIG_DOC, "| Command line | Config file |")
    return [(row[0], row[1]) for row in rows if not any(cell.startswith("—") for cell in row[:2])]


@pytest.mark.parametrize(("flags", "toml"), equivalences())
def test_command_line_and_config_file_forms_agree(flags: str, toml: str, workdir: Path) -> None:
    empty = workdir / "empty.toml"
    empty.write_text("", encoding="utf-8")
    config_file = workdir / "form.toml"
    config_file.write_text(toml.strip("`"), encoding="utf-8")
    args = build_parser().parse_args(shlex.split(flags.strip("`")))
    from_flags = load_config(workdir, empty, cli._overrides(args))
    from_file = load_config(workdir, config_file)
    assert from_flags.replace(source=None) == from_file.replace(source=None)


def test_documentation_passes_refcheck(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    capsys.readouterr()
    code = main(["--offline", "--format", "json", "README.md", "CHANGELOG.md", "docs"])
    assert json.loads(capsys.readouterr().out)["diagnostics"] == []
    assert code == 0
