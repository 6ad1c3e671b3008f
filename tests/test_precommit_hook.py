"""The pre-commit hooks: the manifest is valid, and the real pre-commit blocks a bad commit.

pre-commit would install `language: python` hooks by `pip install`-ing this repository into a fresh
virtualenv, which needs the package index. To stay offline, the test turns the manifest's hooks into
`repo: local` hooks with `language: system` that run this checkout's `refcheck` with the test's
interpreter; everything else (entry arguments, `files`, `stages`, filename passing) is taken from
`.pre-commit-hooks.yaml` unchanged, so what runs is what users get.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pre_commit.clientlib import load_manifest

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"

GOOD = (
    "Transformers rely on attention (Vaswani et al., 2017).\n\n"
    "## References\n\n"
    "- Vaswani, A. et al. (2017). Attention is all you need. Advances in NIPS.\n"
)
BAD = "See (Smith et al., 2020).\n\n## References\n\n- Jones, A. (2019). Another study. Journal of Studies.\n"

needs_cli = pytest.mark.skipif(
    not (ROOT / "refcheck" / "cli.py").exists(), reason="refcheck.cli (the CLI) is not written yet"
)


def hooks() -> dict[str, dict[str, Any]]:
    return {hook["id"]: hook for hook in load_manifest(str(MANIFEST))}


def test_manifest_offers_an_offline_hook_and_a_manual_online_one() -> None:
    offline, online = hooks()["refcheck"], hooks()["refcheck-online"]
    assert (offline["entry"], offline["language"]) == ("refcheck --offline", "python")
    assert (online["entry"], online["language"]) == ("refcheck", "python")
    assert online["stages"] == ["manual"]
    for hook in (offline, online):
        assert hook["files"] == r"\.(md|markdown|qmd|Rmd)$"
        assert hook["pass_filenames"] is True


def local_config() -> str:
    """The manifest's hooks as `repo: local` system hooks running this checkout with this Python."""
    local = []
    for hook in load_manifest(str(MANIFEST)):
        program, *arguments = shlex.split(hook["entry"])
        assert program == "refcheck"
        entry = shlex.join([sys.executable, "-m", "refcheck", *arguments])
        keep = ("id", "name", "files", "pass_filenames", "require_serial", "stages")
        local.append({**{key: hook[key] for key in keep}, "entry": entry, "language": "system"})
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": local}]}, sort_keys=False)


def git(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A git repository with the hooks installed by the real `pre-commit install`."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = Test\n\temail = test@example.invalid\n", "utf-8")
    env = {
        **os.environ,
        "HOME": str(home),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache"),
        "PYTHONPATH": str(ROOT),
        "NO_COLOR": "1",
    }
    work = tmp_path / "work"
    work.mkdir()
    assert git(work, env, "init", "-q", "-b", "main").returncode == 0
    (work / ".pre-commit-config.yaml").write_text(local_config(), "utf-8")
    installed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (work / ".git" / "hooks" / "pre-commit").exists()
    return work, env


def commit(work: Path, env: dict[str, str], name: str, text: str) -> subprocess.CompletedProcess[str]:
    (work / name).write_text(text, "utf-8")
    assert git(work, env, "add", name, ".pre-commit-config.yaml").returncode == 0
    return git(work, env, "commit", "-m", f"add {name}")


def commits(work: Path, env: dict[str, str]) -> int:
    listed = git(work, env, "rev-list", "--count", "--all")
    return int(listed.stdout.strip() or 0)


@needs_cli
def test_hook_passes_a_clean_markdown_commit(repo: tuple[Path, dict[str, str]]) -> None:
    work, env = repo
    done = commit(work, env, "post.md", GOOD)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "refcheck" in done.stdout + done.stderr  # the hook ran (and passed)
    assert commits(work, env) == 1


@needs_cli
def test_hook_blocks_a_commit_with_an_undefined_citation(repo: tuple[Path, dict[str, str]]) -> None:
    work, env = repo
    done = commit(work, env, "draft.md", BAD)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "RC201" in output and "draft.md" in output
    assert commits(work, env) == 0


@needs_cli
def test_hook_ignores_files_that_are_not_markdown(repo: tuple[Path, dict[str, str]]) -> None:
    work, env = repo
    done = commit(work, env, "draft.txt", BAD)
    assert done.returncode == 0, done.stdout + done.stderr
    assert commits(work, env) == 1
