"""`[tool.refcheck]` in pyproject.toml or `.refcheck.toml` (found upward from a directory) → `Config`."""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from refcheck import rules
from refcheck.errors import ConfigError
from refcheck.model import Severity
from refcheck.sources import non_regular_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]


@dataclass(frozen=True)
class Config:
    """Every setting, with DESIGN.md's names and defaults. The command line overrides the file."""

    select: frozenset[str] = field(default_factory=lambda: frozenset(rules.BY_CODE))  # rules registered later too
    ignore: frozenset[str] = frozenset()
    fail_on: Severity = Severity.ERROR
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    exclude_urls: tuple[re.Pattern[str], ...] = ()
    root_dir: Path | None = None
    bib: tuple[Path, ...] = ()
    uncited_bib: bool = False
    show_infos: bool = False  # list info findings in the console instead of one line per code
    max_file_size: int = 10 * 1000 * 1000
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    offline: bool = False
    links: bool = True
    verify: bool = True
    max_concurrency: int = 128
    max_per_host: int = 8
    host_interval: float = 0.0
    timeout: float = 20.0
    timeout_total: float | None = None
    retries: int = 3
    retry_wait: float = 1.0  # first backoff step in seconds; doubled each retry (tests use a small one)
    allow_private: bool = False
    allow_hosts: tuple[str, ...] = ()
    accept: tuple[tuple[int, int], ...] = ((200, 299),)
    headers: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    cache: Path | None = None  # None: the user cache dir; see `use_cache`
    use_cache: bool = True
    cache_max_age: float = 86400.0
    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    arxiv_interval: float = 3.0
    crossref_api_url: str = "https://api.crossref.org"
    openalex_api_url: str = "https://api.openalex.org"
    dblp_api_url: str = "https://dblp.org"
    semantic_scholar_api_url: str = "https://api.semanticscholar.org"
    # asked in this order to find entries by title and authors; `semantic_scholar` joins the default
    # only when SEMANTIC_SCHOLAR_API_KEY is set (see `verify.stage.search_order`)
    verify_sources: tuple[str, ...] | None = None
    mailto: str | None = None
    user_agent: str | None = None  # None: refcheck/<version>
    source: Path | None = None  # the file the settings came from, for messages

    def replace(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **changes)

    def enabled_codes(self) -> frozenset[str]:
        return self.select - self.ignore

    def accepts(self, status: int) -> bool:
        return any(low <= status <= high for low, high in self.accept)

    def headers_for(self, host: str) -> dict[str, str]:
        return next((dict(values) for name, values in self.headers if name.lower() == host.lower()), {})

    def is_allowed_host(self, host: str) -> bool:
        """True when `host` (a name or an IP) is named in `allow_hosts` or inside one of its CIDRs."""
        for allowed in self.allow_hosts:
            if host.lower() == allowed.lower():
                return True
            try:
                if ipaddress.ip_address(host.strip("[]")) in ipaddress.ip_network(allowed, strict=False):
                    return True
            except ValueError:
                continue
        return False


# -- the settings, each declared once: its key, its flag, and how a value is checked ----------------

