"""Command line: arguments and config → `refcheck.check_paths` → report and exit code. Wiring only."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from refcheck import Config, Result, Severity, __version__, check_paths, formats, rules
from refcheck import config as settings
from refcheck.config import SETTINGS, Setting, load_config
from refcheck.errors import RefcheckError, UsageError
from refcheck.output import Target, output_target, write_report
from refcheck.sources import STDIN, read_stdin

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"refcheck: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _shard(value: str) -> tuple[int, int]:
    index, _, count = value.partition("/")
    if not (index.strip().isdigit() and count.strip().isdigit() and 1 <= int(index) <= int(count)):
        raise argparse.ArgumentTypeError(f"expected K/N with 1 <= K <= N, got {value!r}")
    return int(index), int(count)


def _add_setting(group: argparse._ArgumentGroup, setting: Setting) -> None:
    """The flag of one setting, shaped by its check: values are the strings typed, checked by `config`."""
    names = [setting.option, *([setting.short] if setting.short else [])]
    shape: dict[str, Any] = {"dest": setting.key, "help": setting.help or None}
    if setting.check is settings.boolean:
        shape.update(action="store_false" if setting.option.startswith("--no-") else "store_true", default=None)
    elif setting.check in (settings.codes, settings.accept):
        shape.update(type=_csv)
    elif setting.check is settings.fail_on:
        shape.update(choices=[severity.label for severity in sorted(Severity, reverse=True)])
    elif setting.check in (settings.strings, settings.paths, settings.regexes):
        shape.update(action="append")
    group.add_argument(*names, **shape)
    if setting.off_flag:
        group.add_argument(
            setting.off_flag, dest=f"{setting.key}_off", action="store_true", help=f"{setting.key} = false"
        )


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="refcheck", description="Check the references and citations of Markdown documents.")
    p.add_argument("paths", nargs="*", help="files or directories to check ('-' reads standard input)")
    p.add_argument("--version", action="version", version=f"refcheck {__version__}")
    p.add_argument("--config", type=Path, help="read settings from this file instead of searching upward")
    groups = {name: p.add_argument_group(name) for name in ("output", "rules", "input", "network")}
    out = groups["output"]
    out.add_argument("--format", default="console", choices=formats(), help="report format (default: console)")
    out.add_argument(
        "--output", "-o", help="also write the report in --format to this file (a regular file; - is standard output)"
    )
    out.add_argument("--quiet", "-q", action="store_true", help="print findings only")
    out.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    out.add_argument("--explain", metavar="CODE", help="print a rule's explanation and exit")
    out.add_argument("--list-rules", action="store_true", help="list every rule and exit")
    groups["rules"].add_argument("--extend-ignore", type=_csv, help="codes to ignore in addition to the config's")
    groups["input"].add_argument(
        "--shard", type=_shard, metavar="K/N", help="check only the K-th of N slices of the files (CI matrices)"
    )
    for setting in SETTINGS:
        if setting.option:
            _add_setting(groups[setting.group], setting)
    return p


_OVERRIDES = tuple(setting.key for setting in SETTINGS if setting.option)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line, as typed: `config` checks them with the file's."""
    values = {key: getattr(args, key) for key in _OVERRIDES if getattr(args, key, None) is not None}
    for setting in SETTINGS:
        if setting.off_flag and getattr(args, f"{setting.key}_off", False):
            values[setting.key] = False  # wins over the value flag, wherever each was given
    return values


def _explain(code: str) -> int:
    rule = rules.BY_CODE.get(code.upper()) or rules.BY_NAME.get(code)
    if rule is None:
        print(f"refcheck: error: unknown rule {code!r} (see `refcheck --list-rules`)", file=sys.stderr)
        return EXIT_USAGE
    print(rule.explanation(), end="")
    return EXIT_OK


def _list_rules() -> int:
    for rule in rules.RULES:
        print(f"{rule.code}  {rule.name:<26} {rule.severity.label:<8} {rule.summary}")
    return EXIT_OK


def _report(result: Result, args: argparse.Namespace, target: Target | None, config: Config) -> None:
    from refcheck.report import render_chunks

    if target is not None:
        try:
            write_report(target, render_chunks(result, args.format))
        except OSError as exc:
            raise UsageError(f"cannot write {target.shown}: {exc.strerror or exc}") from None
    color = {"always": True, "never": False}.get(args.color)
    if target is not None and target.stream is sys.stdout:
        return  # `-o -`, `-o /dev/stdout`: the report in --format is what standard output gets
    if args.format == "console" or target is not None:
        from refcheck.report.console import make_console, render_console

        console = make_console(sys.stdout, color=color)
        render_console(result, console, quiet=args.quiet, show_infos=config.show_infos, offline=config.offline)
    else:
        sys.stdout.writelines(render_chunks(result, args.format))


def _paths(given: Sequence[str]) -> list[Path]:
    for path in given:
        if not path:
            raise UsageError("an empty path ('') was given")
        if "\x00" in path:
            raise UsageError(f"a path cannot contain a NUL byte, got {path!r}")
    return [Path(path) for path in given] or [Path(".")]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.explain:
        return _explain(args.explain)
    if args.list_rules:
        return _list_rules()
    try:
        config: Config = load_config(Path.cwd(), args.config, _overrides(args))
        if args.extend_ignore:
            config = config.replace(ignore=config.ignore | rules.expand_selectors(args.extend_ignore))
        paths = _paths(args.paths)
        target = output_target(args.output) if args.output is not None else None
        stdin = read_stdin(config.max_file_size) if STDIN in paths else None
        result = check_paths(
            paths,
            config,
            stdin=stdin,
            progress=sys.stderr.isatty() and args.format == "console",
            shard=args.shard,
        )
        _report(result, args, target, config)
        if result.interrupted:
            print("refcheck: interrupted; the findings above are those of the files checked so far", file=sys.stderr)
            return EXIT_INTERRUPTED
    except KeyError as exc:
        print(f"refcheck: error: unknown rule code {exc.args[0]!r}", file=sys.stderr)
        return EXIT_USAGE
    except (RefcheckError, UsageError) as exc:
        print(f"refcheck: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("refcheck: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return result.exit_code(config.fail_on if isinstance(config.fail_on, Severity) else Severity.ERROR)
