"""Numbers for people: never 'nan' shown as if it were a value."""

from __future__ import annotations

import math

from rich.style import Style

MISSING = "—"


def number(value: float | None, digits: int = 6) -> str:
    """Short general format; '—' for unknown, 'inf'/'-inf' spelled as ∞."""
    if value is None or math.isnan(value):
        return MISSING
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return unsigned_zero(f"{value:.{digits}g}")


def unsigned_zero(text: str) -> str:
    """A number that prints as zero without its sign: `-0`, `-0.000`, `-0.00e+00` (a tiny
    negative value rounded, or IEEE's −0) read as 0."""
    if text.startswith("-") and not text[1:].split("e")[0].strip("0."):
        return text[1:]
    return text


def fit(parts: list[str], width: int, separator: str, ellipsis: str) -> str:
    """`parts` joined within `width` columns, most urgent first: whole parts are dropped from
    the end while more than one is left, then what remains is cut at a word (`shorten`)."""
    kept = list(parts)
    while len(kept) > 1 and len(separator.join(kept)) > width:
        kept.pop()
    return shorten(separator.join(kept), width, ellipsis)


def shorten(text: str, width: int, ellipsis: str) -> str:
    """`text` within `width` columns: cut after the last whole word that leaves room for the
    ellipsis (mid-word only when a word fills more than half the room), never mid-number."""
    if len(text) <= width:
        return text
    return text[: word_end(text, max(width - len(ellipsis), 0))] + ellipsis


def word_end(text: str, room: int) -> int:
    """Where to cut `text` to fit `room` cells: after the last whole word, its trailing
    punctuation dropped, unless that leaves less than half the room (then mid-word)."""
    if room <= 0:
        return 0
    space = text.rfind(" ", 0, room + 1)
    return len(text[:space].rstrip(" ,;:·-")) if space > room // 2 else room


TITLE_MARGIN = 4
"""Cells a border title leaves to the corners and the gaps around it."""


def fit_title(title: str, width: int, ascii_only: bool) -> str:
    """A border title within a widget `width` cells wide, shortened at a word by the same
    rule as every line (Textual would cut it anywhere with '…', which is not ASCII); as it
    is before the first layout (width 0)."""
    room = width - TITLE_MARGIN
    if room <= 0 or len(title) <= room:
        return title
    return shorten(title, room, "..." if ascii_only else "…")


def ordinal(count: int) -> str:
    """`2nd`, `4th`, `32nd`, `112th`: how a stride reads in a sentence."""
    if count % 100 in (11, 12, 13):
        return f"{count}th"
    return f"{count}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(count % 10, 'th') }"


# Decades of |value|, largest first: exploding, healthy, shrinking, vanishing. Colour is only a
# second cue: the exponent is always printed too.
MAGNITUDE_STYLES: list[tuple[float, Style]] = [
    (10.0, Style(color="red", bold=True)),
    (1e-1, Style(color="yellow", bold=True)),
    (1e-2, Style(color="green")),
    (1e-3, Style(color="cyan")),
    (1e-4, Style(color="blue")),
    (0.0, Style(color="bright_black")),
]


def magnitude_style(value: float) -> Style:
    size = abs(value)
    if math.isnan(size):
        return Style()
    for threshold, style in MAGNITUDE_STYLES:
        if size >= threshold:
            return style
    return MAGNITUDE_STYLES[-1][1]


HEALTHY_UPDATE = -3.0
"""log₁₀ of the update:data ratio that makemore calls healthy (updates a thousandth of the
weights' spread)."""


def update_style(log_ratio: float) -> Style:
    """update:data by its distance from 10⁻³: a decade either side is healthy (green); above,
    the weights churn (yellow, red past 10⁻¹); below, they barely move (blue)."""
    if math.isnan(log_ratio):
        return Style()
    if log_ratio > -1:
        return Style(color="red", bold=True)
    if log_ratio > HEALTHY_UPDATE + 1:
        return Style(color="yellow", bold=True)
    if log_ratio >= HEALTHY_UPDATE - 1:
        return Style(color="green")
    return Style(color="blue")
