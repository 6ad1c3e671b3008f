"""`[tool.refcheck]` in pyproject.toml or `.refcheck.toml` (found upward from a directory) → `Config`."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refcheck import rules
from refcheck.errors import ConfigError
from refcheck.model import Severity

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


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]i?B|B)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "kib": 1024, "mib": 1024**2, "gib": 1024**3}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_ACCEPT = re.compile(r"^\s*(\d{3})\s*(?:\.\.(=)?\s*(\d{3}))?\s*$")


def parse_size(value: object, key: str = "max_file_size") -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    m = _SIZE.match(str(value)) if isinstance(value, str) else None
    if not m:
        raise ConfigError(f"{key}: expected a size such as \"10MB\", got {value!r}")
    return int(float(m.group(1)) * _SIZE_UNITS[(m.group(2) or "b").lower()])


def parse_duration(value: object, key: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    m = _DURATION.match(value) if isinstance(value, str) else None
    if not m:
        raise ConfigError(f"{key}: expected a duration such as \"1d\" or \"30m\", got {value!r}")
    return float(m.group(1)) * _DURATION_UNITS[(m.group(2) or "s").lower()]


def parse_accept(values: object) -> tuple[tuple[int, int], ...]:
    items = values if isinstance(values, list) else [values]
    ranges = []
    for item in items:
        m = _ACCEPT.match(str(item))
        if not m:
            raise ConfigError(f"accept: expected status codes such as 200 or \"200..=299\", got {item!r}")
        low = int(m.group(1))
        high = int(m.group(3)) if m.group(3) else low
        if m.group(3) and not m.group(2):
            high -= 1  # Rust-style exclusive range 200..300
        ranges.append((low, high))
    return tuple(ranges)


def _codes(value: object, key: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key}: expected a list of rule codes, got {value!r}")
    try:
        return frozenset(rules.expand_selectors(value))
    except KeyError as exc:
        raise ConfigError(f"{key}: unknown rule code {exc.args[0]!r} (see `refcheck --list-rules`)") from None


def _strings(value: object, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key}: expected a list of strings, got {value!r}")
    return tuple(value)


def _bool(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key}: expected true or false, got {value!r}")
    return value


def _number(value: object, key: str, *, integer: bool = False, minimum: float = 0) -> float:
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type or value < minimum:  # type: ignore[operator]
        kind = "an integer" if integer else "a number"
        raise ConfigError(f"{key}: expected {kind} >= {minimum:g}, got {value!r}")
    return float(value)  # type: ignore[arg-type]


def _url(value: object, key: str) -> str:
    if not isinstance(value, str) or not re.match(r"^https?://", value):
        raise ConfigError(f"{key}: expected an http(s) URL, got {value!r}")
    return value.rstrip("/") if key == "crossref_api_url" else value


def _regexes(value: object, key: str) -> tuple[re.Pattern[str], ...]:
    patterns = []
    for item in _strings(value, key):
        try:
            patterns.append(re.compile(item))
        except re.error as exc:
            raise ConfigError(f"{key}: invalid regular expression {item!r}: {exc}") from None
    return tuple(patterns)


def _headers(value: object) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"headers: expected {{host = {{Header = value}}}}, got {value!r}")
    out = []
    for host, hdrs in value.items():
        if not isinstance(hdrs, Mapping) or not all(isinstance(v, str) for v in hdrs.values()):
            raise ConfigError(f"headers.{host}: expected a table of header names to strings")
        out.append((str(host), tuple((str(k), str(v)) for k, v in hdrs.items())))
    return tuple(out)


def _per_file_ignores(value: object) -> tuple[tuple[str, frozenset[str]], ...]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"per_file_ignores: expected {{glob = [codes]}}, got {value!r}")
    return tuple((str(glob), _codes(codes, f"per_file_ignores.{glob}")) for glob, codes in value.items())


def _cache(value: object, base: Path) -> dict[str, Any]:
    if value is False:
        return {"use_cache": False}
    if isinstance(value, str):
        return {"cache": (base / value).resolve(), "use_cache": True}
    raise ConfigError(f"cache: expected a path or false, got {value!r}")


def _paths(value: object, key: str, base: Path) -> tuple[Path, ...]:
    return tuple((base / p).resolve() for p in _strings(value, key))


def _fail_on(value: object) -> Severity:
    try:
        return Severity.parse(str(value))
    except KeyError:
        raise ConfigError(f"fail_on: expected \"error\", \"warning\" or \"info\", got {value!r}") from None


def _max_file_size(v: object, b: Path) -> dict[str, Any]:
    return {"max_file_size": parse_size(v)}


_FIELD_PARSERS: dict[str, Any] = {
    "select": lambda v, b: {"select": _codes(v, "select")},
    "ignore": lambda v, b: {"ignore": _codes(v, "ignore")},
    "fail_on": lambda v, b: {"fail_on": _fail_on(v)},
    "exclude": lambda v, b: {"exclude": _strings(v, "exclude")},
    "per_file_ignores": lambda v, b: {"per_file_ignores": _per_file_ignores(v)},
    "exclude_urls": lambda v, b: {"exclude_urls": _regexes(v, "exclude_urls")},
    "root_dir": lambda v, b: {"root_dir": _paths(v, "root_dir", b)[0]},
    "bib": lambda v, b: {"bib": _paths(v, "bib", b)},
    "uncited_bib": lambda v, b: {"uncited_bib": _bool(v, "uncited_bib")},
    "max_file_size": _max_file_size,
    "jobs": lambda v, b: {"jobs": int(_number(v, "jobs", integer=True, minimum=1))},
    "offline": lambda v, b: {"offline": _bool(v, "offline")},
    "links": lambda v, b: {"links": _bool(v, "links")},
    "verify": lambda v, b: {"verify": _bool(v, "verify")},
    "max_concurrency": lambda v, b: {"max_concurrency": int(_number(v, "max_concurrency", integer=True, minimum=1))},
    "max_per_host": lambda v, b: {"max_per_host": int(_number(v, "max_per_host", integer=True, minimum=1))},
    "host_interval": lambda v, b: {"host_interval": _number(v, "host_interval")},
    "timeout": lambda v, b: {"timeout": _number(v, "timeout", minimum=0.001)},
    "timeout_total": lambda v, b: {"timeout_total": _number(v, "timeout_total", minimum=0.001)},
    "retries": lambda v, b: {"retries": int(_number(v, "retries", integer=True))},
    "retry_wait": lambda v, b: {"retry_wait": _number(v, "retry_wait")},
    "allow_private": lambda v, b: {"allow_private": _bool(v, "allow_private")},
    "allow_hosts": lambda v, b: {"allow_hosts": _strings(v, "allow_hosts")},
    "accept": lambda v, b: {"accept": parse_accept(v)},
    "headers": lambda v, b: {"headers": _headers(v)},
    "cache": _cache,
    "cache_max_age": lambda v, b: {"cache_max_age": parse_duration(v, "cache_max_age")},
    "arxiv_api_url": lambda v, b: {"arxiv_api_url": _url(v, "arxiv_api_url")},
    "arxiv_interval": lambda v, b: {"arxiv_interval": _number(v, "arxiv_interval")},
    "crossref_api_url": lambda v, b: {"crossref_api_url": _url(v, "crossref_api_url")},
    "mailto": lambda v, b: {"mailto": _strings(v, "mailto")[0]},
    "user_agent": lambda v, b: {"user_agent": _strings(v, "user_agent")[0]},
}

KEYS: tuple[str, ...] = tuple(_FIELD_PARSERS)


def settings_from_mapping(table: Mapping[str, Any], base: Path, where: str) -> dict[str, Any]:
    """Validate a `[tool.refcheck]`-shaped mapping into Config field values; keys may use - or _."""
    values: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        parser = _FIELD_PARSERS.get(key)
        if parser is None:
            raise ConfigError(f"{where}: unknown key {raw_key!r}")
        try:
            values.update(parser(value, base))
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    return values


def find_config_file(start: Path) -> tuple[Path, Mapping[str, Any]] | None:
    """The nearest `.refcheck.toml`, or pyproject.toml with a `[tool.refcheck]` table, upward from start."""
    for directory in (start, *start.parents):
        dotfile = directory / ".refcheck.toml"
        if dotfile.is_file():
            return dotfile, _load_toml(dotfile)
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            table = _load_toml(pyproject).get("tool", {}).get("refcheck")
            if table is not None:
                if not isinstance(table, Mapping):
                    raise ConfigError(f"{pyproject}: [tool.refcheck] must be a table")
                return pyproject, table
    return None


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def load_config(start: Path, explicit: Path | None = None, overrides: Mapping[str, Any] | None = None) -> Config:
    """Read the config file (explicit, or found upward from `start`), then apply command-line overrides."""
    values: dict[str, Any] = {}
    source: Path | None = None
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        data = _load_toml(explicit)
        table = data.get("tool", {}).get("refcheck", {}) if explicit.name == "pyproject.toml" else data
        source = explicit
        values.update(settings_from_mapping(table, explicit.parent.resolve(), str(explicit)))
    else:
        found = find_config_file(start.resolve())
        if found is not None:
            source, table = found
            values.update(settings_from_mapping(table, source.parent.resolve(), str(source)))
    if overrides:
        values.update(settings_from_mapping(overrides, Path.cwd(), "command line"))
    return Config(**values, source=source)
