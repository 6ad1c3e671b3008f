"""Command line: arguments and config → `pipeline.check` → report and exit code. Wiring only."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from refcheck import Config, Result, Severity, __version__, formats, rules
from refcheck.config import load_config
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


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="refcheck", description="Check the references and citations of Markdown documents.")
    p.add_argument("paths", nargs="*", help="files or directories to check ('-' reads standard input)")
    p.add_argument("--version", action="version", version=f"refcheck {__version__}")
    p.add_argument("--config", type=Path, help="read settings from this file instead of searching upward")
    out = p.add_argument_group("output")
    out.add_argument("--format", default="console", choices=formats(), help="report format (default: console)")
    out.add_argument(
        "--output", "-o", help="also write the report in --format to this file (a regular file; - is standard output)"
    )
    out.add_argument("--quiet", "-q", action="store_true", help="print findings only")
    out.add_argument("--color", choices=["auto", "always", "never"], default="auto")
    out.add_argument(
        "--show-infos", action="store_true", default=None, help="list info findings (default: one line per code)"
    )
    out.add_argument("--explain", metavar="CODE", help="print a rule's explanation and exit")
    out.add_argument("--list-rules", action="store_true", help="list every rule and exit")
    sel = p.add_argument_group("rules")
    sel.add_argument("--select", type=_csv, help="rule codes or prefixes to report (comma-separated)")
    sel.add_argument("--ignore", type=_csv, help="rule codes or prefixes not to report")
    sel.add_argument("--extend-ignore", type=_csv, help="codes to ignore in addition to the config's")
    sel.add_argument("--fail-on", choices=["error", "warning", "info"], help="lowest severity that fails the run")
    inp = p.add_argument_group("input")
    inp.add_argument("--bib", action="append", type=str, help="extra BibTeX file for every document")
    inp.add_argument("--root-dir", help="where /root-relative links resolve")
    inp.add_argument("--exclude", action="append", help="path glob not to check (repeatable)")
    inp.add_argument("--uncited-bib", action="store_true", default=None, help="report uncited BibTeX entries")
    inp.add_argument("--max-file-size", help="skip larger files (default 10MB)")
    inp.add_argument("--jobs", "-j", help="parallel workers for parsing and matching (default: cores)")
    inp.add_argument(
        "--shard", type=_shard, metavar="K/N", help="check only the K-th of N slices of the files (CI matrices)"
    )
    net = p.add_argument_group("network")
    net.add_argument("--offline", action="store_true", default=None, help="run no network stage")
    net.add_argument("--no-links", dest="links", action="store_false", default=None, help="skip link checking")
    net.add_argument("--no-verify", dest="verify", action="store_false", default=None, help="skip metadata lookups")
    net.add_argument("--timeout", help="seconds for one request (default 20)")
    net.add_argument("--timeout-total", help="seconds for all network stages together")
    net.add_argument("--retries")
    net.add_argument("--retry-wait", help="first backoff step in seconds")
    net.add_argument("--max-concurrency")
    net.add_argument("--max-per-host")
    net.add_argument("--host-interval")
    net.add_argument("--allow-private", action="store_true", default=None)
    net.add_argument(
        "--allow-host", dest="allow_hosts", action="append", help="host, IP or CIDR allowed although private"
    )
    net.add_argument("--accept", type=_csv, help="status codes counted as working, e.g. 200..=299,429")
    net.add_argument("--exclude-url", dest="exclude_urls", action="append", help="regex of URLs not requested")
    net.add_argument("--cache", help="sqlite cache file")
    net.add_argument("--no-cache", dest="use_cache", action="store_false", default=None)
    net.add_argument("--cache-max-age", help="how long a working link's result is reused (default 1d)")
    net.add_argument("--user-agent")
    net.add_argument("--mailto", help="contact address for Crossref's polite pool")
    net.add_argument("--arxiv-api-url")
    net.add_argument("--arxiv-interval")
    net.add_argument("--crossref-api-url")
    return p


_OVERRIDES = (
    "select",
    "fail_on",
    "bib",
    "root_dir",
    "exclude",
    "uncited_bib",
    "show_infos",
    "max_file_size",
    "jobs",
    "offline",
    "links",
    "verify",
    "timeout",
    "timeout_total",
    "retries",
    "retry_wait",
    "max_concurrency",
    "max_per_host",
    "host_interval",
    "allow_private",
    "allow_hosts",
    "accept",
    "exclude_urls",
    "cache",
    "cache_max_age",
    "user_agent",
    "mailto",
    "arxiv_api_url",
    "arxiv_interval",
    "crossref_api_url",
)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line, as typed: `config` checks them with the file's."""
    values = {key: getattr(args, key) for key in _OVERRIDES if getattr(args, key, None) is not None}
    if args.ignore is not None:
        values["ignore"] = args.ignore
    if args.use_cache is False:
        values["cache"] = False
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
    from refcheck.report import make_console, render_chunks, render_console

    if target is not None:
        try:
            write_report(target, render_chunks(result, args.format))
        except OSError as exc:
            raise UsageError(f"cannot write {target.shown}: {exc.strerror or exc}") from None
    color = {"always": True, "never": False}.get(args.color)
    if target is not None and target.stream is sys.stdout:
        return  # `-o -`, `-o /dev/stdout`: the report in --format is what standard output gets
    if args.format == "console" or target is not None:
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
        from refcheck.pipeline import check

        result = check(
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