_SIZE = re.compile(r"^\s*(\d{1,30}(?:\.\d{1,30})?)\s*([KMG]i?B|B)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2, "gib": 1024**3}
_DURATION = re.compile(r"^\s*(\d{1,30}(?:\.\d{1,30})?)\s*(s|m|h|d|w)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_ACCEPT = re.compile(r"^\s*(\d{3})\s*(?:\.\.(=)?\s*(\d{3}))?\s*$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Origin:
    """Where values come from: a config file (keys as written there) or the command line (flags, and
    values as the strings typed)."""

    base: Path  # relative paths resolve against it
    file: str | None = None  # None: the command line

    @property
    def command_line(self) -> bool:
        return self.file is None


class _Invalid(Exception):
    """A value a check refuses; `settings_from_mapping` adds the key and the file."""


Check = Callable[[object, Origin], Any]


# What each check accepts, in words, for docs/configuration.md; `number`, `size` and `duration` add
# theirs with the bounds they check, so a range is written once.
KINDS: dict[Check, str] = {}


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting, declared once: its key in the file, its flag on the command line (the CLI makes
    the flags from `SETTINGS`), the check that turns a value into the `Config` field(s) it sets, and
    its help; docs/configuration.md's reference table is generated from the same declaration."""

    key: str
    check: Check
    help: str = ""
    group: str = "network"  # the --help section: "output", "rules", "input" or "network"
    default: str = ""  # the default in words when the Config field's own value does not say it well
    flag: str = ""  # default: --key with `-`; "" with `file_only`: none
    short: str = ""  # a one-letter alias, e.g. -j
    off_flag: str = ""  # a flag that sets the value false, e.g. --no-cache
    fields: Callable[[Any], dict[str, Any]] | None = None  # default: {key: value}
    file_only: bool = False  # a table: set in the config file only

    @property
    def option(self) -> str:
        return self.flag or ("" if self.file_only else "--" + self.key.replace("_", "-"))

    @property
    def kind(self) -> str:
        """What a value may be, in words (with the range, for numbers)."""
        return KINDS.get(self.check, "")

    @property
    def default_text(self) -> str:
        """The default as the docs show it."""
        if self.default:
            return self.default
        value = _FIELD_DEFAULTS.get(self.key)
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, str):
            return f'"{value}"'
        if value is None or (isinstance(value, (tuple, frozenset)) and not value):
            return "none"
        return f"{value:g}" if isinstance(value, float) else str(value)

    def apply(self, value: object, origin: Origin) -> dict[str, Any]:
        checked = self.check(value, origin)
        return self.fields(checked) if self.fields else {self.key: checked}


def _got(value: object) -> str:
    """`got …` for a message: the value, or its kind when it is long (a path of 10,000 characters)."""
    try:
        shown = repr(value)
    except RecursionError:  # a list nested deeper than repr goes
        shown = ""
    if shown and len(shown) <= 100:
        return f"got {shown}"
    return f"got {shown[:80]}… ({len(shown):,} characters)" if isinstance(value, str) else f"got a {_kind(value)}"


def _kind(value: object) -> str:
    return {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "table"}.get(
        type(value), type(value).__name__
    )


def boolean(value: object, origin: Origin) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(f"expected true or false, {_got(value)}")
    return value


def number(*, low: float, high: float, integer: bool = False, above: bool = False, unit: str = "") -> Check:
    """A finite number (a whole one when `integer`) in [low, high] (`above`: low itself excluded)."""
    kind = "a whole number" if integer else "a number"
    bounds = f"{'above' if above else 'from'} {low:g} {'and at most' if above else 'to'} {high:g}{unit}"

    def check(value: object, origin: Origin) -> float | int:
        if origin.command_line and isinstance(value, str):
            value = _number_text(value, integer)
        numeric = isinstance(value, int) if integer else isinstance(value, (int, float))
        if isinstance(value, bool) or not numeric:
            raise _Invalid(f"expected {kind} {bounds}, {_got(value)}")
        assert isinstance(value, (int, float))
        if not math.isfinite(value) or value < low or value > high or (above and value == low):
            raise _Invalid(f"expected {kind} {bounds}, {_got(value)}")
        return value if integer else float(value)

    KINDS[check] = f"{kind} {bounds}"
    return check


def _number_text(text: str, integer: bool) -> object:
    try:
        return int(text) if integer else float(text)
    except ValueError:
        return text


def size(*, high: int) -> Check:
    """Bytes: an integer, or a string with a unit ("10MB", "512KiB"), at most `high`."""

    def check(value: object, origin: Origin) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            amount = float(value)
        else:
            m = _SIZE.match(value) if isinstance(value, str) else None
            if not m:
                raise _Invalid(f'expected a size such as "10MB", {_got(value)}')
            amount = float(m.group(1)) * _SIZE_UNITS[(m.group(2) or "b").lower()]
        if not 0 <= amount <= high:
            raise _Invalid(f"expected a size from 0 to {high:,} bytes, {_got(value)}")
        return int(amount)

    KINDS[check] = f'a size ("10MB", "512KiB" or bytes), 0 to {high:,} bytes'
    return check


def duration(*, high: float) -> Check:
    """Seconds: a number, or a string with a unit ("30m", "1d"), at most `high`."""

    def check(value: object, origin: Origin) -> float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            seconds = float(value)
        else:
            m = _DURATION.match(value) if isinstance(value, str) else None
            if not m:
                raise _Invalid(f'expected a duration such as "1d" or "30m", {_got(value)}')
            seconds = float(m.group(1)) * _DURATION_UNITS[(m.group(2) or "s").lower()]
        if not (math.isfinite(seconds) and 0 <= seconds <= high):
            raise _Invalid(f"expected a duration from 0 to {high / _DAY:g} days, {_got(value)}")
        return seconds

    KINDS[check] = f'a duration ("30m", "1d" or seconds), 0 to {high / _DAY:g} days'
    return check


def text(value: object, origin: Origin) -> str:
    """One line of text (sent in a header or a URL): no control characters."""
    if not isinstance(value, str):
        raise _Invalid(f"expected a string, {_got(value)}")
    if _CONTROL.search(value):
        raise _Invalid(f"control characters (newline, NUL) are not allowed, {_got(value)}")
    return value


def strings(value: object, origin: Origin) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid(f"expected a list of strings, {_got(value)}")
    return tuple(value)


VERIFY_SOURCES = ("crossref", "openalex", "dblp", "arxiv", "semantic_scholar")


def sources(value: object, origin: Origin) -> tuple[str, ...]:
    """Source names, in the order to ask them (a list, or one comma-separated string)."""
    if isinstance(value, str):
        value = [v for v in (part.strip() for part in value.split(",")) if v]
    names = strings(value, origin)
    unknown = [n for n in names if n not in VERIFY_SOURCES]
    if unknown:
        raise _Invalid(f"unknown source {unknown[0]!r}; expected some of {', '.join(VERIFY_SOURCES)}")
    if len(set(names)) != len(names):
        raise _Invalid(f"a source is named twice, {_got(value)}")
    return names


def path(value: object, origin: Origin) -> Path:
    """A path, relative to the config file's directory (to the working directory on the command line)."""
    if not isinstance(value, str):
        raise _Invalid(f"expected a path (a string), {_got(value)}")
    if not value:
        raise _Invalid("expected a path, got an empty string")
    if "\x00" in value:
        raise _Invalid(f"a path cannot contain a NUL byte, {_got(value)}")
    try:
        return (origin.base / value).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop, a name too long
        raise _Invalid(f"cannot resolve {value!r}: {exc}") from None


def paths(value: object, origin: Origin) -> tuple[Path, ...]:
    return tuple(path(item, origin) for item in strings(value, origin))


def cache(value: object, origin: Origin) -> Path | None:
    """A cache file: a regular file, or nothing yet; never a directory, device or FIFO to be taken
    for a corrupt cache. `false` (None here) turns the cache off."""
    if value is False:
        return None
    if not isinstance(value, str):
        raise _Invalid(f"expected a path or false, {_got(value)}")
    where = path(value, origin)
    unusable = non_regular_file(Path(origin.base, value))
    if unusable:
        raise _Invalid(f"{value} {unusable}; the cache must be a regular file or not exist yet")
    return where


def _cache_fields(value: Path | None) -> dict[str, Any]:
    return {"use_cache": False} if value is None else {"cache": value, "use_cache": True}


def codes(value: object, origin: Origin) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid(f"expected a list of rule codes, {_got(value)}")
    try:
        return frozenset(rules.expand_selectors(value))
    except KeyError as exc:
        raise _Invalid(f"unknown rule code {exc.args[0]!r} (see `refcheck --list-rules`)") from None


def fail_on(value: object, origin: Origin) -> Severity:
    try:
        if not isinstance(value, str):
            raise KeyError(value)
        return Severity.parse(value)
    except KeyError:
        raise _Invalid(f'expected "error", "warning" or "info", {_got(value)}') from None


def accept(value: object, origin: Origin) -> tuple[tuple[int, int], ...]:
    items = value if isinstance(value, list) else [value]
    ranges = []
    for item in items:
        m = _ACCEPT.match(str(item)) if isinstance(item, (str, int)) and not isinstance(item, bool) else None
        if not m:
            raise _Invalid(f'expected status codes such as 200 or "200..=299", got {item!r}')
        low = int(m.group(1))
        high = int(m.group(3)) if m.group(3) else low
        if m.group(3) and not m.group(2):
            high -= 1  # Rust-style exclusive range 200..300
        if not 100 <= low <= high <= 599:
            raise _Invalid(f"expected status codes from 100 to 599, low to high, got {item!r}")
        ranges.append((low, high))
    return tuple(ranges)


def url(value: object, origin: Origin) -> str:
    """An http(s) URL with a host (and a valid port, if any)."""
    if not isinstance(value, str) or not re.match(r"^https?://", value) or _CONTROL.search(value) or " " in value:
        raise _Invalid(f"expected an http(s) URL, {_got(value)}")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError when out of range
    except ValueError as exc:
        raise _Invalid(f"expected an http(s) URL, {_got(value)} ({exc})") from None
    if not parts.hostname:
        raise _Invalid(f"expected an http(s) URL with a host, {_got(value)}")
    return value


def base_url(value: object, origin: Origin) -> str:
    return url(value, origin).rstrip("/")


def regexes(value: object, origin: Origin) -> tuple[re.Pattern[str], ...]:
    patterns = []
    for item in strings(value, origin):
        try:
            patterns.append(re.compile(item))
        except (re.error, RecursionError, OverflowError, ValueError) as exc:
            raise _Invalid(f"invalid regular expression {item!r}: {exc}") from None
    return tuple(patterns)


def headers(value: object, origin: Origin) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    if not isinstance(value, Mapping):
        raise _Invalid(f"expected {{host = {{Header = value}}}}, {_got(value)}")
    out = []
    for host, hdrs in value.items():
        if not isinstance(hdrs, Mapping) or not all(isinstance(v, str) for v in hdrs.values()):
            raise _Invalid(f"{host}: expected a table of header names to strings")
        for name, header in hdrs.items():
            if not _HEADER_NAME.match(str(name)) or _CONTROL.search(header.replace("\t", " ")):
                raise _Invalid(f"{host}: invalid header {name!r} = {header!r}")
        out.append((str(host), tuple((str(k), str(v)) for k, v in hdrs.items())))
    return tuple(out)


def per_file_ignores(value: object, origin: Origin) -> tuple[tuple[str, frozenset[str]], ...]:
    if not isinstance(value, Mapping):
        raise _Invalid(f"expected {{glob = [codes]}}, {_got(value)}")
    out = []
    for glob, listed in value.items():
        try:
            out.append((str(glob), codes(listed, origin)))
        except _Invalid as exc:
            raise _Invalid(f"{glob}: {exc}") from None
    return tuple(out)


_SECONDS = number(low=0, high=_DAY, unit=" seconds")

KINDS.update(
    {
        boolean: "true or false",
        text: "one line of text",
        strings: "a list of strings",
        path: "a path",
        paths: "a list of paths",
        cache: "a path, or false for no cache",
        codes: 'a list of rule codes, prefixes, names or "ALL"',
        fail_on: '"error", "warning" or "info"',
        accept: 'a list of status codes and ranges ("200..=299")',
        url: "an http(s) URL",
        base_url: "an http(s) URL",
        regexes: "a list of regular expressions",
        headers: "a table: host = {header = value}",
        per_file_ignores: "a table: glob = [rule codes]",
        sources: "a list of crossref, openalex, dblp, arxiv, semantic_scholar",
    }
)

SETTINGS: tuple[Setting, ...] = (
    Setting("select", codes, "rule codes or prefixes to report (comma-separated)", "rules", '["ALL"]'),
    Setting("ignore", codes, "rule codes or prefixes not to report", "rules"),
    Setting("fail_on", fail_on, "lowest severity that fails the run", "rules", '"error"'),
    Setting(
        "per_file_ignores", per_file_ignores, "rules not reported for files a glob matches", "rules", file_only=True
    ),
    Setting("bib", paths, "extra BibTeX file for every document", "input"),
    Setting("root_dir", path, "where /root-relative links resolve", "input"),
    Setting("exclude", strings, "path glob not to check (repeatable)", "input"),
    Setting("uncited_bib", boolean, "report uncited BibTeX entries", "input"),
    Setting("show_infos", boolean, "list info findings (default: one line per code)", "output"),
    Setting("max_file_size", size(high=1000**4), "skip larger files (default 10MB)", "input", '"10MB"'),
    Setting(
        "jobs",
        number(low=1, high=1024, integer=True),
        "parallel workers for parsing and matching (default: cores; at a lower priority while links are checked)",
        "input",
        "the number of cores",
        short="-j",
    ),
    Setting("offline", boolean, "run no network stage"),
    Setting("links", boolean, "skip link checking", flag="--no-links"),
    Setting("verify", boolean, "skip metadata lookups", flag="--no-verify"),
    Setting("timeout", number(low=0, high=_DAY, above=True, unit=" seconds"), "seconds for one request (default 20)"),
    Setting(
        "timeout_total",
        number(low=0, high=7 * _DAY, above=True, unit=" seconds"),
        "seconds for all network stages together",
        default="no limit",
    ),
    Setting("retries", number(low=0, high=100, integer=True), "retries of a failed request"),
    Setting("retry_wait", _SECONDS, "first backoff step in seconds"),
    Setting("max_concurrency", number(low=1, high=10_000, integer=True), "requests in flight overall"),
    Setting("max_per_host", number(low=1, high=1024, integer=True), "requests in flight to one host"),
    Setting("host_interval", _SECONDS, "minimum seconds between request starts to one host"),
    Setting("allow_private", boolean, "allow private, loopback and link-local addresses"),
    Setting("allow_hosts", strings, "host, IP or CIDR allowed although private", flag="--allow-host"),
    Setting("accept", accept, "status codes counted as working, e.g. 200..=299,429", default='["200..=299"]'),
    Setting("exclude_urls", regexes, "regex of URLs not requested", flag="--exclude-url"),
    Setting("headers", headers, "headers sent to one host only", file_only=True),
    Setting(
        "cache",
        cache,
        "sqlite cache file",
        default="the user cache directory",
        off_flag="--no-cache",
        fields=_cache_fields,
    ),
    Setting(
        "cache_max_age",
        duration(high=3650 * _DAY),
        "how long a working link's result is reused (default 1d)",
        default='"1d"',
    ),
    Setting("user_agent", text, "User-Agent header of requests", default="`refcheck/<version>`"),
    Setting("mailto", text, "contact address for Crossref's and OpenAlex's polite pools"),
    Setting("arxiv_api_url", url, "arXiv API endpoint"),
    Setting("arxiv_interval", _SECONDS, "seconds between arXiv API requests"),
    Setting("crossref_api_url", base_url, "Crossref API endpoint"),
    Setting("openalex_api_url", base_url, "OpenAlex API base (`/works?search=…`, `/works/doi:…`)"),
    Setting("dblp_api_url", base_url, "DBLP base (`/search/publ/api?q=…&format=json`)"),
    Setting("semantic_scholar_api_url", base_url, "Semantic Scholar API base (`/graph/v1/paper/search/match`)"),
    Setting(
        "verify_sources",
        sources,
        "sources searched by title and authors, in order, e.g. crossref,dblp",
        default='["crossref", "openalex", "dblp", "arxiv"]',
    ),
)
BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}
_FIELD_DEFAULTS: dict[str, object] = {f.name: f.default for f in dataclasses.fields(Config)}
KEYS: tuple[str, ...] = tuple(BY_KEY)


