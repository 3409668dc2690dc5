"""Every non-ASCII character the app itself draws, with a plain-ASCII stand-in.

Used when the locale is not UTF-8 (LANG=C, a bare SSH session) or TERM says the terminal is
primitive, and by the `m` key. Markers stay distinct by shape, never by colour alone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

LABELS: dict[str, tuple[str, str]] = {
    # name: (unicode, ascii)
    "grad_w1": ("∂f/∂w1", "df/dw1"),
    "grad_w2": ("∂f/∂w2", "df/dw2"),
    "grad_norm": ("‖∇f‖", "|grad f|"),
    "gap": ("f − f*", "f - f*"),
    "ratio": ("|∂₂f/∂₁f|", "|df2/df1|"),
    "eigen": ("λ(H)", "eig(H)"),
    "kappa": ("κ", "kappa"),
    "factor": ("|1−lr·λ|", "|1-lr*l|"),
    "trap": ("⚠ trap", "! trap"),
    "gprime": ("g′(z)", "g'(z)"),
    "delta": ("δ", "delta"),
    "grad_weight": ("∂C/∂w", "dC/dw"),
    "delta_ratio": ("|δˡ/δᴸ|", "|d/dL|"),
    "width": ("n", "n"),
    "weight_std": ("σ(W)", "std(W)"),
    "act_mean": ("mean a", "mean a"),
    "act_std": ("σ(a)", "std(a)"),
    "saturated": ("sat %", "sat %"),
    "delta_rms": ("rms δ", "rms d"),
    "grad_w_norm": ("‖∂C/∂W‖", "|dC/dW|"),
    "grad_data": ("grad:data", "grad:data"),
    "update_data": ("log₁₀ u:d", "log10 u:d"),
    "bars": ("a  │  δ", "a  |  d"),
    "dot": ("·", "-"),
    "gradient_step": ("−lr·∇f →", "-lr*df g"),
    "next_step": ("step ⇒", "step s"),
}

BOX_TO_ASCII = str.maketrans(
    {
        "─": "-",
        "│": "|",
        "┌": "+",
        "┐": "+",
        "└": "+",
        "┘": "+",
        "┬": "+",
        "┴": "+",
        "┤": "+",
        "├": "+",
        "┼": "+",
    }
)
"""plotext draws its frame and ticks with box characters; these are their ASCII shapes."""


NUMBERS_TO_ASCII = str.maketrans({"—": "-", "∞": "inf", "…": "...", "✓": "ok"})
"""What `format` writes for missing and infinite values (and the readout's tick), in ASCII."""


PROSE_TO_ASCII = str.maketrans(
    {
        "δ": "delta",
        "∂": "d",
        "∇": "grad ",
        "‖": "|",
        "′": "'",
        "ᴸ": "L",
        "ˡ": "l",
        "¹": "1",
        "⁰": "0",
        "²": "^2",
        "⁺": "+",
        "⁻": "-",
        "₀": "0",
        "₁": "1",
        "¼": "1/4",
        "½": "1/2",
        "·": "*",
        "×": "x",
        "÷": "/",
        "−": "-",
        "≤": "<=",
        "≈": "~",
        "√": "sqrt",
        "Σ": "sum ",
        "κ": "kappa",
        "λ": "lambda",
        "μ": "mu",
        "σ": "sigmoid",
        "←": "<-",
        "→": "->",
        "•": "*",
        "∘": "o",
        "●": "@",
        "◆": "%",
        "▲": "^",
        "■": "#",
        "▼": "v",
        "▶": ">",
        "★": "X",
        "Δ": "Delta ",
        "β": "beta",
        "η": "eta",
        "ρ": "rho",
        "ε": "eps",
        "ₜ": "_t",
        "₂": "2",
        "³": "^3",
        "⁶": "^6",
        "ᵀ": "^T",
        "°": " degrees",
        "↑": "up",
        "↓": "down",
        "…": "...",
    }
)
"""The maths and markers in the help and the lesson, spelled in ASCII."""
ASCII_BULLETS = ["- ", "* ", "+ ", "- ", "* "]
"""For Textual's Markdown lists, whose own bullets are Unicode."""


def label(name: str, ascii_only: bool) -> str:
    return LABELS[name][1 if ascii_only else 0]


def labels_in_ascii(text: str) -> str:
    """`text` with every label the screen shows (`LABELS`) spelled as the screen spells it in
    ASCII (`σ(a)` is `std(a)` there, not the sigmoid that σ alone means in prose)."""
    for shown, plain in sorted(LABELS.values(), key=lambda pair: -len(pair[0])):
        if len(shown) > 1:
            text = text.replace(shown, plain)
    return text


def unicode_terminal(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the terminal can be trusted with braille and symbols.

    The locale decides (LC_ALL, then LC_CTYPE, then LANG, as the C library reads them); a dumb
    or vt100 terminal gets ASCII whatever the locale says.
    """
    environ = os.environ if environ is None else environ
    if environ.get("TERM", "").startswith(("dumb", "vt100", "vt102", "vt220", "linux")):
        return False
    for variable in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = environ.get(variable)
        if variable == "LC_CTYPE" and _coerced_by_python(environ):
            continue
        if value:
            return "utf-8" in value.lower() or "utf8" in value.lower()
    return False


def _coerced_by_python(environ: Mapping[str, str]) -> bool:
    """Python started in the C locale sets LC_CTYPE=C.UTF-8 for itself (PEP 538); that says
    nothing about the terminal, so the locale the user had (LANG) decides."""
    return environ.get("LC_CTYPE") in ("C.UTF-8", "C.utf8") and environ.get("LANG", "C") in (
        "C",
        "POSIX",
    )


def tables_as_lists(text: str) -> str:
    """Markdown tables as `- first: second` lines: Textual draws tables with box characters."""
    lines = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|"):
            lines.append(line)
        elif set("".join(cells)) - set("-: ") and cells != ["key", "does"]:
            lines.append(f"- {cells[0]}: {' | '.join(cells[1:])}")
    return "\n".join(lines)
