"""docs/rules.md is generated from the rule registry, stays in step with it, and its examples are real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from refcheck import rules
from scripts import gen_rules_doc as GEN

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "rules.md"

# Rules about a file as a whole (binary, bad encoding, too large): no Markdown snippet can show them.
FILE_ONLY = {"RC102", "RC104", "RC105"}
# Rules an offline run can fire; their examples are checked by running the real CLI.
OFFLINE = [
    "RC101", "RC103", "RC201", "RC202", "RC203", "RC204", "RC205", "RC206", "RC207", "RC209",
    "RC301", "RC302", "RC404", "RC405", "RC409",
]  # fmt: skip


def test_committed_rules_doc_is_up_to_date() -> None:
    assert DOC.read_text("utf-8") == GEN.render(), "run: python scripts/gen_rules_doc.py"


def test_check_mode_fails_on_a_stale_file_and_passes_once_regenerated(tmp_path: Path) -> None:
    target = tmp_path / "rules.md"
    target.write_text("# Rules\n\nold text\n", "utf-8")
    assert GEN.main(["--check", "--output", str(target)]) == 1
    assert GEN.main(["--output", str(target)]) == 0
    assert GEN.main(["--check", "--output", str(target)]) == 0
    assert target.read_text("utf-8") == GEN.render()


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda rule: rule.code)
def test_every_rule_has_an_indexed_section_with_all_parts(rule: rules.Rule) -> None:
    text = GEN.render()
    assert f"| [{rule.code}](#{rule.code.lower()}-{rule.name}) | `{rule.name}` | {rule.severity.label} |" in text
    section = text.split(f"### {rule.code} {rule.name}\n", 1)[1].split("\n### ", 1)[0]
    assert f"Default severity: **{rule.severity.label}**" in section
    for label in ("**What it flags.**", "**Why it matters.**", "**Example.**", "**How to fix.**"):
        assert label in section
    assert f'ignore = ["{rule.code}"]' in section
    if rule.example:
        assert rule.example.rstrip("\n") in section


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda rule: rule.code)
def test_every_rule_explains_itself(rule: rules.Rule) -> None:
    assert rule.summary and rule.why and rule.fix
    assert bool(rule.example) == (rule.code not in FILE_ONLY)
    if rule.example:
        assert rule.example.endswith("\n")


def test_inline_suppression_is_offered_only_where_a_line_can_carry_it() -> None:
    text = GEN.render()
    assert "disable-next-line RC201" in text
    assert "disable-next-line RC102" not in text


@pytest.mark.skipif(not (ROOT / "refcheck" / "cli.py").exists(), reason="refcheck.cli (the CLI) is not written yet")
def test_offline_examples_fire_their_rule(tmp_path: Path) -> None:
    for code in OFFLINE:
        (tmp_path / f"{code}.md").write_text(rules.get(code).example, "utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    run = subprocess.run(
        [sys.executable, "-m", "refcheck", "--offline", "--format", "json", *(f"{c}.md" for c in OFFLINE)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode in (0, 1), run.stderr
    fired: dict[str, set[str]] = {}
    for diagnostic in json.loads(run.stdout)["diagnostics"]:
        fired.setdefault(diagnostic["path"], set()).add(diagnostic["code"])
    silent = [code for code in OFFLINE if code not in fired.get(f"{code}.md", set())]
    assert silent == [], f"examples that did not fire their rule: {silent}; fired: {fired}"
