"""Errors a user can cause, as one small hierarchy; the CLI turns each into a message and exit code 2.

RefcheckError
├── ConfigError      a bad key or value in [tool.refcheck] / .refcheck.toml or on the command line
└── UsageError       a path that does not exist, an unknown rule code, a bad flag combination
"""

from __future__ import annotations


class RefcheckError(Exception):
    """Base of every error refcheck reports to the user without a traceback."""


class ConfigError(RefcheckError):
    """A configuration key or value is wrong; the message names the key and the file."""


class UsageError(RefcheckError):
    """The command line asks for something impossible (missing path, unknown code)."""
