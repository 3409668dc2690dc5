"""The repository's promises: CI runs exactly the README's test command, then the install check."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```sh\n# run the tests\n(.+)\n```", readme)
    assert len(commands) == 1
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert commands[0] in ci_lines
    assert ci_lines[-1] == "bash .ci/install-check"