def settings_from_mapping(table: object, base: Path, where: str | None) -> dict[str, Any]:
    """Validate a `[tool.refcheck]`-shaped mapping into Config field values; keys may use - or _.

    `where` names the file; None means the command line, whose values are the strings typed (numbers
    are read from them) and whose messages name the flag."""
    origin = Origin(base, where)
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where}: [tool.refcheck]: expected a table, {_got(table)}")
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = str(raw_key).replace("-", "_")
        setting = BY_KEY.get(key)
        if setting is None:
            raise ConfigError(f"{where or 'command line'}: unknown key {raw_key!r}")
        try:
            values.update(setting.apply(value, origin))
        except _Invalid as exc:
            named = setting.option if origin.command_line else f"{where}: {raw_key}"
            raise ConfigError(f"{named}: {exc}") from None
    return values


def find_config_file(start: Path) -> tuple[Path, Mapping[str, Any]] | None:
    """The nearest `.refcheck.toml`, or pyproject.toml with a `[tool.refcheck]` table, upward from start."""
    for directory in (start, *start.parents):
        dotfile = directory / ".refcheck.toml"
        if dotfile.is_file():
            return dotfile, _load_toml(dotfile)
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            table = _tool_table(_load_toml(pyproject), pyproject)
            if table is not None:
                return pyproject, table
    return None


