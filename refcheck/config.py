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

    select: frozenset[str] = frozenset(rules.BY_CODE)
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


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting: its key in the file, its flag on the command line, and the check that turns a
    value into the `Config` field(s) it sets."""

    key: str
    check: Check
    flag: str = ""  # default: --key with `-`; "" with `file_only`: none
    fields: Callable[[Any], dict[str, Any]] | None = None  # default: {key: value}
    file_only: bool = False  # a table: set in the config file only

    @property
    def option(self) -> str:
        return self.flag or ("" if self.file_only else "--" + self.key.replace("_", "-"))

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
                raise _Invalid(f"expected a size such as \"10MB\", {_got(value)}")
            amount = float(m.group(1)) * _SIZE_UNITS[(m.group(2) or "b").lower()]
        if not 0 <= amount <= high:
            raise _Invalid(f"expected a size from 0 to {high:,} bytes, {_got(value)}")
        return int(amount)

    return check


def duration(*, high: float) -> Check:
    """Seconds: a number, or a string with a unit ("30m", "1d"), at most `high`."""

    def check(value: object, origin: Origin) -> float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            seconds = float(value)
        else:
            m = _DURATION.match(value) if isinstance(value, str) else None
            if not m:
                raise _Invalid(f"expected a duration such as \"1d\" or \"30m\", {_got(value)}")
            seconds = float(m.group(1)) * _DURATION_UNITS[(m.group(2) or "s").lower()]
        if not (math.isfinite(seconds) and 0 <= seconds <= high):
            raise _Invalid(f"expected a duration from 0 to {high / _DAY:g} days, {_got(value)}")
        return seconds

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
        raise _Invalid(f"expected \"error\", \"warning\" or \"info\", {_got(value)}") from None


def accept(value: object, origin: Origin) -> tuple[tuple[int, int], ...]:
    items = value if isinstance(value, list) else [value]
    ranges = []
    for item in items:
        m = _ACCEPT.match(str(item)) if isinstance(item, (str, int)) and not isinstance(item, bool) else None
        if not m:
            raise _Invalid(f"expected status codes such as 200 or \"200..=299\", got {item!r}")
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

SETTINGS: tuple[Setting, ...] = (
    Setting("select", codes),
    Setting("ignore", codes),
    Setting("fail_on", fail_on),
    Setting("exclude", strings),
    Setting("per_file_ignores", per_file_ignores, file_only=True),
    Setting("exclude_urls", regexes, flag="--exclude-url"),
    Setting("root_dir", path),
    Setting("bib", paths),
    Setting("uncited_bib", boolean),
    Setting("show_infos", boolean),
    Setting("max_file_size", size(high=1000**4)),
    Setting("jobs", number(low=1, high=1024, integer=True)),
    Setting("offline", boolean),
    Setting("links", boolean, flag="--no-links"),
    Setting("verify", boolean, flag="--no-verify"),
    Setting("max_concurrency", number(low=1, high=10_000, integer=True)),
    Setting("max_per_host", number(low=1, high=1024, integer=True)),
    Setting("host_interval", _SECONDS),
    Setting("timeout", number(low=0, high=_DAY, above=True, unit=" seconds")),
    Setting("timeout_total", number(low=0, high=7 * _DAY, above=True, unit=" seconds")),
    Setting("retries", number(low=0, high=100, integer=True)),
    Setting("retry_wait", _SECONDS),
    Setting("allow_private", boolean),
    Setting("allow_hosts", strings, flag="--allow-host"),
    Setting("accept", accept),
    Setting("headers", headers, file_only=True),
    Setting("cache", cache, fields=_cache_fields),
    Setting("cache_max_age", duration(high=3650 * _DAY)),
    Setting("arxiv_api_url", url),
    Setting("arxiv_interval", _SECONDS),
    Setting("crossref_api_url", base_url),
    Setting("openalex_api_url", base_url),
    Setting("dblp_api_url", base_url),
    Setting("semantic_scholar_api_url", base_url),
    Setting("verify_sources", sources),
    Setting("mailto", text),
    Setting("user_agent", text),
)
BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}
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
