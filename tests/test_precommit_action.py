"""The GitHub Action (`action.yml`): its inputs, and its run step executed as the runner would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text("utf-8"))

BAD = "See (Smith et al., 2020).\n\n## References\n\n- Jones, A. (2019). Another study. Journal of Studies.\n"

needs_cli = pytest.mark.skipif(
    not (ROOT / "refcheck" / "cli.py").exists(), reason="refcheck.cli (the CLI) is not written yet"
)


def step(step_id: str) -> dict[str, Any]:
    return next(s for s in ACTION["runs"]["steps"] if s.get("id") == step_id)


def test_inputs_and_their_defaults() -> None:
    inputs = ACTION["inputs"]
    assert inputs["args"]["default"] == "."
    assert inputs["format"]["default"] == "github"
    assert inputs["fail"]["default"] == "true"
    assert inputs["version"]["default"] == "" and inputs["version"]["required"] is False
    assert ACTION["runs"]["using"] == "composite"
    assert ACTION["outputs"]["exit-code"]["value"] == "${{ steps.run.outputs.exit-code }}"


def test_install_step_installs_the_actions_own_checkout_by_default() -> None:
    install = step("install")
    assert install["env"]["REFCHECK_SOURCE"] == "${{ github.action_path }}"
    assert 'spec="$REFCHECK_SOURCE"' in install["run"]


def test_no_input_is_pasted_into_a_script() -> None:
    for s in ACTION["runs"]["steps"]:
        assert "${{" not in s.get("run", ""), s.get("name")


def run_step(tmp_path: Path, args: str, **inputs: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """The run step's script under bash, with the inputs as the runner passes them."""
    output = tmp_path / "github_output"
    output.write_text("", "utf-8")
    env = {
        **os.environ,
        "REFCHECK_PYTHON": sys.executable,
        "REFCHECK_ARGS": args,
        "REFCHECK_FORMAT": inputs.get("format", "github"),
        "REFCHECK_FAIL": inputs.get("fail", "true"),
        "REFCHECK_SUMMARY": inputs.get("summary", "true"),
        "REFCHECK_OUTPUT_FILE": inputs.get("output_file", ""),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step_summary.md"),
        "PYTHONPATH": str(ROOT),
        "NO_COLOR": "1",
    }
    done = subprocess.run(
        ["bash", "-e", "-c", step("run")["run"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done, output.read_text("utf-8")


@needs_cli
def test_findings_fail_the_step_and_become_annotations_and_a_summary(tmp_path: Path) -> None:
    (tmp_path / "draft.md").write_text(BAD, "utf-8")
    done, outputs = run_step(tmp_path, "draft.md --offline")
    assert done.returncode == 1, done.stderr
    assert "::error file=draft.md,line=1,col=5," in done.stdout
    assert outputs == "exit-code=1\n"
    summary = (tmp_path / "step_summary.md").read_text("utf-8")
    assert summary.startswith("### refcheck: 1 error")
    assert "| draft.md:1:5 | error | RC201 |" in summary


@needs_cli
def test_summary_false_leaves_the_job_summary_alone(tmp_path: Path) -> None:
    (tmp_path / "draft.md").write_text(BAD, "utf-8")
    run_step(tmp_path, "draft.md --offline", summary="false")
    assert not (tmp_path / "step_summary.md").exists()


@needs_cli
def test_output_file_receives_the_report_in_the_chosen_format(tmp_path: Path) -> None:
    (tmp_path / "draft.md").write_text(BAD, "utf-8")
    done, _ = run_step(tmp_path, "draft.md --offline", format="sarif", output_file="refcheck.sarif", fail="false")
    assert done.returncode == 0, done.stderr
    log = json.loads((tmp_path / "refcheck.sarif").read_text("utf-8"))
    assert log["version"] == "2.1.0"
    assert [r["ruleId"] for r in log["runs"][0]["results"]][:1] == ["RC201"]
    assert json.loads(done.stdout) == log


@needs_cli
def test_a_usage_error_passes_through_with_its_exit_code(tmp_path: Path) -> None:
    done, outputs = run_step(tmp_path, "no-such-dir/")
    assert done.returncode == 2
    assert outputs == "exit-code=2\n"
    assert done.stderr.strip()


def test_an_unknown_format_is_a_clear_error(tmp_path: Path) -> None:
    done, _ = run_step(tmp_path, ".", format="xml")
    assert done.returncode == 2
    assert done.stdout.startswith("::error title=refcheck action::unknown format 'xml'")


@needs_cli
def test_fail_false_passes_the_step_but_reports_the_exit_code(tmp_path: Path) -> None:
    (tmp_path / "draft.md").write_text(BAD, "utf-8")
    done, outputs = run_step(tmp_path, "draft.md --offline", fail="false")
    assert done.returncode == 0, done.stderr
    assert outputs == "exit-code=1\n"


@needs_cli
def test_args_are_split_with_shell_quoting(tmp_path: Path) -> None:
    (tmp_path / "my notes.md").write_text(BAD, "utf-8")
    done, _ = run_step(tmp_path, "'my notes.md' --offline")
    assert "::error file=my notes.md," in done.stdout, done.stdout + done.stderr


def test_unbalanced_quotes_are_a_clear_error(tmp_path: Path) -> None:
    done, outputs = run_step(tmp_path, "'unclosed --offline")
    assert done.returncode == 2
    assert done.stdout.startswith("::error title=refcheck action::cannot split the args input")
    assert outputs == ""