def _tool_table(data: Mapping[str, Any], pyproject: Path) -> Mapping[str, Any] | None:
    """pyproject.toml's `[tool.refcheck]`, None when there is none; a `tool` or `tool.refcheck` that is
    not a table is a ConfigError."""
    tool = data.get("tool")
    if tool is None:
        return None
    if not isinstance(tool, Mapping):
        raise ConfigError(f"{pyproject}: tool: expected a table, {_got(tool)}")
    table = tool.get("refcheck")
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise ConfigError(f"{pyproject}: [tool.refcheck] must be a table, {_got(table)}")
    return dict(table)


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}: not UTF-8 text (invalid byte at line {line})") from None
    try:
        table: dict[str, Any] = tomllib.loads(content)
        return table
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None


def load_config(start: Path, explicit: Path | None = None, overrides: Mapping[str, Any] | None = None) -> Config:
    """Read the config file (explicit, or found upward from `start`), then apply command-line overrides
    (values as typed: strings, lists of strings, booleans). Every value is checked here, before any work."""
    values: dict[str, Any] = {}
    source: Path | None = None
    if explicit is not None:
        if "\x00" in str(explicit):
            raise ConfigError(f"--config: a path cannot contain a NUL byte, got {str(explicit)!r}")
        if not explicit.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        data = _load_toml(explicit)
        table = (_tool_table(data, explicit) or {}) if explicit.name == "pyproject.toml" else data
        source = explicit
        values.update(settings_from_mapping(table, explicit.parent.resolve(), str(explicit)))
    else:
        found = find_config_file(start.resolve())
        if found is not None:
            source, table = found
            values.update(settings_from_mapping(table, source.parent.resolve(), str(source)))
    if overrides:
        values.update(settings_from_mapping(overrides, Path.cwd(), None))
    return Config(**values, source=source)
