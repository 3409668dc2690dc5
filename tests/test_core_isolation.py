"""The numerical core and the headless CLI must never pull in Textual."""

import subprocess
import sys

import pytest


def _modules_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize(
    "module",
    [
        "tui_gradients.core.expression",
        "tui_gradients.core.functions",
        "tui_gradients.core.optimizers",
        "tui_gradients.core.run",
        "tui_gradients.core.chain",
        "tui_gradients.core.experiment",
        "tui_gradients.core.export",
        "tui_gradients.core.lesson",
    ],
)
def test_core_module_does_not_import_textual(module):
    modules = _modules_after(f"import {module}")
    assert module in modules
    assert "textual" not in modules


def test_help_does_not_import_textual():
    code = (
        "from tui_gradients.cli import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass"
    )
    modules = _modules_after(code)
    assert "tui_gradients.cli" in modules
    assert "textual" not in modules
