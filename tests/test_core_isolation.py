"""The numerical core and the headless CLI must never pull in Textual."""

import importlib.util
import pkgutil
import subprocess
import sys

import pytest

import tui_gradients.core


def _modules_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


CORE_MODULES = sorted(
    module.name
    for module in pkgutil.walk_packages(tui_gradients.core.__path__, "tui_gradients.core.")
    if module.name != "tui_gradients.core.fast._kernels" or importlib.util.find_spec("numba")
)
"""Every module of the core, found by walking the package (numba's kernels where numba is)."""


def test_the_walk_finds_the_whole_core():
    assert {"tui_gradients.core.runs.settings", "tui_gradients.core.fast.straight"} <= set(
        CORE_MODULES
    )


@pytest.mark.parametrize("module", CORE_MODULES)
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
