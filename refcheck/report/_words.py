"""Counted nouns for the human-readable formats: `1 error`, `2 warnings`."""

from __future__ import annotations


def count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
