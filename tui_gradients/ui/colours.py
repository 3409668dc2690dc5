"""The app's own colours (runs, contours, shading, arrows) made readable on the theme's
background: every built-in Textual theme, light or dark, is chosen from the command palette.

The colours are designed for a dark background; on any background each is moved towards
black or white just far enough to keep a contrast ratio of 3 (WCAG's for graphics), so on the
dark default theme nothing changes. Shading runs from the background (high) towards the text
colour (low): darker is lower on a dark theme and on a light one alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from rich.color import Color as RichColor
from rich.style import Style
from textual.color import Color

RGB = tuple[int, int, int]
LEAST_CONTRAST = 3.0
DARK_SHADE = ((8, 10, 26), (70, 74, 98))
"""Shading on a dark theme, lowest to highest band (as the app was designed)."""


def luminance(rgb: RGB) -> float:
    """Relative luminance (WCAG 2)."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(value) for value in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def mix(a: RGB, b: RGB, share: float) -> RGB:
    """`share` of the way from `a` to `b`."""
    return (
        round(a[0] + (b[0] - a[0]) * share),
        round(a[1] + (b[1] - a[1]) * share),
        round(a[2] + (b[2] - a[2]) * share),
    )


@lru_cache(maxsize=256)
def readable(rgb: RGB, background: RGB, least: float = LEAST_CONTRAST) -> RGB:
    """`rgb`, or the nearest mix of it with black or white (away from the background) that
    has at least `least` contrast with `background`."""
    if contrast(rgb, background) >= least:
        return rgb
    away: RGB = (0, 0, 0) if luminance(background) > 0.5 else (255, 255, 255)
    for tenth in range(1, 11):
        moved = mix(rgb, away, tenth / 10)
        if contrast(moved, background) >= least:
            return moved
    return away


@dataclass(frozen=True)
class Colours:
    """The theme's background and text colours, and what follows from them."""

    background: RGB = (18, 18, 18)
    foreground: RGB = (224, 224, 224)
    dark: bool = True

    def ink(self, rgb: RGB) -> RGB:
        return readable(rgb, self.background)

    def style(self, rgb: RGB, *, bold: bool = False, dim: bool = False) -> Style:
        # an attribute not asked for is left unset (None), not turned off
        return Style(color=RichColor.from_rgb(*self.ink(rgb)), bold=bold or None, dim=dim or None)

    def shade(self, height: float) -> RGB:
        """A band's background, `height` 0 (lowest) to 1 (highest)."""
        low, high = DARK_SHADE if self.dark else (mix(self.background, self.foreground, 0.35),
                                                   self.background)  # fmt: skip
        return mix(low, high, height)


DEFAULT = Colours()
"""Before the app has a theme (and in tests of the parts alone): Textual's dark default."""


def from_theme(variables: Mapping[str, str], dark: bool) -> Colours:
    """From the app's CSS variables (`App.get_css_variables`)."""

    def rgb(name: str, fallback: RGB) -> RGB:
        try:
            return Color.parse(variables[name]).rgb
        except (KeyError, ValueError):
            return fallback

    return Colours(
        rgb("background", DEFAULT.background), rgb("foreground", DEFAULT.foreground), dark
    )
