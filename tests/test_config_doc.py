"""Each setting is declared once (`config.SETTINGS`): the CLI's flags and docs/configuration.md's
reference come from the declaration, and the doc stays in step with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from refcheck import cli
from refcheck.config import SETTINGS, Setting
from scripts import gen_config_doc as GEN

ROOT = Path(__file__).resolve().parent.parent


def test_configuration_doc_is_current() -> None:
    assert GEN.main(["--check"]) == 0, "run python scripts/gen_config_doc.py"


def test_check_mode_fails_on_a_stale_file_and_passes_once_regenerated(tmp_path: Path) -> None:
    target = tmp_path / "configuration.md"
    target.write_text(f"# Configuration\n\nprose\n\n{GEN.BEGIN}\nold\n{GEN.END}\n\nmore prose\n", "utf-8")
    assert GEN.main(["--check", "--output", str(target)]) == 1
    assert GEN.main(["--output", str(target)]) == 0
    assert GEN.main(["--check", "--output", str(target)]) == 0
    text = target.read_text("utf-8")
    assert text.startswith("# Configuration\n\nprose\n\n") and text.endswith("\n\nmore prose\n")
    assert "| `max_per_host` | `--max-per-host` | a whole number from 1 to 1024 | 8 |" in text


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.key)
def test_every_setting_is_described_and_has_its_flag(setting: Setting) -> None:
    assert setting.kind and setting.help and setting.default_text, setting.key
    flags = {flag for action in cli.build_parser()._actions for flag in action.option_strings}
    if setting.file_only:
        assert setting.option == ""
    else:
        assert {setting.option, setting.short, setting.off_flag} - {""} <= flags


def test_the_range_in_the_doc_is_the_one_checked() -> None:
    from refcheck.config import load_config
    from refcheck.errors import ConfigError

    with pytest.raises(ConfigError, match=r"--max-per-host: expected a whole number from 1 to 1024, got 0$"):
        load_config(
            ROOT, ROOT / "pyproject.toml", cli._overrides(cli.build_parser().parse_args(["--max-per-host", "0"]))
        )
    assert "| `max_per_host` | `--max-per-host` | a whole number from 1 to 1024 |" in GEN.section()


def test_no_cache_wins_over_cache_wherever_given() -> None:
    args = cli.build_parser().parse_args(["--no-cache", "--cache", "x.sqlite"])
    assert cli._overrides(args)["cache"] is False
