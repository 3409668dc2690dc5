"""Numbers as a person types them, turned into values or a SettingError naming the field.

Shared by the CLI flags and the app's fields, so both accept and refuse the same text.
"""

from __future__ import annotations

import re

from tui_gradients.core.errors import SettingError

_DECIMAL_COMMA = re.compile(r"\s*[-+]?\d+,\d+\s*")


def parse_number(name: str, text: str) -> float:
    """A float; `nan`/`inf` parse here and are refused by each setting's own range check."""
    try:
        return float(text)
    except ValueError:
        if _DECIMAL_COMMA.fullmatch(text):
            raise SettingError(name, f"not a number: {text!r} (use a dot for decimals)") from None
        raise SettingError(name, f"not a number: {text!r}") from None


def parse_whole(name: str, text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise SettingError(name, f"not a whole number: {text!r}") from None


def parse_pair(name: str, text: str) -> tuple[float, float]:
    """'X,Y' (spaces allowed) as two floats."""
    parts = text.split(",")
    if len(parts) != 2:
        raise SettingError(name, f"expected two numbers as X,Y, got {text!r}")
    return (parse_number(name, parts[0]), parse_number(name, parts[1]))
