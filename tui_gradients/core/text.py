"""Text from outside (a file, a formula, a column name, a path, a typed value) made inert before
it is shown: a control character would otherwise act on the terminal that shows it (retitle the
window, clear the screen, move the cursor), on stderr as on the screen or in a screenshot."""

from __future__ import annotations

_CONTROLS = {
    code: f"\\x{code:02x}" for code in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if code != 0x09
}
_CONTROLS[0x09] = " "  # a tab is spacing: one space keeps the columns honest


def inert(text: str) -> str:
    """`text` with every control character (C0, DEL, C1) shown as its escape (`\\x1b`): what it
    says stays readable, and nothing in it reaches the terminal as a command."""
    return text.translate(_CONTROLS)
